"""Log lines: archiver's and the scheduler's, in the format asked for."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

PROBE = textwrap.dedent("""
    import logging
    from archiver.logs import setup_logging
    setup_logging("json", logging.INFO)
    logging.getLogger("archiver.schedule").info("next cycle at 03:00")
    logging.getLogger("apscheduler.executors.default").warning(
        "Run time of job 'check cycle' was missed by 0:00:02")
    logging.getLogger("apscheduler.scheduler").info("Added job 'check cycle'")
""")


def test_scheduler_warnings_are_json_lines_like_archivers_own() -> None:
    proc = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stderr.splitlines()]
    assert [(d["logger"], d["level"]) for d in lines] == [
        ("archiver.schedule", "info"),
        ("apscheduler.executors.default", "warning"),  # its info chatter is left out
    ]
    assert all(d["time"].endswith("Z") for d in lines)
