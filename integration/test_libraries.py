"""The command on real libraries: optax and diffrax, as installed, converted with
`autocond convert --all -o DIR`; their converted copies give the originals' results, keep
every docstring, comment and trailing pragma, and convert to themselves again.

Run by `.ci/run` after `pip install -r integration/requirements.txt`; the libraries must be
installed (a missing one fails, it does not skip)."""

from __future__ import annotations

import collections
import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
from kept import autocond, counts, package, pairs

LIBRARIES = ("optax", "diffrax")
WORKLOAD = pathlib.Path(__file__).with_name("workload.py")


@pytest.fixture(scope="module")
def sources() -> dict[str, pathlib.Path]:
    """Each library's installed package directory."""
    return {name: package(name) for name in LIBRARIES}


@pytest.fixture(scope="module")
def converted(sources, tmp_path_factory) -> pathlib.Path:
    """The directory holding the converted copies (`optax/`, `diffrax/`)."""
    out = tmp_path_factory.mktemp("converted")
    run = autocond("convert", "--all", "-q", "-o", str(out), *map(str, sources.values()))
    assert (run.returncode, run.stderr) == (0, "")
    return out


def _run_workload(path: pathlib.Path | None) -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(path or ""),
                                                                   os.environ.get("PYTHONPATH")])))
    run = subprocess.run([sys.executable, str(WORKLOAD)], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_the_converted_libraries_give_the_originals_results(sources, converted):
    for _, copy in pairs(sources, converted):
        assert copy.is_file(), f"{copy} is missing"
    # The code the workload runs is converted code.
    for module in ("optax/_src/alias.py", "optax/_src/linesearch.py", "diffrax/_integrate.py",
                   "diffrax/_step_size_controller/pid.py"):
        assert "import autocond.operators as ac__" in (converted / module).read_text(), module
    want, got = _run_workload(None), _run_workload(converted)
    for name in LIBRARIES:
        assert pathlib.Path(want["files"][name]).is_relative_to(sources[name])
        assert pathlib.Path(got["files"][name]).is_relative_to(converted / name)
    for key in want.keys() - {"files"}:
        np.testing.assert_allclose(np.array(got[key] if key != "diffeqsolve" else got[key]["ys"]),
                                   np.array(want[key] if key != "diffeqsolve" else want[key]["ys"]),
                                   rtol=1e-6, atol=1e-7, err_msg=key)
    assert got["diffeqsolve"]["steps"] == want["diffeqsolve"]["steps"] > 10  # the controller adapted


def test_the_output_keeps_every_docstring_comment_and_trailing_pragma(sources, converted):
    total = collections.Counter()
    for original, copy in pairs(sources, converted):
        found = counts(original, copy)
        for kind in ("docstrings", "comments", "pragmas"):
            assert found[kind + "_kept"] == found[kind], (copy, kind)
        total += found
    # What was checked: the libraries' text, most of it converted.
    assert total["changed"] > total["files"] / 2 > 50, total
    assert total["docstrings"] > 500 and total["comments"] > 2000 and total["pragmas"] > 50, total


def test_converting_the_output_again_changes_nothing(converted):
    run = autocond("convert", "--all", "--check", "-q", *(str(converted / name) for name in LIBRARIES))
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")
