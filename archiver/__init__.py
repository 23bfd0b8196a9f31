"""archiver: keep the web sources of a report alive as evidence."""

import sys

__version__ = "0.1.0"
#: How archiver names itself: in WARC ``software`` fields and User-Agent headers.
SOFTWARE = f"archiver/{__version__}"

__all__ = ["SOFTWARE", "__version__"]

# httpx imports its own command-line client when it is imported, and with it
# rich, pygments and click when they are installed (they are: archiver uses
# rich and click). archiver never runs that client; not importing it saves
# some 40 ms at the start of every command. httpx falls back to a stub
# ``httpx.main`` when the import fails, which a None entry makes it do.
if "httpx" not in sys.modules:
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
