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


TERMINAL = textwrap.dedent("""
    import io, logging, sys
    from archiver.logs import setup_logging
    from archiver.models import CheckOutcome
    from archiver.progress import Progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    out = Terminal()
    sys.stderr = out  # standard error is the terminal
    setup_logging("text", logging.INFO)
    with Progress(out) as progress:
        progress.update("start", None, 2)
        progress.update("result", CheckOutcome("e1", "http://127.0.0.1/a", "alive", "", 200, None))
        progress._bar.refresh()
        logging.getLogger("archiver.fetch").info("fetch http://127.0.0.1/b status=200")
        progress._bar.refresh()
    sys.__stdout__.write(out.getvalue())
""")


def test_a_log_line_is_printed_above_the_progress_bar_not_onto_it() -> None:
    """On a terminal, a log line (``-v``) is printed on a line of its own, the
    bar drawn again below it; it was written onto the bar's line."""
    proc = subprocess.run([sys.executable, "-c", TERMINAL], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    logged = [line for line in proc.stdout.split("\n") if "fetch http://127.0.0.1/b" in line]
    assert len(logged) == 1, proc.stdout
    assert "checking" not in logged[0], repr(logged[0])
