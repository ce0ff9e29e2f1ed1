"""ARCHITECTURE.md describes the layout on disk: every module it lists exists, and it lists
every module of the package."""

from __future__ import annotations

import pathlib
import re

_ROOT = pathlib.Path(__file__).parent.parent


def _listed() -> set[str]:
    """The paths of the layout block (`name` under the folders above it, by indentation)."""
    text = (_ROOT / "ARCHITECTURE.md").read_text()
    (block,) = re.findall(r"## Layout\n\n```text\n(.*?)```", text, re.S)
    paths, folders = set(), []
    for line in block.splitlines():
        depth = (len(line) - len(line.lstrip())) // 2
        name = line.split()[0]
        folders[depth:] = [name.rstrip("/")]
        paths.add("/".join(folders))
    return paths


def test_the_listed_paths_exist():
    listed = _listed()
    assert "autocond/_transpiler.py" in listed and "autocond/pyct/trees.py" in listed
    assert sorted(p for p in listed if not (_ROOT / p).exists()) == []


def test_every_module_is_listed():
    modules = {str(p.relative_to(_ROOT)) for p in (_ROOT / "autocond").rglob("*.py")}
    assert len(modules) > 40
    assert sorted(modules - _listed()) == []
