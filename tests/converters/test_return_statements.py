"""`converters.return_statements`: `return` inside compound statements."""

from __future__ import annotations

import pytest

from autocond.converters import return_statements
from tests.converters.support import assert_alone_gives, assert_converts

RETURNS = [
    pytest.param(
        # After the `if` may have returned, the rest runs under a guard whose `else` is a path
        # on which the function has returned (`else_returned=True`).
        """
        def f(x):
            if x > 0:
                return x
            y = -x
            return y
        """,
        """
        def f(x):

            def if_true():
                return x

            def if_false():
                y = -x
                return y
            return ac__.if_stmt(x > 0, if_true, if_false, (), ('retval_',), returned=(True, True), return_lines={'retval_': ((3,), (5,))})
        """,
        id="early-return",
    ),
    pytest.param(
        # An `if` that returns on both paths always returns: no guard; the flag is only a
        # temporary of each branch (its initial `False` is dead), and the value an output only.
        """
        def f(x):
            if x > 0:
                return x
            else:
                return -x
        """,
        """
        def f(x):

            def if_true():
                return x

            def if_false():
                return -x
            return ac__.if_stmt(x > 0, if_true, if_false, (), ('retval_',), returned=(True, True), return_lines={'retval_': ((3,), (5,))})
        """,
        id="return-in-both-branches",
    ),
    pytest.param(
        # Falling off the end is an explicit `return None`.
        """
        def f(x):
            if x > 0:
                return x
        """,
        """
        def f(x):

            def if_true():
                return x

            def if_false():
                return None
            return ac__.if_stmt(x > 0, if_true, if_false, (), ('retval_',), returned=(True, True), return_lines={'retval_': ((3,), (0,))})
        """,
        id="falls-off-the-end",
    ),
    pytest.param(
        # Guards at both levels. Names are given top-down, in source order.
        """
        def f(x):
            if x > 0:
                if x > 10:
                    return 10
                x = x + 1
            return x
        """,
        """
        def f(x):
            do_return = False
            retval_ = ac__.UndefinedReturnValue()

            def if_true(do_return, retval_, x):

                def if_true_1(do_return, retval_, x):
                    do_return = True
                    retval_ = 10
                    return (do_return, retval_, x)

                def if_false_1(do_return, retval_, x):
                    x = x + 1
                    return (do_return, retval_, x)
                do_return, retval_, x = ac__.if_stmt(x > 10, if_true_1, if_false_1, (do_return, retval_, x), ('do_return', 'retval_', 'x'), returned=(True, False), return_lines={'retval_': ((4,), ())})
                return (do_return, retval_, x)
            do_return, retval_, x = ac__.if_stmt(x > 0, if_true, None, (do_return, retval_, x), ('do_return', 'retval_', 'x'), return_lines={'retval_': ((4,), ())})

            def if_true_2(retval_):
                return x
            return ac__.if_stmt(ac__.not_(do_return), if_true_2, None, (retval_,), ('retval_',), returned=(False, True), return_lines={'retval_': ((6,), (4,))}, guarded=('return', 4))
        """,
        id="return-nested-two-levels",
    ),
    pytest.param(
        # The guard wraps everything after the first `if`, including the second one; inside it
        # the flag is read (by the inner guard) before being set, so it is an input only.
        """
        def f(x):
            if x > 0:
                x = x * 2
                return x
            x = x - 1
            if x < -5:
                return -x
            return x
        """,
        """
        def f(x):

            def if_true(x):
                x = x * 2
                return x

            def if_false(x):
                x = x - 1

                def if_true_1():
                    return -x

                def if_false_1():
                    return x
                return ac__.if_stmt(x < -5, if_true_1, if_false_1, (), ('retval_',), returned=(True, True), return_lines={'retval_': ((7,), (8,))})
            return ac__.if_stmt(x > 0, if_true, if_false, (x,), ('retval_',), returned=(True, True), return_lines={'retval_': ((4,), (7, 8))})
        """,
        id="guard-around-a-returning-if",
    ),
    pytest.param(
        """
        def f(x):
            if x > 0:
                return x
            elif x < 0:
                return -x
            return 0
        """,
        """
        def f(x):

            def if_true():
                return x

            def if_false():

                def if_true_1():
                    return -x

                def if_false_1():
                    return 0
                return ac__.if_stmt(x < 0, if_true_1, if_false_1, (), ('retval_',), returned=(True, True), return_lines={'retval_': ((5,), (6,))})
            return ac__.if_stmt(x > 0, if_true, if_false, (), ('retval_',), returned=(True, True), return_lines={'retval_': ((3,), (5, 6))})
        """,
        id="returns-in-elif-chain",
    ),
]


@pytest.mark.parametrize(("src", "expected"), RETURNS)
def test_return_statements(src, expected):
    assert_converts(src, expected)


# --- `return_statements` alone (the analyses it reads, and nothing else, before it) ---

ALONE = [
    pytest.param(
        """
        def f(x):
            if x > 0:
                return x
            y = -x
            return y
        """,
        """
        def f(x):
            do_return = False
            retval_ = ac__.UndefinedReturnValue()
            if x > 0:
                do_return = True
                retval_ = x
            else:
                y = -x
                do_return = True
                retval_ = y
            return retval_
        """,
        id="early-return",
    ),
    pytest.param(
        """
        def f(xs):
            for x in xs:
                if x > 0:
                    return x
            return 0
        """,
        """
        def f(xs):
            do_return = False
            retval_ = ac__.UndefinedReturnValue()
            for x in xs:
                if x > 0:
                    do_return = True
                    retval_ = x
            if ac__.not_(do_return):
                do_return = True
                retval_ = 0
            return retval_
        """,
        id="return-in-a-loop",
    ),
]


@pytest.mark.parametrize(("src", "expected"), ALONE)
def test_the_pass_alone(src, expected):
    assert_alone_gives(return_statements.transform, src, expected)
