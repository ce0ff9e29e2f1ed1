"""The command on real libraries: optax and diffrax, as installed, converted with
`autocond convert --all -o DIR`; their converted copies give the originals' results, keep
every docstring, comment and trailing pragma, and convert to themselves again.

Run by `.ci/run` after `pip install -r integration/requirements.txt`; the libraries must be
installed (a missing one fails, it does not skip)."""

from __future__ import annotations

import ast
import collections
import importlib.util
import io
import json
import os
import pathlib
import re
import subprocess
import sys
import tokenize

import numpy as np
import pytest

LIBRARIES = ("optax", "diffrax")
WORKLOAD = pathlib.Path(__file__).with_name("workload.py")
# Comments tools read on the line they end.
PRAGMA = re.compile(r"#\s*(noqa|type:|pytype:|pragma\b|pylint:|mypy:|pyright:|fmt:)")


def _autocond(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autocond", *args], capture_output=True, text=True)


@pytest.fixture(scope="module")
def sources() -> dict[str, pathlib.Path]:
    """Each library's installed package directory."""
    return {name: pathlib.Path(importlib.util.find_spec(name).submodule_search_locations[0])
            for name in LIBRARIES}


@pytest.fixture(scope="module")
def converted(sources, tmp_path_factory) -> pathlib.Path:
    """The directory holding the converted copies (`optax/`, `diffrax/`)."""
    out = tmp_path_factory.mktemp("converted")
    run = _autocond("convert", "--all", "-q", "-o", str(out), *map(str, sources.values()))
    assert (run.returncode, run.stderr) == (0, "")
    return out


def _pairs(sources, converted):
    """(original, converted) for each file of the libraries."""
    for name, directory in sources.items():
        for original in sorted(directory.rglob("*.py")):
            yield original, converted / name / original.relative_to(directory)


def _run_workload(path: pathlib.Path | None) -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(path or ""),
                                                                   os.environ.get("PYTHONPATH")])))
    run = subprocess.run([sys.executable, str(WORKLOAD)], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_the_converted_libraries_give_the_originals_results(sources, converted):
    for _, copy in _pairs(sources, converted):
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


def _docstrings(tree: ast.AST, prefix: str = "") -> dict[str, str]:
    """The docstrings of the module, its classes and functions, by qualified name."""
    found = {}
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            name = f"{prefix}{node.name}"
            if ast.get_docstring(node, clean=False) is not None:
                found[name] = ast.get_docstring(node, clean=False)
            found.update(_docstrings(node, name + "."))
        else:
            found.update(_docstrings(node, prefix))
    return found


def _comments(text: str) -> tuple[collections.Counter, collections.Counter]:
    """The file's comments, and its trailing pragmas (those ending a line of code), each
    `# ...` of a line on its own (where a statement became one line, its comments end it)."""
    comments, pragmas = collections.Counter(), collections.Counter()
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT:
            for piece in re.split(r"\s+(?=#)", token.string):
                comments[piece] += 1
                if PRAGMA.match(piece) and token.line[:token.start[1]].strip():
                    pragmas[piece] += 1
    return comments, pragmas


def test_the_output_keeps_every_docstring_comment_and_trailing_pragma(sources, converted):
    totals = collections.Counter()
    for original, copy in _pairs(sources, converted):
        before, after = original.read_text(), copy.read_text()
        docstrings = _docstrings(ast.parse(before))
        assert _docstrings(ast.parse(after)) == docstrings, copy
        (comments, pragmas), (comments_after, pragmas_after) = _comments(before), _comments(after)
        assert comments_after == comments, copy
        assert pragmas_after == pragmas, copy
        totals.update(files=1, changed=before != after, docstrings=len(docstrings),
                      comments=comments.total(), pragmas=pragmas.total())
    # What was checked: the libraries' text, most of it converted.
    assert totals["changed"] > totals["files"] / 2 > 50, totals
    assert totals["docstrings"] > 500 and totals["comments"] > 2000 and totals["pragmas"] > 100, totals


def test_converting_the_output_again_changes_nothing(converted):
    run = _autocond("convert", "--all", "--check", "-q", *(str(converted / name) for name in LIBRARIES))
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")
