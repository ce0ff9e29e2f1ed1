"""The golden tests of the converters: the source of a small function, and the code the
pipeline (`convert`), or one pass of it alone (`alone`), generates for it, compared after
`ast.unparse` so that formatting does not matter.

Every expected output was read and checked by hand: which variables are carried, which are
inputs only, which stay temporaries of a generated function, and the order of what is generated.
"""

from __future__ import annotations

import ast
import textwrap

import gast

from autocond import _transpiler
from autocond.analysis import activity
from autocond.converters.context import Context
from autocond.pyct import trees


def _node(src: str) -> tuple[gast.FunctionDef, Context]:
    # Leading newlines are dropped so that the `def` is line 1, as `parse_function` counts:
    # the `file:line` in the reasons of statements kept as Python are then those of `src`.
    (node,) = gast.parse(textwrap.dedent(src).lstrip("\n")).body
    return node, Context.of(node, "f", "<test>", 1)


def tree(src: str) -> ast.FunctionDef:
    return _transpiler.convert_tree(*_node(src))


def convert(src: str) -> str:
    return ast.unparse(tree(src))


def normalized(src: str) -> str:
    return ast.unparse(ast.parse(textwrap.dedent(src)))


def assert_converts(src: str, expected: str) -> None:
    assert convert(src) == normalized(expected)


def alone(transform, src: str) -> str:
    """`src` after the pipeline's pass `transform` alone, the analyses it reads brought up to
    date first (on a context where what the passes before it record is recorded)."""
    node, ctx = _node(src)
    (step,) = [step for step in _transpiler.PIPELINE if step.transform is transform]
    ctx.shared = activity.shared(node)
    _transpiler._bring_up_to_date(step.reads, node, ctx, set())
    return ast.unparse(trees.to_ast(step.transform(node, ctx)))


def assert_alone_gives(transform, src: str, expected: str) -> None:
    assert alone(transform, src) == normalized(expected)
