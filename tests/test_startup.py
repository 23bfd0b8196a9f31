"""What a command imports before it starts working."""

from __future__ import annotations

import subprocess
import sys


def test_httpx_command_line_client_is_not_imported() -> None:
    """httpx would import its CLI (and pygments with it); archiver never uses it."""
    code = ("import sys, archiver.cli, archiver.pipeline, httpx; "
            "print('pygments' in sys.modules, 'httpx._main' in sys.modules and "
            "sys.modules['httpx._main'] is not None, callable(httpx.main))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False", "True"]
