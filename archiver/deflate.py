"""The deflate codec: ISA-L's (``isal``) when it is installed, zlib's otherwise.

Both read and write the same streams (raw deflate, zlib, gzip); ISA-L
inflates a news page about twice as fast and, at the sizes zlib gives at
its levels 1 to 4, deflates it two to five times as fast
(:func:`compressobj`). Its errors are not ``zlib.error``: catch
:data:`ERRORS`.

Example::

    from .deflate import codec, ERRORS
    blob = codec.compress(data, 1)        # zlib format, any zlib reads it
    dec = codec.decompressobj(31)         # gzip
    comp = compressobj(3, -15, 8)         # raw deflate at zlib's level 3
"""

from __future__ import annotations

import zlib
from types import ModuleType
from typing import Any

codec: ModuleType
try:
    from isal import isal_zlib as codec
except ImportError:  # pragma: no cover - isal has wheels for the usual platforms
    codec = zlib

#: What a corrupt stream raises, whichever codec is in use.
ERRORS: tuple[type[Exception], ...] = tuple({zlib.error, codec.error})

#: ISA-L's level (it has 0 to 3) for zlib's levels 1 to 4, the nearest in
#: size. Over 60 real news pages sent uncompressed (260 KB each), against
#: zlib at the level asked for: 1, 2 % smaller in 22 % of the time; 2, 2 %
#: larger in 22 %; 3, 3 % larger in a fifth; 4, 7 % larger in 39 %.
#: Nothing of ISA-L's is as small as zlib's 5 to 9, which stay zlib's.
_ISAL_LEVELS = {1: 1, 2: 1, 3: 2, 4: 3}


def compressobj(level: int, wbits: int, mem_level: int) -> Any:
    """A compressor at zlib's *level* (1 fastest to 9 smallest), *wbits* and
    *mem_level* as for ``zlib.compressobj``: ISA-L's for levels 1 to 4 when
    it is installed (on the WARC heads of a capture, about 900 bytes, it
    takes a third of zlib's time), zlib's otherwise."""
    isal_level = _ISAL_LEVELS.get(level)
    if codec is zlib or isal_level is None:
        return zlib.compressobj(level, zlib.DEFLATED, wbits, mem_level)
    return codec.compressobj(isal_level, codec.DEFLATED, wbits, mem_level)


__all__ = ["ERRORS", "codec", "compressobj"]
