"""``archiver serve``: the read-only dashboard (:mod:`.app`) and replay (:mod:`.replay`)."""

from __future__ import annotations

__all__ = ["app", "replay"]
