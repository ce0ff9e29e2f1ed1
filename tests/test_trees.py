"""`pyct.trees` translates trees exactly as gast does, only faster: the same gast tree from
an `ast` tree, and the same `ast` tree back, locations included."""

from __future__ import annotations

import ast
import pathlib

import gast
import pytest

from autocond.pyct import trees

_SOURCES = sorted((pathlib.Path(__file__).parent.parent / "autocond").rglob("*.py"))
_SOURCES += sorted(pathlib.Path(__file__).parent.glob("test_*.py"))  # `match`, `async`, `try`...


@pytest.mark.parametrize("path", _SOURCES, ids=lambda p: p.name)
def test_trees_are_gasts_own(path):
    text = path.read_text()
    ours, theirs = trees.parse(text), gast.ast_to_gast(ast.parse(text))
    assert gast.dump(ours, include_attributes=True) == gast.dump(theirs, include_attributes=True)
    back, expected = trees.to_ast(theirs), gast.gast_to_ast(theirs)
    assert ast.dump(back, include_attributes=True) == ast.dump(expected, include_attributes=True)
    compile(back, str(path), "exec")

