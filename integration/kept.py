"""What of a library's text the command keeps, and how fast it converts one: the counts the
integration test checks, and, run as a script, the figures for packages given by name.

    python integration/kept.py optax diffrax jax_md rlax

converts each installed package with `autocond convert --all -o DIR` and reports its files,
lines, seconds, lines a second, the docstrings, comments and trailing pragmas of the original
and how many the output kept, and whether converting the output again changes nothing.
"""

from __future__ import annotations

import ast
import collections
import importlib.util
import io
import pathlib
import re
import subprocess
import sys
import tempfile
import time
import tokenize

_DOCUMENTED = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
# Comments tools read on the line they end.
PRAGMA = re.compile(r"#\s*(noqa|type:|pytype:|pragma\b|pylint:|mypy:|pyright:|fmt:)")


def autocond(*args: str) -> subprocess.CompletedProcess:
    """The command, run as a user runs it."""
    return subprocess.run([sys.executable, "-m", "autocond", *args], capture_output=True, text=True)


def package(name: str) -> pathlib.Path:
    """The directory of the installed package `name`."""
    return pathlib.Path(importlib.util.find_spec(name).submodule_search_locations[0])


def docstrings(tree: ast.AST) -> collections.Counter:
    """The docstrings of the module, its classes and functions, with their names (functions
    under a converted `if` move into the functions generated for its branches)."""
    return collections.Counter((getattr(node, "name", ""), ast.get_docstring(node, clean=False))
                               for node in ast.walk(tree) if isinstance(node, _DOCUMENTED)
                               and ast.get_docstring(node, clean=False) is not None)


def comments(text: str) -> tuple[collections.Counter, collections.Counter]:
    """The file's comments, and its trailing pragmas (those ending a line of code), each
    `# ...` of a line on its own (where a statement became one line, its comments end it)."""
    found, pragmas = collections.Counter(), collections.Counter()
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT:
            for piece in re.split(r"\s+(?=#)", token.string):
                found[piece] += 1
                if PRAGMA.match(piece) and token.line[:token.start[1]].strip():
                    pragmas[piece] += 1
    return found, pragmas


def pairs(sources: dict[str, pathlib.Path], converted: pathlib.Path):
    """(original, converted) for each file of the packages `sources` names, converted into
    the directory `converted`."""
    for name, directory in sources.items():
        for original in sorted(directory.rglob("*.py")):
            yield original, converted / name / original.relative_to(directory)


def counts(original: pathlib.Path, copy: pathlib.Path) -> collections.Counter:
    """The lines, docstrings, comments and trailing pragmas of `original`, and of those the
    ones `copy` kept (`*_kept`)."""
    before, after = original.read_text(), copy.read_text()
    found = collections.Counter(files=1, changed=before != after, lines=before.count("\n"))
    texts = [(docstrings(ast.parse(text)), *comments(text)) for text in (before, after)]
    for kind, want, got in zip(("docstrings", "comments", "pragmas"), *texts):
        found[kind] += want.total()
        found[kind + "_kept"] += (want & got).total()
    return found


def main(names: list[str]) -> None:
    print("| package | files | lines | seconds | lines/s | docstrings kept | comments kept "
          "| trailing pragmas kept | converted again: unchanged |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in names:
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            run = autocond("convert", "--all", "-q", "-o", str(pathlib.Path(out) / name), str(package(name)))
            seconds = time.perf_counter() - start
            again = autocond("convert", "--all", "--check", "-q", str(pathlib.Path(out) / name))
            total = collections.Counter()
            for original, copy in pairs({name: package(name)}, pathlib.Path(out)):
                if copy.is_file():
                    total += counts(original, copy)
        failed = f" ({run.stderr.count(chr(10))} failed)" if run.returncode else ""
        kept = " | ".join(f"{total[kind + '_kept']:,} of {total[kind]:,}"
                          for kind in ("docstrings", "comments", "pragmas"))
        print(f"| {name} | {total['files']}{failed} | {total['lines']:,} | {seconds:.1f} | "
              f"{total['lines'] / seconds:,.0f} | {kept} | {'yes' if again.returncode == 0 else 'no'} |")


if __name__ == "__main__":
    main(sys.argv[1:])
