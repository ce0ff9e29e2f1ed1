"""`converters.calls`: calls that may reach user code go through `ac__.call`."""

from __future__ import annotations

import pytest

from autocond.converters import calls
from tests.converters.support import assert_alone_gives, assert_converts

CALLS = [
    pytest.param(
        # A call that may reach the user's code goes through `ac__.call`, which converts
        # the function; a lambda's body is an expression of this function, converted here.
        """
        def f(x):
            k = 2
            g = lambda v: v * k if v > 0 else -v
            log(g(x))
            return x
        """,
        """
        def f(x):
            k = 2
            g = lambda v: ac__.if_exp(v > 0, lambda: v * k, lambda: -v)
            ac__.call(log)(ac__.call(g)(x))
            return x
        """,
        id="lambda-and-global",
    ),
    pytest.param(
        """
        def f(x):
            def g(y):
                if y > 0:
                    y = -y
                return y
            return g(x)
        """,
        """
        def f(x):
            def g(y):
                if y > 0:
                    y = -y
                return y
            return ac__.call(g)(x)
        """,
        id="nested-function",
    ),
]


@pytest.mark.parametrize(("src", "expected"), CALLS)
def test_calls(src, expected):
    assert_converts(src, expected)


def test_user_functions_inside_generated_code_are_not_converted_in_place():
    # `g` moves into `if_true` as the user wrote it; its own `if` and `return`s stay (the
    # call converts it, through `ac__.call`).
    assert_converts(
        """
        def f(x):
            if x > 0:
                def g():
                    if x > 1:
                        return 1
                    return 2
                y = g()
            else:
                y = 0
            return y
        """,
        """
        def f(x):
            def if_true():
                def g():
                    if x > 1:
                        return 1
                    return 2
                y = ac__.call(g)()
                return y
            def if_false():
                y = 0
                return y
            y = ac__.if_stmt(x > 0, if_true, if_false, (), ('y',))
            return y
        """,
    )


# --- `calls` alone (the analyses it reads, and nothing else, before it) ---

ALONE = [
    pytest.param(
        """
        def f(x, g):
            return g(x) + max(x, 0)
        """,
        """
        def f(x, g):
            return ac__.call(g)(x) + ac__.call(max)(x, 0)
        """,
        id="user-function-and-builtin",
    ),
]


@pytest.mark.parametrize(("src", "expected"), ALONE)
def test_the_pass_alone(src, expected):
    assert_alone_gives(calls.transform, src, expected)
