"""``python -m archiver``: the same as the ``archiver`` command."""

import sys

try:
    from .cli import cli
except KeyboardInterrupt:  # Ctrl-C while it starts: nothing was done yet
    sys.exit(130)

cli()
