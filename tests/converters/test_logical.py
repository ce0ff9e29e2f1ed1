"""`converters.logical` (and `converters.debugging`): `and`, `or`, `not`, chained
comparisons and `x if c else y` as calls; `assert` and `print` too."""

from __future__ import annotations

import pytest

from autocond.converters import debugging, logical
from tests.converters.support import assert_alone_gives, assert_converts

EXPRESSIONS = [
    pytest.param(
        # Operands Python may skip become functions; `assert` and `print` become calls that
        # decide at trace time.
        """
        def f(a, b, c):
            assert a > 0, 'a must be positive'
            print('a =', a)
            return (a and b or not c, 0 < a <= b, a if c else b)
        """,
        """
        def f(a, b, c):
            ac__.assert_(a > 0, lambda: 'a must be positive')
            ac__.print_(print, 'a =', a)
            return (ac__.or_(ac__.and_(a, lambda: b), lambda: ac__.not_(c)), ac__.compare(0, '<', lambda: a, '<=', lambda: b), ac__.if_exp(c, lambda: a, lambda: b))
        """,
        id="operators-assert-print",
    ),
]




@pytest.mark.parametrize(("src", "expected"), EXPRESSIONS)
def test_expressions(src, expected):
    assert_converts(src, expected)


# --- `logical` alone (the analyses it reads, and nothing else, before it) ---

ALONE = [
    pytest.param(
        """
        def f(a, b):
            return (a and b, not a, a < b < 3, a if b else 0)
        """,
        """
        def f(a, b):
            return (ac__.and_(a, lambda: b), ac__.not_(a), ac__.compare(a, '<', lambda: b, '<', lambda: 3), ac__.if_exp(b, lambda: a, lambda: 0))
        """,
        id="operators",
    ),
]


@pytest.mark.parametrize(("src", "expected"), ALONE)
def test_the_pass_alone(src, expected):
    assert_alone_gives(logical.transform, src, expected)


# --- `debugging` alone (the analyses it reads, and nothing else, before it) ---

DEBUGGING_ALONE = [
    pytest.param(
        """
        def f(x):
            assert x > 0, 'positive'
            print(x)
            raise ValueError(x)
        """,
        """
        def f(x):
            ac__.assert_(x > 0, lambda: 'positive')
            ac__.print_(print, x)
            ac__.raise_(ValueError(x))
        """,
        id="assert-print-raise",
    ),
]


@pytest.mark.parametrize(("src", "expected"), DEBUGGING_ALONE)
def test_debugging_alone(src, expected):
    assert_alone_gives(debugging.transform, src, expected)
