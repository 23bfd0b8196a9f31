"""The deflate codec: ISA-L's (``isal``) when it is installed, zlib's otherwise.

Both read and write the same streams (raw deflate, zlib, gzip); ISA-L
inflates a news page about twice as fast and deflates at level 1 about three
times as fast. Its errors are not ``zlib.error``: catch :data:`ERRORS`.

Example::

    from .deflate import codec, ERRORS
    blob = codec.compress(data, 1)        # zlib format, any zlib reads it
    dec = codec.decompressobj(31)         # gzip
"""

from __future__ import annotations

import zlib
from types import ModuleType

codec: ModuleType
try:
    from isal import isal_zlib as codec
except ImportError:  # pragma: no cover - isal has wheels for the usual platforms
    codec = zlib

#: What a corrupt stream raises, whichever codec is in use.
ERRORS: tuple[type[Exception], ...] = tuple({zlib.error, codec.error})

__all__ = ["ERRORS", "codec"]
