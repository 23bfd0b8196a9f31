"""Speed, CPU and memory of ``archiver run``, side by side with wget and bare httpx.

For each latency mode (no added delay: CPU-bound; 50 ms added to every
response) and each size (1,000 and 10,000 citations), on the loopback farm of
``bench/farm.py`` (one nginx, 120 origins), in one run:

* ``archiver run`` from an empty archive (the capture cycle), then again on
  the same archive (the re-check cycle: nothing changed);
* ``wget --warc-file`` over the same URL list: one process (sequential), and
  8 processes over 8 slices of the list (parallel);
* ``bench/bare_httpx.py``: httpx alone, same concurrency, bodies discarded;
* ``wrk`` against one origin of the farm: the machine's ceiling.

Per run: wall time, URLs per second, CPU seconds per URL (user+sys of the
process tree, from ``os.wait4``), peak RSS (max RSS of the largest process),
bytes written; for archiver's cycles, the requests they made (nginx's
``stub_status`` read before and after) and, at 50 ms, their network floor
(requests x 50 ms / concurrency). Then the ratios and the targets. Also the
1 GB response captured under the default 50 MB cap (peak RSS).

A size of at most :data:`REPEAT_MAX` citations is over in a few seconds, and
one slow moment of a shared machine moves its figures by a quarter: its
capture, re-check and bare httpx runs are made ``--repeat`` times (3 by
default), in turn, and the run of median wall time of each is the one
reported (all the wall times are kept, under ``wall_s_runs``).

    python bench/run.py --quick          # 1,000 citations, both modes (a few minutes)
    python bench/run.py                  # also 10,000 citations
    python bench/run.py --only-big       # only the 1 GB check
    python bench/run.py --quick --server chunked   # the farm served otherwise (farm.SERVERS)

Figures go to ``bench/results/<date>-<quick|full>.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from farm import SERVERS, Farm, Nginx, cpu_seconds  # noqa: E402

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results"
WGET_PARALLEL = 8
RUN_TIMEOUT = 3600.0
#: Sizes up to this many citations run archiver and bare httpx --repeat times.
REPEAT_MAX = 2000

TARGETS = {
    "capture_vs_wget_seq_50ms": 20.0,  # >= 20x sequential wget, 50 ms latency
    "capture_vs_bare_httpx_50ms": 0.8,  # >= 0.8x the bare httpx loop
    "recheck_speedup": 1.5,  # re-check >= 1.5x faster than capture
    "cpu_ms_per_capture_0ms": 3.0,  # <= 3 ms CPU per capture, no added delay
    # the same budget side by side: 3 ms where the bare httpx loop spends 1.3
    "cpu_capture_vs_bare_httpx_0ms": round(3.0 / 1.3, 2),
    "peak_rss_mb_10k": 200.0,  # <= 200 MB at 10,000 citations
    "peak_rss_ratio_10k_1k": 1.15,  # <= 1.15x the 1,000-citation figure
    "big_response_rss_mb": 200.0,  # 1 GB response under the 50 MB cap
}


# --------------------------------------------------------------------------
# measuring processes


def _tree_bytes(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, name)).st_size
    return total


CODE = REPO  # where the archiver package is imported from (--code)


def measure(cmds: Sequence[Sequence[str]], *, cwd: Path | None = None, out: Path | None = None,
            nginx: Nginx | None = None, timeout: float = RUN_TIMEOUT) -> dict[str, Any]:
    """Run *cmds* at once; wall time, CPU (user+sys incl. descendants), max RSS.

    ``os.wait4`` gives each child's resource usage including the descendants
    it waited for. Processes still running at *timeout* are killed.
    """
    env = dict(os.environ, PYTHONPATH=str(CODE), NO_PROXY="*", no_proxy="*")
    # as installed: modules compiled once (compile_code), not again at every start
    for k in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
              "PYTHONDONTWRITEBYTECODE"):
        env.pop(k, None)
    ng0 = cpu_seconds(nginx.worker_pids()) if nginx else 0.0
    t0 = time.perf_counter()
    procs: list[subprocess.Popen[bytes]] = []
    outs = []
    # Peak RSS through /usr/bin/time: a child forked from this process inherits
    # its RSS high-water mark in ru_maxrss (Linux keeps it across exec), so
    # wait4's figure is floored at this process's size; time's child is not.
    rss_files = [Path(tempfile.mkstemp(prefix="rss-")[1]) for _ in cmds]
    try:
        for i, cmd in enumerate(cmds):
            cmd = ["/usr/bin/time", "-f", "%M", "-o", str(rss_files[i]), *cmd]
            fh = open(out.with_suffix(f".{i}.out") if out else os.devnull, "wb")
            outs.append(fh)
            procs.append(subprocess.Popen(list(cmd), cwd=cwd or CODE, env=env, stdout=fh,
                                          stderr=subprocess.STDOUT if out else subprocess.DEVNULL,
                                          start_new_session=True))
        user = sys_ = 0.0
        maxrss_kb = 0
        rcs: list[int] = []
        pending = {p.pid: p for p in procs}
        deadline = time.monotonic() + timeout
        while pending:
            if time.monotonic() > deadline:
                for p in pending.values():
                    p.kill()
            progressed = False
            for pid in list(pending):
                wpid, status, ru = os.wait4(pid, os.WNOHANG)
                if wpid == 0:
                    continue
                progressed = True
                rcs.append(os.waitstatus_to_exitcode(status))
                pending[pid].returncode = rcs[-1]
                user += ru.ru_utime
                sys_ += ru.ru_stime
                maxrss_kb = max(maxrss_kb, ru.ru_maxrss)
                del pending[pid]
            if not progressed:
                time.sleep(0.02)
        wall = time.perf_counter() - t0
    finally:
        for p in procs:
            if p.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    p.kill()
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(p.pid, 0)
        for fh in outs:
            fh.close()
        rss_kb = []
        for f in rss_files:
            with contextlib.suppress(OSError, ValueError, IndexError):
                rss_kb.append(int(f.read_text().split()[-1]))
            f.unlink(missing_ok=True)
    if rss_kb:
        maxrss_kb = max(rss_kb)
    res: dict[str, Any] = {"wall_s": round(wall, 3), "user_s": round(user, 3),
                           "sys_s": round(sys_, 3), "cpu_s": round(user + sys_, 3),
                           "peak_rss_mb": round(maxrss_kb / 1024, 1), "exit": rcs}
    if nginx:
        res["nginx_cpu_s"] = round(cpu_seconds(nginx.worker_pids()) - ng0, 3)
    return res


def per_url(res: dict[str, Any], n: int, startup_cpu: float = 0.0) -> dict[str, Any]:
    res["urls"] = n
    res["urls_per_s"] = round(n / res["wall_s"], 1) if res["wall_s"] else None
    res["cpu_ms_per_url"] = round(1000 * res["cpu_s"] / n, 3)
    if startup_cpu:
        res["cpu_ms_per_url_after_startup"] = round(1000 * (res["cpu_s"] - startup_cpu) / n, 3)
    return res


# --------------------------------------------------------------------------
# the runs


def compile_code(code: Path) -> None:
    """Byte-compile the package under *code*, as ``pip install`` does: a start
    of ``archiver`` then reads bytecode instead of compiling every module
    (0.4 s of CPU per start where PYTHONDONTWRITEBYTECODE is set)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(code / "archiver")],
                   check=True, env={k: v for k, v in os.environ.items()
                                    if k != "PYTHONDONTWRITEBYTECODE"})


def archiver_cmd(sources: Path, archive: Path) -> list[str]:
    return [sys.executable, "-m", "archiver", "run", "--allow-private", "--per-host-delay", "0",
            "--sources", str(sources), "--archive", str(archive), "--format", "json"]


def wget_cmd(urls: Path, warc: Path) -> list[str]:
    # Accept-Encoding: gzip so wget gets (and stores) the same bytes as archiver.
    return ["wget", "-q", "-i", str(urls), "-O", "/dev/null", f"--warc-file={warc}",
            "--header=Accept-Encoding: gzip", "--tries=1", "--timeout=30", "--no-warc-keep-log"]


def split_urls(urls: Path, parts: int, into: Path) -> list[Path]:
    lines = urls.read_text().splitlines(keepends=True)
    out = []
    for i in range(parts):
        p = into / f"{urls.stem}.part{i}.txt"
        p.write_text("".join(lines[i::parts]))
        out.append(p)
    return out


def wrk(farm: Farm, connections: int, seconds: int, work: Path) -> dict[str, Any]:
    """wrk against one origin, cycling over its article paths."""
    port = farm.ports[0]
    paths = [u.split(f":{port}", 1)[1] for u in farm.urls(max(farm.data["sizes"])).read_text()
             .split() if f":{port}/news/" in u and "/gone-" not in u]
    script = work / "wrk.lua"
    script.write_text("paths = {" + ",".join(json.dumps(p) for p in paths) + "}\n"
                      "i = 0\nrequest = function()\n  i = i % #paths + 1\n"
                      '  return wrk.format("GET", paths[i])\nend\n')
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-H", "Accept-Encoding: gzip",
           "-s", str(script), f"http://127.0.0.1:{port}/"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30, check=False)
    m = re.search(r"Requests/sec:\s+([\d.]+)", out.stdout)
    return {"connections": connections, "seconds": seconds,
            "requests_per_s": float(m.group(1)) if m else None}


def startup_cpu() -> float:
    """CPU seconds of starting the CLI (imports), subtracted for the per-capture figure."""
    r = measure([[sys.executable, "-c", "import archiver.cli, archiver.pipeline"]])
    return float(r["cpu_s"])


def run_size(farm: Farm, nginx: Nginx, n: int, work: Path, conc: int, per_host: int,
             start_cpu: float, wrk_seconds: int, seq_max: int | None = None,
             repeat: int = 1) -> dict[str, Any]:
    sources, urls = farm.sources(n), farm.urls(n)
    tag = f"{n}-{int(nginx.delay * 1000)}ms"
    out: dict[str, Any] = {}
    runs: dict[str, list[dict[str, Any]]] = {
        "archiver_capture": [], "archiver_recheck": [], "bare_httpx": []}
    bare = [sys.executable, str(BENCH / "bare_httpx.py"), str(urls),
            "--concurrency", str(conc), "--per-host", str(per_host)]
    reps = max(1, repeat) if n <= REPEAT_MAX else 1
    for r in range(reps):
        of = f" ({r + 1}/{reps})" if reps > 1 else ""
        archive = work / f"archive-{tag}"
        shutil.rmtree(archive, ignore_errors=True)
        log = work / f"log-{tag}-{r}"
        print(f"  [{tag}] archiver capture{of} ...", file=sys.stderr, flush=True)
        before = nginx.requests()
        cap = measure([archiver_cmd(sources, archive)], nginx=nginx,
                      out=log.with_name(log.name + "-capture"))
        cap["requests"] = _requests_since(nginx, before)
        cap["bytes_written"] = _tree_bytes(archive)
        runs["archiver_capture"].append(per_url(cap, n, start_cpu))
        print(f"  [{tag}] archiver re-check{of} ...", file=sys.stderr, flush=True)
        size0 = cap["bytes_written"]
        before = nginx.requests()
        rec = measure([archiver_cmd(sources, archive)], nginx=nginx,
                      out=log.with_name(log.name + "-recheck"))
        rec["requests"] = _requests_since(nginx, before)
        rec["bytes_written"] = _tree_bytes(archive) - size0
        rec["statuses"] = _statuses(log.with_name(log.name + "-recheck").with_suffix(".0.out"))
        runs["archiver_recheck"].append(per_url(rec, n, start_cpu))
        shutil.rmtree(archive, ignore_errors=True)

        print(f"  [{tag}] bare httpx{of} ...", file=sys.stderr, flush=True)
        runs["bare_httpx"].append(per_url(measure([bare], nginx=nginx), n))
    for name, results in runs.items():
        out[name] = _median_run(results)
    out["archiver_statuses"] = out["archiver_recheck"].pop("statuses")

    wdir = work / f"wget-{tag}"
    shutil.rmtree(wdir, ignore_errors=True)
    wdir.mkdir()
    seq_n = min(n, seq_max or n)
    seq_urls = urls
    if seq_n < n:  # the first seq_n URLs only; compared by URLs per second
        seq_urls = work / f"urls-first-{seq_n}.txt"
        seq_urls.write_text("".join(urls.read_text().splitlines(keepends=True)[:seq_n]))
    print(f"  [{tag}] wget sequential ({seq_n} URLs) ...", file=sys.stderr, flush=True)
    seq = measure([wget_cmd(seq_urls, wdir / "seq")], cwd=wdir, nginx=nginx)
    seq["bytes_written"] = _tree_bytes(wdir)
    out["wget_sequential"] = per_url(seq, seq_n)
    shutil.rmtree(wdir)
    wdir.mkdir()
    parts = split_urls(urls, WGET_PARALLEL, work)
    print(f"  [{tag}] wget x{WGET_PARALLEL} ...", file=sys.stderr, flush=True)
    par = measure([wget_cmd(p, wdir / f"par{i}") for i, p in enumerate(parts)], cwd=wdir,
                  nginx=nginx)
    par["bytes_written"] = _tree_bytes(wdir)
    out[f"wget_parallel_{WGET_PARALLEL}"] = per_url(par, n)
    shutil.rmtree(wdir)
    for p in parts:
        p.unlink()
    out["wrk"] = wrk(farm, conc, wrk_seconds, work)
    out["wrk_ceiling"] = wrk(farm, 256, wrk_seconds, work)
    rate = out["archiver_capture"]["urls_per_s"]  # ratios of URLs per second
    out["ratios"] = {
        "capture_vs_wget_seq": round(rate / out["wget_sequential"]["urls_per_s"], 2),
        "capture_vs_wget_par8": round(
            rate / out[f"wget_parallel_{WGET_PARALLEL}"]["urls_per_s"], 2),
        "capture_vs_bare_httpx": round(rate / out["bare_httpx"]["urls_per_s"], 3),
        "recheck_speedup": round(out["archiver_recheck"]["urls_per_s"] / rate, 2),
        "cpu_capture_vs_bare_httpx": round(out["archiver_capture"]["cpu_s"]
                                           / max(out["bare_httpx"]["cpu_s"], 1e-9), 2),
    }
    after_startup = out["archiver_capture"].get("cpu_ms_per_url_after_startup")
    if after_startup is not None and out["bare_httpx"]["cpu_ms_per_url"]:
        out["ratios"]["cpu_capture_after_startup_vs_bare_httpx"] = round(
            after_startup / out["bare_httpx"]["cpu_ms_per_url"], 2)
    if nginx.delay > 0:
        for name in ("archiver_capture", "archiver_recheck"):
            requests = out[name].get("requests")
            if requests:  # no client with *conc* requests in flight makes them faster
                out[name]["network_floor_s"] = round(requests * nginx.delay / conc, 3)
        floors = [out[name].get("network_floor_s") for name in
                  ("archiver_capture", "archiver_recheck")]
        if all(floors):
            out["ratios"]["network_floors_capture_vs_recheck"] = round(
                floors[0] / floors[1], 2)
    return out


def _requests_since(nginx: Nginx, before: int | None) -> int | None:
    """The requests nginx handled since it said *before* (its own two status
    requests left out); None when it could not tell."""
    after = nginx.requests()
    return None if before is None or after is None else after - before - 1


def _median_run(results: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median wall time (the lower of the two middle ones for an
    even count), with every run's wall time under ``wall_s_runs``."""
    chosen = dict(sorted(results, key=lambda r: r["wall_s"])[(len(results) - 1) // 2])
    if len(results) > 1:
        chosen["wall_s_runs"] = [r["wall_s"] for r in results]
    return chosen


def _statuses(path: Path) -> dict[str, int]:
    try:
        text = path.read_text()
        report = json.loads(text[text.index("{"):text.rindex("}") + 1])
    except (OSError, ValueError):
        return {}
    counts: dict[str, int] = {}
    for r in report.get("results", []):
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    return counts


def big_check(farm: Farm, nginx: Nginx, work: Path) -> dict[str, Any]:
    """One 1 GB response, default settings (50 MB cap): peak RSS."""
    out: dict[str, Any] = {}
    for name in ("big.bin", "big.html"):
        archive = work / f"archive-{name}"
        shutil.rmtree(archive, ignore_errors=True)
        sources = farm.root / "big" / f"sources-{name}.yaml"
        print(f"  [1 GB] {name} ...", file=sys.stderr, flush=True)
        r = measure([archiver_cmd(sources, archive)], nginx=nginx, out=work / f"log-{name}")
        r["bytes_written"] = _tree_bytes(archive)
        r["statuses"] = _statuses((work / f"log-{name}").with_suffix(".0.out"))
        shutil.rmtree(archive, ignore_errors=True)
        out[name] = r
    return out


# --------------------------------------------------------------------------
# the report


def verdicts(summary: dict[str, Any]) -> list[tuple[str, float | None, str, bool | None]]:
    """(what, measured, target, met) for each target that the run measured."""
    rows: list[tuple[str, float | None, str, bool | None]] = []
    modes = summary["modes"]
    for n, d in modes.get("50ms", {}).items():
        r = d["ratios"]
        rows.append((f"50ms {n}: capture vs sequential wget (x)", r["capture_vs_wget_seq"],
                     ">= 20", r["capture_vs_wget_seq"] >= TARGETS["capture_vs_wget_seq_50ms"]))
        rows.append((f"50ms {n}: capture vs bare httpx (x)", r["capture_vs_bare_httpx"],
                     ">= 0.8", r["capture_vs_bare_httpx"] >= TARGETS["capture_vs_bare_httpx_50ms"]))
    for mode, sizes in modes.items():
        for n, d in sizes.items():
            r = d["ratios"]
            rows.append((f"{mode} {n}: re-check speed-up over capture (x)", r["recheck_speedup"],
                         ">= 1.5", r["recheck_speedup"] >= TARGETS["recheck_speedup"]))
    for n, d in modes.get("0ms", {}).items():
        c = d["archiver_capture"]
        rows.append((f"0ms {n}: CPU ms per capture", c["cpu_ms_per_url"], "<= 3",
                     c["cpu_ms_per_url"] <= TARGETS["cpu_ms_per_capture_0ms"]))
        rows.append((f"0ms {n}: CPU ms per capture, startup excluded",
                     c.get("cpu_ms_per_url_after_startup"), "<= 3",
                     (c.get("cpu_ms_per_url_after_startup") or 1e9)
                     <= TARGETS["cpu_ms_per_capture_0ms"]))
        ratio = d["ratios"].get("cpu_capture_after_startup_vs_bare_httpx")
        bound = TARGETS["cpu_capture_vs_bare_httpx_0ms"]
        rows.append((f"0ms {n}: the same, over bare httpx's CPU per URL (x)", ratio,
                     f"<= {bound}", None if ratio is None else ratio <= bound))
    for n, d in modes.get("50ms", {}).items():
        floors = d["ratios"].get("network_floors_capture_vs_recheck")
        if floors is not None:  # what the re-check speed-up can be when the
            # capture runs at its network floor: not a target
            rows.append((f"50ms {n}: network floors, capture / re-check (x)", floors, "-",
                         None))
    for mode, sizes in modes.items():
        if "10000" in sizes:
            big = max(sizes["10000"]["archiver_capture"]["peak_rss_mb"],
                      sizes["10000"]["archiver_recheck"]["peak_rss_mb"])
            rows.append((f"{mode} 10000: peak RSS MB", big, "<= 200",
                         big <= TARGETS["peak_rss_mb_10k"]))
            if "1000" in sizes:
                small = max(sizes["1000"]["archiver_capture"]["peak_rss_mb"],
                            sizes["1000"]["archiver_recheck"]["peak_rss_mb"])
                ratio = round(big / small, 3)
                rows.append((f"{mode}: peak RSS 10000 / 1000", ratio, "<= 1.15",
                             ratio <= TARGETS["peak_rss_ratio_10k_1k"]))
    for name, r in summary.get("big_response", {}).items():
        rows.append((f"1 GB response ({name}): peak RSS MB", r["peak_rss_mb"], "< 200",
                     r["peak_rss_mb"] < TARGETS["big_response_rss_mb"]))
    return rows


def print_table(summary: dict[str, Any]) -> None:
    cols = ["wall_s", "urls_per_s", "cpu_ms_per_url", "peak_rss_mb", "bytes_written",
            "nginx_cpu_s"]
    print(f"\n{'run':<34}" + "".join(f"{c:>16}" for c in cols))
    for mode, sizes in summary["modes"].items():
        for n, d in sizes.items():
            for name in ("archiver_capture", "archiver_recheck", "bare_httpx", "wget_sequential",
                         f"wget_parallel_{WGET_PARALLEL}"):
                r = d[name]
                print(f"{mode + ' ' + n + ' ' + name:<34}"
                      + "".join(f"{r.get(c, ''):>16}" for c in cols))
            print(f"{mode + ' ' + n + ' wrk c=' + str(d['wrk']['connections']):<34}"
                  f"{'':>16}{d['wrk']['requests_per_s'] or '':>16}   "
                  f"(c=256: {d['wrk_ceiling']['requests_per_s']} req/s)")
            print(f"{'':<34}ratios: {d['ratios']}")
    for name, r in summary.get("big_response", {}).items():
        print(f"{'1 GB ' + name:<34}" + "".join(f"{r.get(c, ''):>16}" for c in cols))
    print(f"\n{'target':<58}{'measured':>12}{'target':>10}  met")
    for what, value, target, ok in verdicts(summary):
        print(f"{what:<58}{value if value is not None else '-':>12}{target:>10}  "
              f"{'-' if ok is None else 'yes' if ok else 'NO'}")


def _code_version() -> str:
    """The commit of the benchmarked code (and whether the checkout had changes)."""
    if CODE != REPO:
        return f"{CODE} (export)"
    rev = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True, check=False).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "archiver"],
                           capture_output=True, text=True, check=False).stdout.strip()
    return rev + (" + uncommitted changes" if dirty else "")


def machine() -> dict[str, Any]:
    free = subprocess.run(["free", "-h"], capture_output=True, text=True, check=False).stdout
    load = os.getloadavg()
    return {"nproc": os.cpu_count(), "free_h": free.strip(), "loadavg_at_start": load,
            "python": sys.version.split()[0],
            "nginx": subprocess.run(["nginx", "-v"], capture_output=True, text=True,
                                    check=False).stderr.strip(),
            "wget": subprocess.run(["wget", "--version"], capture_output=True, text=True,
                                   check=False).stdout.split("\n", 1)[0]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="1,000 citations only (both modes).")
    ap.add_argument("--sizes", type=int, nargs="*", default=None)
    ap.add_argument("--modes", nargs="*", default=["0ms", "50ms"], choices=["0ms", "50ms"])
    ap.add_argument("--concurrency", type=int, default=64,
                    help="Requests in flight, for archiver and bare httpx alike "
                         "(see bench/README.md).")
    ap.add_argument("--per-host", type=int, default=4)
    ap.add_argument("--server", choices=list(SERVERS), default="keepalive",
                    help="How the farm's origins serve: keepalive (default), close (a "
                         "connection per request), chunked (gzip on the fly), eof (gzip on "
                         "the fly, the body ended by closing), identity (no gzip); see "
                         "bench/farm.py.")
    ap.add_argument("--origins", type=int, default=120)
    ap.add_argument("--farm-dir", type=Path, default=Path(tempfile.gettempdir()) / "archiver-farm",
                    help="Where the farm is generated (reused when it matches).")
    ap.add_argument("--work", type=Path, default=None, help="Scratch folder (default: temp).")
    ap.add_argument("--wrk-seconds", type=int, default=5)
    ap.add_argument("--seq-wget-max", type=int, default=2000,
                    help="Run sequential wget over the first N URLs only, compared by rate "
                         "(default: %(default)s; 0: every URL, 9 minutes more at 10,000).")
    ap.add_argument("--repeat", type=int, default=3,
                    help="Runs of archiver and bare httpx at sizes of at most "
                         f"{REPEAT_MAX:,} citations; the median is reported (default: "
                         "%(default)s).")
    ap.add_argument("--no-big", action="store_true", help="Skip the 1 GB response check.")
    ap.add_argument("--only-big", action="store_true", help="Only the 1 GB response check.")
    ap.add_argument("--output", type=Path, default=None)
    ap.add_argument("--code", type=Path, default=None,
                    help="Import archiver from this folder (e.g. a `git archive` of a commit).")
    args = ap.parse_args(argv)
    global CODE
    CODE = (args.code or REPO).resolve()
    compile_code(CODE)
    sizes = args.sizes or ([1000] if args.quick else [1000, 10_000])
    for tool in ("wget", "wrk", "nginx"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            print(f"{tool} is not installed (apt-get install nginx wrk wget "
                  "libnginx-mod-http-lua)", file=sys.stderr)
            return 2
    farm = Farm(args.farm_dir)
    t0 = time.monotonic()
    farm.generate(origins=args.origins, citations=max(sizes), sizes=tuple(sorted(set(sizes))))
    print(f"farm ready in {time.monotonic() - t0:.0f}s at {farm.root}", file=sys.stderr)
    (farm.root / "archiver.toml").write_text(
        f"[fetch]\nper_host_delay = 0\nconcurrency = {args.concurrency}\n"
        f"per_host_concurrency = {args.per_host}\n")
    work = args.work or Path(tempfile.mkdtemp(prefix="archiver-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    summary: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(), "code": _code_version(),
        "settings": {"concurrency": args.concurrency, "per_host_concurrency": args.per_host,
                     "repeat": args.repeat, "repeat_max": REPEAT_MAX,
                     "per_host_delay": 0, "origins": args.origins, "wget_parallel": WGET_PARALLEL,
                     "server": args.server,
                     "farm": farm.data.get("kinds")},
        "targets": TARGETS, "modes": {},
    }
    try:
        start_cpu = startup_cpu()
        summary["startup_cpu_s"] = start_cpu
        for mode in args.modes if not args.only_big else []:
            delay = 0.05 if mode == "50ms" else 0.0
            print(f"mode {mode}", file=sys.stderr)
            with Nginx(farm, delay, args.server) as nginx:
                for n in sizes:
                    summary["modes"].setdefault(mode, {})[str(n)] = run_size(
                        farm, nginx, n, work, args.concurrency, args.per_host, start_cpu,
                        args.wrk_seconds, args.seq_wget_max, args.repeat)
        if not args.no_big:
            with Nginx(farm, 0.0) as nginx:
                summary["big_response"] = big_check(farm, nginx, work)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    summary["verdicts"] = [dict(zip(("what", "measured", "target", "met"), v, strict=True))
                           for v in verdicts(summary)]
    print_table(summary)
    RESULTS.mkdir(exist_ok=True)
    server = "" if args.server == "keepalive" else f"-{args.server}"
    name = f"{dt.date.today().isoformat()}-{'quick' if args.quick else 'full'}{server}.json"
    path = args.output or RESULTS / name
    path.write_text(json.dumps(summary, indent=2) + "\n")
    print("\n" + json.dumps({"verdicts": summary["verdicts"]}, indent=1))
    print(f"\nwritten: {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
