"""`converters.logical` (and `converters.debugging`): `and`, `or`, `not`, chained
comparisons and `x if c else y` as calls; `assert` and `print` too."""

from __future__ import annotations

import pytest

from tests.converters.support import assert_converts

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
