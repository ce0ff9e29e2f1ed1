"""The whole pipeline: what it leaves alone, and the locations of what it generates."""

from __future__ import annotations

import ast

import pytest

from autocond.pyct import anno
from tests.converters.support import assert_converts, tree

UNCHANGED = [
    pytest.param(
        """
        def f(x):
            y = abs(x) + 1
            x = x + [len(y)]
            return y * 2
        """,
        id="no-control-flow",
    ),
]


@pytest.mark.parametrize("src", UNCHANGED)
def test_unchanged(src):
    assert_converts(src, src)


def test_generated_statements_have_locations():
    # `ast.unparse` needs a line on every statement, and `convert_function` shifts the lines:
    # a statement without one would land on the line before the `def`.
    converted = tree(
        """
        def f(x):
            if x > 0:
                y = 1
            return y
        """)
    assert ast.unparse(converted).startswith("def f(x):\n    y = ac__.Undefined('y')\n")
    assert all(s.lineno >= 1 for s in ast.walk(converted) if isinstance(s, ast.stmt))


def test_the_docstring_stays_first():
    # before the placeholder of `y` (which the loop may leave unbound) and the return's flag
    converted = tree('''
        def f(x, n):
            """Doubles x."""
            for i in range(n):
                if i > 3:
                    y = i
            if x > 0:
                return x
            return y
        ''')
    assert ast.get_docstring(converted) == "Doubles x."
    assert "y = ac__.Undefined('y')" in ast.unparse(converted)


def test_annotation_keys_are_distinct_strings():
    # The keys are `StrEnum`s, looked up as their strings: two kinds sharing one would clash.
    keys = [*anno.Static, *anno.Basic]
    assert len({str(key) for key in keys}) == len(keys) > 10
