"""How one fetch is archived: the WARC records of its hops, and their capture rows.

Each hop with a response is archived in full, or as a revisit of its URL's
latest full capture when that has the same payload (:class:`HopPlan`).
:func:`fetch_specs` gives the records of a fetch: a pair per hop (request or
None, response or revisit), then, when anything was copied anew, its
provenance metadata (:func:`provenance`). :class:`Archiving` is what the
worker process that judges a page needs to build those records itself, so
that they cost the parent only their appending. :func:`capture_row` is the
capture row of a hop once its records are written.

:class:`CaptureWriter` does this for the fetches of one cycle (the pipeline
holds one): it plans each hop, a revisit only of a full capture whose WARC
file is still there and long enough to hold it, and writes the records.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import SOFTWARE
from .files import size_or_missing
from .models import FetchResult, Hop, PageInfo
from .settings import Settings
from .store import Store, iso, parse_iso
from .warc import (
    Record,
    RecordLocation,
    RecordSpec,
    WarcWriter,
    build,
    exchange_specs,
    metadata_spec,
    revisit_specs,
)
from .warcparts import warc_date

LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class HopPlan:
    """How one hop is archived: in full, or as a revisit of *last* (its URL's
    latest full capture, with the same payload: id, url, fetched_at, record_id)."""

    digest: str | None
    last: dict[str, Any] | None = None

    def specs(self, hop: Hop) -> tuple[RecordSpec | None, RecordSpec]:
        if self.last is None:
            return exchange_specs(hop, payload_digest=self.digest)
        assert self.digest is not None
        return revisit_specs(
            hop, refers_to_uri=self.last["url"],
            refers_to_date=warc_date(parse_iso(self.last["fetched_at"]) or hop.started),
            refers_to_record_id=self.last["record_id"], payload_digest=self.digest,
            with_request=False)


def provenance(result: FetchResult, page: PageInfo | None, user_agent: str) -> dict[str, object]:
    """What the metadata record of a capture says of how it was made."""
    final = result.final
    return {
        "url": result.url, "final_url": result.final_url,
        "headline": page.headline if page else None,
        "published": page.published.isoformat() if page and page.published else None,
        "software": SOFTWARE,
        "user_agent": user_agent,
        "ip": final.ip if final else None,
        "tls": final.tls if final else None,
        "attempts": result.attempts,
        "hops": [{"url": h.url, "status": h.status, "ip": h.ip,
                  "started": iso(h.started), "elapsed": round(h.elapsed, 4)}
                 for h in result.hops],
    }


def fetch_specs(result: FetchResult, plans: list[HopPlan], page: PageInfo | None,
                user_agent: str) -> list[tuple[RecordSpec | None, RecordSpec]]:
    """The records of a fetch: a pair per hop with a response (request or None,
    response or revisit), then, when anything was copied anew, its provenance
    metadata as (None, metadata)."""
    hops = [h for h in result.hops if h.status is not None]
    pairs = [plan.specs(hop) for hop, plan in zip(hops, plans, strict=True)]
    if any(plan.last is None for plan in plans):
        last_id = dict(pairs[-1][1].headers)["WARC-Record-ID"]
        # the record id without its angle brackets, which a URI may not hold
        pairs.append((None, metadata_spec(f"urn:archiver:capture:{last_id.strip('<>')}",
                                          provenance(result, page, user_agent),
                                          refers_to=last_id)))
    return pairs


@dataclass(frozen=True)
class Archiving:
    """What the worker that judges a page needs to build the records of its
    fetch (:func:`fetch_specs`): the hops' plans and bodies (a hop is pickled
    without its body; a body kept in a file stays with the parent, which then
    builds the records itself).

    Built in the worker, the records cost the parent only their appending:
    the parent is the busier process, and the one a cycle cannot spread over
    cores (a 1,000-citation capture on 2 cores, one worker: parent 2.43 ->
    2.06 s of CPU, worker 1.37 -> 1.73 s, wall time unchanged)."""

    plans: list[HopPlan]
    bodies: list[bytes | None]
    user_agent: str
    level: int

    def build(self, result: FetchResult, page: PageInfo | None,
              ) -> list[tuple[Record | None, Record]]:
        hops = [h for h in result.hops if h.status is not None]
        for hop, body in zip(hops, self.bodies, strict=True):
            if body is not None:  # None: a revisit, which needs no body
                hop.body_data = body
        return [(build(first, self.level) if first is not None else None,
                 build(second, self.level))
                for first, second in fetch_specs(result, self.plans, page, self.user_agent)]


def capture_row(hop: Hop, plan: HopPlan, req: RecordLocation | None,
                 resp: RecordLocation) -> dict[str, Any]:
    """The capture row of a hop written as *req* and *resp* (without ids)."""
    return {
        "url": hop.url, "fetched_at": iso(hop.started),
        "http_status": hop.status, "content_type": hop.header("content-type"),
        "location": hop.location, "ip": hop.ip,
        "body_size": hop.body_size,
        "truncated": hop.truncated_reason if hop.truncated else None,
        "record_type": resp.record_type, "record_id": resp.record_id,
        "payload_digest": resp.payload_digest or plan.digest, "block_digest": resp.block_digest,
        "refers_to": int(plan.last["id"]) if plan.last is not None else None,
        "warc_file": resp.filename, "warc_offset": resp.offset, "warc_length": resp.length,
        "record_sha256": resp.sha256,
        "request_file": req.filename if req else None,
        "request_offset": req.offset if req else None,
        "request_length": req.length if req else None,
        "request_record_id": req.record_id if req else None,
        "request_block_digest": req.block_digest if req else None,
        "tls_subject": (hop.tls or {}).get("subject"),
        "tls_issuer": (hop.tls or {}).get("issuer"), "elapsed": hop.elapsed,
    }


class CaptureWriter:
    """Archives the fetches of one cycle: plans how each hop is archived
    (:meth:`plan`), gives the worker what it needs to build their records
    (:meth:`archiving`), and writes the records (:meth:`write`)."""

    def __init__(self, store: Store, writer: WarcWriter, settings: Settings) -> None:
        self.store = store
        self.writer = writer
        self.settings = settings
        self._file_sizes: dict[str, int] = {}  # closed WARC files looked at (-1: gone)
        self._files_said: set[str] = set()  # of those, the ones lacking a record

    def plan(self, hop: Hop, digest: str | None) -> HopPlan:
        """Archive *hop* in full, or as a revisit of its URL's latest full capture
        when that has the same payload (cut at the same limit too: a document
        over ``fetch.max_bytes`` is not stored again whole at every check)."""
        last = self.store.last_response(hop.url)
        cut = hop.truncated_reason if hop.truncated else None
        if last and digest and last["payload_digest"] == digest \
                and last.get("truncated") == cut and self._still_there(last):
            return HopPlan(digest, last)
        return HopPlan(digest)

    def _still_there(self, original: dict[str, Any]) -> bool:
        """True when the WARC file of *original* (a full capture) is there and long
        enough to hold it: a revisit of a record lost with its file would leave
        the copy just fetched unarchived (captured in full again instead, said
        once a file). Damage inside a file is for ``archiver verify``."""
        name = str(original["warc_file"])
        if name == self.writer.current_file or name in self.writer.closed_files:
            return True
        size = self._file_sizes.get(name)
        if size is None:
            size = self._file_sizes[name] = size_or_missing(self.writer.directory / name)
        if size >= int(original["warc_offset"]) + int(original["warc_length"]):
            return True
        if name not in self._files_said:
            self._files_said.add(name)
            LOGGER.warning("%s, which holds earlier captures, is %s: what they captured is "
                           "captured in full again; run `archiver verify`", name,
                           "missing" if size < 0 else "shorter than they are")
        return False

    def archiving(self, hops: list[Hop], plans: list[HopPlan]) -> Archiving | None:
        """What the worker needs to build the records of *hops*; None when a
        body to copy is in a file (the records are then built in this process)."""
        bodies: list[bytes | None] = []
        for hop, plan in zip(hops, plans, strict=True):
            if plan.last is not None:  # a revisit: headers only
                bodies.append(None)
            elif isinstance(hop.body, Path):
                return None
            else:
                bodies.append(hop.body_data)
        return Archiving(plans, bodies, self.settings.fetch.user_agent,
                         self.settings.warc.compression_level)

    def write(self, records: list[tuple[RecordSpec | None, RecordSpec]]
              | list[tuple[Record | None, Record]], hops: list[Hop], plans: list[HopPlan],
              ) -> tuple[list[dict[str, Any]], RecordLocation | None]:
        """Write the records of a fetch (:func:`fetch_specs`, or as
        :class:`Archiving` built them): the capture rows of its hops (without ids), and where the
        metadata record went, if one was made."""
        locations = [self.writer.write(first, second) for first, second in records]
        rows = [capture_row(hop, plan, req, resp)
                for hop, plan, (req, resp) in zip(hops, plans, locations, strict=False)]
        return rows, (locations[-1][1] if len(locations) > len(hops) else None)
