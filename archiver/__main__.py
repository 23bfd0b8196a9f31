"""``python -m archiver``, and the ``archiver`` command (``main``)."""

import sys


def main() -> None:
    """The command line, whose start a Ctrl-C may cut short without a traceback."""
    try:
        from .cli import cli
        from .exitstatus import guard_standard_streams
    except KeyboardInterrupt:  # Ctrl-C while it starts: nothing was done yet
        sys.exit(130)
    guard_standard_streams()
    try:
        cli()
    except KeyboardInterrupt:  # before the command line is read, or after its end
        sys.exit(130)


if __name__ == "__main__":
    main()
