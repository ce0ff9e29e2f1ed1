"""`converters.loop_exits`: `break` and `continue` as flags."""

from __future__ import annotations

import pytest

from autocond.converters import loop_exits
from tests.converters.support import assert_alone_gives, assert_converts

# `break`, `continue` and `return` in loops become flags: a loop carries its `break` and
# `return` flags and stops on them (`stop=`), and the statements after an exit run under
# `if ac__.not_(flag):`.
LOOP_EXITS = [
    pytest.param(
        """
        def f(n):
            i = 0
            while i < n:
                if i > 5:
                    break
                i += 1
            return i
        """,
        """
        def f(n):
            i = 0
            break_ = False

            def loop_test(break_, i):
                return i < n

            def loop_body(break_, i):

                def if_true(break_, i):
                    break_ = True
                    return (break_, i)

                def if_false(break_, i):
                    i += 1
                    return (break_, i)
                break_, i = ac__.if_stmt(i > 5, if_true, if_false, (break_, i), ('break_', 'i'))
                return (break_, i)
            break_, i = ac__.while_stmt(loop_test, loop_body, (break_, i), ('break_', 'i'), stop=('break_',))
            return i
        """,
        id="while-break",
    ),
    pytest.param(
        """
        def f(n):
            i = 0
            while i < n:
                i += 1
                if i % 2:
                    continue
                n = n - 1
            return i
        """,
        """
        def f(n):
            i = 0

            def loop_test(i, n):
                return i < n

            def loop_body(i, n):
                i += 1

                def if_false(n):
                    n = n - 1
                    return n
                n = ac__.if_stmt(i % 2, None, if_false, (n,), ('n',))
                return (i, n)
            i, n = ac__.while_stmt(loop_test, loop_body, (i, n), ('i', 'n'))
            return i
        """,
        id="while-continue",
    ),
    pytest.param(
        """
        def f(xs):
            s = 0
            for x in xs:
                if x < 0:
                    break
                s = s + x
            return s
        """,
        """
        def f(xs):
            s = 0
            break_ = False

            def loop_body(x, break_, s):

                def if_true(break_, s):
                    break_ = True
                    return (break_, s)

                def if_false(break_, s):
                    s = s + x
                    return (break_, s)
                break_, s = ac__.if_stmt(x < 0, if_true, if_false, (break_, s), ('break_', 's'))
                return (break_, s)
            break_, s = ac__.for_stmt(xs, loop_body, (break_, s), ('break_', 's'), stop=('break_',))
            return s
        """,
        id="for-break",
    ),
    pytest.param(
        """
        def f(x, xs):
            if x > 0:
                for v in xs:
                    if v > x:
                        break
                    x = x + v
            return x
        """,
        """
        def f(x, xs):

            def if_true(x):
                break_ = False

                def loop_body(v, break_, x):

                    def if_true_1(break_, x):
                        break_ = True
                        return (break_, x)

                    def if_false_1(break_, x):
                        x = x + v
                        return (break_, x)
                    break_, x = ac__.if_stmt(v > x, if_true_1, if_false_1, (break_, x), ('break_', 'x'))
                    return (break_, x)
                break_, x = ac__.for_stmt(xs, loop_body, (break_, x), ('break_', 'x'), stop=('break_',))
                return x
            x = ac__.if_stmt(x > 0, if_true, None, (x,), ('x',))
            return x
        """,
        id="break-in-a-loop-inside-an-if",
    ),
    pytest.param(
        """
        def f(x):
            while x > 0:
                if x > 10:
                    return x
                x = x - 1
            return 0
        """,
        """
        def f(x):
            do_return = False
            retval_ = ac__.UndefinedReturnValue()

            def loop_test(do_return, retval_, x):
                return x > 0

            def loop_body(do_return, retval_, x):

                def if_true(do_return, retval_, x):
                    do_return = True
                    retval_ = x
                    return (do_return, retval_, x)

                def if_false(do_return, retval_, x):
                    x = x - 1
                    return (do_return, retval_, x)
                do_return, retval_, x = ac__.if_stmt(x > 10, if_true, if_false, (do_return, retval_, x), ('do_return', 'retval_', 'x'), returned=(True, False), return_lines={'retval_': ((4,), ())})
                return (do_return, retval_, x)
            do_return, retval_, x = ac__.while_stmt(loop_test, loop_body, (do_return, retval_, x), ('do_return', 'retval_', 'x'), stop=('do_return',))

            def if_true_1(retval_):
                return 0
            return ac__.if_stmt(ac__.not_(do_return), if_true_1, None, (retval_,), ('retval_',), returned=(False, True), return_lines={'retval_': ((6,), (4,))}, guarded=('return', 4))
        """,
        id="return-in-while",
    ),
]


@pytest.mark.parametrize(("src", "expected"), LOOP_EXITS)
def test_loop_exits(src, expected):
    assert_converts(src, expected)


# --- `loop_exits` alone (the analyses it reads, and nothing else, before it) ---

ALONE = [
    pytest.param(
        """
        def f(x, n):
            for i in range(n):
                if x > 10:
                    break
                x = x * 2
            return x
        """,
        """
        def f(x, n):
            break_ = False
            for i in range(n):
                if x > 10:
                    break_ = True
                else:
                    x = x * 2
            return x
        """,
        id="break",
    ),
    pytest.param(
        """
        def f(x, n):
            for i in range(n):
                if i % 2:
                    continue
                x = x + i
            return x
        """,
        """
        def f(x, n):
            for i in range(n):
                continue_ = False
                if i % 2:
                    continue_ = True
                else:
                    x = x + i
            return x
        """,
        id="continue",
    ),
]


@pytest.mark.parametrize(("src", "expected"), ALONE)
def test_the_pass_alone(src, expected):
    assert_alone_gives(loop_exits.transform, src, expected)
