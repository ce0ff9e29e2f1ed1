"""`converters.variables`: reads of variables that may be unbound, and `del`."""

from __future__ import annotations

import pytest

from autocond.converters import variables
from tests.converters.support import assert_alone_gives, assert_converts

VARIABLES = [
    pytest.param(
        """
        def f(x):
            if x > 0:
                y = 1
            return y
        """,
        """
        def f(x):
            y = ac__.Undefined('y')

            def if_true(y):
                y = 1
                return y
            y = ac__.if_stmt(x > 0, if_true, None, (y,), ('y',))
            return ac__.ld(y)
        """,
        id="maybe-unbound-read",
    ),
    pytest.param(
        # The user's read inside a branch is wrapped too; `y` is only read there (a closure).
        """
        def f(x):
            if x > 0:
                y = 1
            if x > 1:
                z = y
            else:
                z = 0
            return z
        """,
        """
        def f(x):
            y = ac__.Undefined('y')

            def if_true(y):
                y = 1
                return y
            y = ac__.if_stmt(x > 0, if_true, None, (y,), ('y',))

            def if_true_1():
                z = ac__.ld(y)
                return z

            def if_false_1():
                z = 0
                return z
            z = ac__.if_stmt(x > 1, if_true_1, if_false_1, (), ('z',))
            return z
        """,
        id="maybe-unbound-read-in-branch",
    ),
    pytest.param(
        # Bound on every path: read as it is.
        """
        def f(x):
            if x > 0:
                y = 1
            else:
                y = 2
            z = y + 1
            return z
        """,
        """
        def f(x):
            def if_true():
                y = 1
                return y
            def if_false():
                y = 2
                return y
            y = ac__.if_stmt(x > 0, if_true, if_false, (), ('y',))
            z = y + 1
            return z
        """,
        id="definitely-bound-read-unwrapped",
    ),
    pytest.param(
        # Inside a loop body; both branches bind `y`: no placeholder needed.
        """
        def f(n):
            i = 0
            x = 0
            while i < n:
                if i > 2:
                    y = i
                else:
                    y = 0
                x = x + y
                i += 1
            return x
        """,
        """
        def f(n):
            i = 0
            x = 0
            def loop_test(i, x):
                return i < n
            def loop_body(i, x):
                def if_true():
                    y = i
                    return y
                def if_false():
                    y = 0
                    return y
                y = ac__.if_stmt(i > 2, if_true, if_false, (), ('y',))
                x = x + y
                i += 1
                return i, x
            i, x = ac__.while_stmt(loop_test, loop_body, (i, x), ('i', 'x'))
            return x
        """,
        id="bound-by-both-branches-in-loop",
    ),
    pytest.param(
        # A `raise` becomes `ac__.raise_`, which raises where the compiled program reaches it
        # when its branch is traced; after it the function does not go on (`returned`), so
        # the `else` path of the inner `if` need not bind `y`.
        """
        def f(x):
            if x > 0:
                if x > 1:
                    y = 1
                else:
                    raise ValueError(x)
                x = y
            return x
        """,
        """
        def f(x):

            def if_true(x):
                y = ac__.Undefined('y')

                def if_true_1(y):
                    y = 1
                    return y

                def if_false_1(y):
                    ac__.raise_(ValueError(x))
                    return y
                y = ac__.if_stmt(x > 1, if_true_1, if_false_1, (y,), ('y',), returned=(False, True))
                x = y
                return x
            x = ac__.if_stmt(x > 0, if_true, None, (x,), ('x',))
            return x
        """,
        id="raise-in-a-branch",
    ),
    pytest.param(
        # The same in a loop body.
        """
        def f(n):
            x = 0
            for i in range(n):
                if i < 0:
                    raise ValueError(i)
                else:
                    y = i
                x = x + y
            return x
        """,
        """
        def f(n):
            x = 0

            def loop_body(i, x):
                y = ac__.Undefined('y')

                def if_true(y):
                    ac__.raise_(ValueError(i))
                    return y

                def if_false(y):
                    y = i
                    return y
                y = ac__.if_stmt(i < 0, if_true, if_false, (y,), ('y',), returned=(True, False))
                x = x + y
                return x
            x = ac__.for_stmt(ac__.range_(range, n), loop_body, (x,), ('x',))
            return x
        """,
        id="raise-in-loop-body",
    ),
    pytest.param(
        # A `raise` an `except` may catch stays Python's, with every `if` around it.
        """
        def f(x):
            try:
                if x > 0:
                    raise ValueError(x)
            except ValueError:
                x = 0
            return x
        """,
        """
        def f(x):
            try:
                if ac__.python_bool(x > 0, 'it contains the `raise` at <test>:4, which an `except` may catch'):
                    raise ValueError(x)
            except ValueError:
                x = 0
            return x
        """,
        id="raise-an-except-may-catch-keeps-the-if-python",
    ),
]


@pytest.mark.parametrize(("src", "expected"), VARIABLES)
def test_variables(src, expected):
    assert_converts(src, expected)


def test_closures_read_maybe_unbound_variables_unwrapped():
    # A closure reads `y` when it is called, not where it is defined: no `ac__.ld` there. The
    # branches share `y` with `f`, where the closure reads it.
    assert_converts(
        """
        def f(x):
            if x > 0:
                y = 1
            g = lambda: y
            return g
        """,
        """
        def f(x):
            y = ac__.Undefined('y')

            def if_true(y_1):
                nonlocal y
                y = y_1
                y = 1
                return y
            y = ac__.if_stmt(x > 0, if_true, None, (y,), ('y',))
            g = lambda: y
            return g
        """,
    )


# --- `variables` alone (the analyses it reads, and nothing else, before it) ---

ALONE = [
    pytest.param(
        """
        def f(x):
            if x > 0:
                y = 1
            return y
        """,
        """
        def f(x):
            if x > 0:
                y = 1
            return ac__.ld(y)
        """,
        id="maybe-unbound-read",
    ),
]


@pytest.mark.parametrize(("src", "expected"), ALONE)
def test_the_pass_alone(src, expected):
    assert_alone_gives(variables.transform, src, expected)
