"""`converters.conditionals`: `if`/`elif`/`else` as `if_stmt` (and chains as `switch_stmt`)."""

from __future__ import annotations

import pytest

from autocond.converters import conditionals
from tests.converters.support import assert_alone_gives, assert_converts

CONDITIONALS = [
    pytest.param(
        """
        def f(x):
            if x > 0:
                x = x * 2
            return x
        """,
        """
        def f(x):

            def if_true(x):
                x = x * 2
                return x
            x = ac__.if_stmt(x > 0, if_true, None, (x,), ('x',))
            return x
        """,
        id="if",
    ),
    pytest.param(
        # Both branches assign `y` before reading it: an output, not an input.
        """
        def f(x):
            if x > 0:
                y = 1
            else:
                y = -1
            return y
        """,
        """
        def f(x):
            def if_true():
                y = 1
                return y
            def if_false():
                y = -1
                return y
            y = ac__.if_stmt(x > 0, if_true, if_false, (), ('y',))
            return y
        """,
        id="if-else",
    ),
    pytest.param(
        # The `elif` is an `if` in the `else` branch. Names are given top-down: the outer
        # `if` takes the plain ones.
        """
        def f(x):
            if x > 0:
                y = 1
            elif x < 0:
                y = -1
            else:
                y = 0
            return y
        """,
        """
        def f(x):
            def if_true():
                y = 1
                return y
            def if_false():
                def if_true_1():
                    y = -1
                    return y
                def if_false_1():
                    y = 0
                    return y
                y = ac__.if_stmt(x < 0, if_true_1, if_false_1, (), ('y',))
                return y
            y = ac__.if_stmt(x > 0, if_true, if_false, (), ('y',))
            return y
        """,
        id="elif-chain",
    ),
    pytest.param(
        # `t` is read only inside the branch that assigns it: a temporary of `if_true`.
        """
        def f(x):
            if x > 0:
                t = x * 2
                y = t + 1
            else:
                y = x
            return y
        """,
        """
        def f(x):
            def if_true():
                t = x * 2
                y = t + 1
                return y
            def if_false():
                y = x
                return y
            y = ac__.if_stmt(x > 0, if_true, if_false, (), ('y',))
            return y
        """,
        id="temporaries-stay-local",
    ),
    pytest.param(
        # `y` is read before it is assigned, so the branches take it, but nobody reads it after
        # the `if`: an input, not an output. `z` is a temporary. `x` is only read: a closure.
        """
        def f(x, y):
            if x > 0:
                y = y + 1
                z = y
            return x
        """,
        """
        def f(x, y):
            def if_true(y):
                y = y + 1
                z = y
                return ()
            def if_false(y):
                return ()
            ac__.if_stmt(x > 0, if_true, if_false, (y,), ())
            return x
        """,
        id="read-before-assigned-is-input-only",
    ),
    pytest.param(
        # `z` is read in the branch after it is assigned there: not an input.
        """
        def f(x, y):
            if x > 0:
                z = y + 1
                y = z
            else:
                y = 0
            return y
        """,
        """
        def f(x, y):
            def if_true(y):
                z = y + 1
                y = z
                return y
            def if_false(y):
                y = 0
                return y
            y = ac__.if_stmt(x > 0, if_true, if_false, (y,), ('y',))
            return y
        """,
        id="input-and-output",
    ),
    pytest.param(
        """
        def f(x):
            if x > 0:
                log('pos')
            else:
                log('neg')
        """,
        """
        def f(x):
            def if_true():
                ac__.call(log)('pos')
                return ()
            def if_false():
                ac__.call(log)('neg')
                return ()
            ac__.if_stmt(x > 0, if_true, if_false, (), ())
        """,
        id="no-outputs-is-an-expression-statement",
    ),
    pytest.param(
        """
        def f(x):
            if x > 0:
                x = x + 1
            if x > 5:
                x = x - 5
            return x
        """,
        """
        def f(x):

            def if_true(x):
                x = x + 1
                return x
            x = ac__.if_stmt(x > 0, if_true, None, (x,), ('x',))

            def if_true_1(x):
                x = x - 5
                return x
            x = ac__.if_stmt(x > 5, if_true_1, None, (x,), ('x',))
            return x
        """,
        id="two-ifs-fresh-names",
    ),
    pytest.param(
        # A list another variable holds, changed in place: a traced branch would change a
        # copy, so the `if` stays Python (and raises a clear error if its condition is traced).
        """
        def f(x):
            acc = []
            seen = acc
            if x > 0:
                acc.append(x)
            return seen
        """,
        """
        def f(x):
            acc = []
            seen = acc
            if ac__.python_bool(x > 0, 'it changes `acc` in place at <test>:5'):
                ac__.object_change(acc)
                acc.append(x)
            return seen
        """,
        id="if-mutating-local-list",
    ),
    pytest.param(
        # A list only this variable holds: `append` rebinds it, and the branch carries it.
        """
        def f(x):
            acc = []
            if x > 0:
                acc.append(x)
            return acc
        """,
        """
        def f(x):
            acc = []

            def if_true(acc):
                acc = ac__.append(acc, x)
                return acc
            acc = ac__.if_stmt(x > 0, if_true, None, (acc,), ('acc',))
            return acc
        """,
        id="if-appending-owned-list",
    ),
]


@pytest.mark.parametrize(("src", "expected"), CONDITIONALS)
def test_conditionals(src, expected):
    assert_converts(src, expected)


# --- `conditionals` alone (the analyses it reads, and nothing else, before it) ---

ALONE = [
    pytest.param(
        """
        def f(x):
            if x > 0:
                y = x
            else:
                y = -x
            return y
        """,
        """
        def f(x):

            def if_true():
                y = x
                return y

            def if_false():
                y = -x
                return y
            y = ac__.if_stmt(x > 0, if_true, if_false, (), ('y',))
            return y
        """,
        id="if-else",
    ),
]


@pytest.mark.parametrize(("src", "expected"), ALONE)
def test_the_pass_alone(src, expected):
    assert_alone_gives(conditionals.transform, src, expected)
