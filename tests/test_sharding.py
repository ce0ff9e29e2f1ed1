"""Converted control flow under `in_shardings`/`out_shardings` on 8 simulated CPU devices."""

from __future__ import annotations

import pathlib
import subprocess
import sys


def test_eight_devices_match_one():
    # XLA reads the device count when JAX starts, so the program runs in its own process.
    program = pathlib.Path(__file__).with_name("sharded_program.py")
    result = subprocess.run([sys.executable, str(program)], capture_output=True, text=True, timeout=600,
                            cwd=program.parent.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "matches the single-device result" in result.stdout
