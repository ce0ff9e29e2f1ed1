"""`pyct.trees` translates trees exactly as gast does, only faster (in place): the same gast
tree from an `ast` tree, and the same `ast` tree back, locations included."""

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
    expected = gast.gast_to_ast(theirs)
    back = trees.to_ast(theirs)  # gast's translation first: ours consumes the tree
    assert ast.dump(back, include_attributes=True) == ast.dump(expected, include_attributes=True)
    compile(back, str(path), "exec")
    assert ast.unparse(back) == ast.unparse(expected)


def test_the_nodes_parse_shares_are_left_alone():
    # `ast.parse` gives every tree the same `Load`, `Add`...: changing their class in one tree
    # would change every tree parsed after.
    trees.parse("x = a + b")
    again = ast.parse("x = a + b").body[0]
    assert type(again.targets[0].ctx) is ast.Store and type(again.value.op) is ast.Add
    assert type(again.value.left.ctx) is ast.Load

