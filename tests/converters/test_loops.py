"""`converters.loops`: `while` and `for` as `while_stmt` and `for_stmt`."""

from __future__ import annotations

import pytest

from autocond.converters import loops
from tests.converters.support import assert_alone_gives, assert_converts

LOOPS = [
    pytest.param(
        """
        def f(n):
            i = 0
            x = 1
            while i < n:
                x = x * 2
                i += 1
            return x
        """,
        """
        def f(n):
            i = 0
            x = 1
            def loop_test(i, x):
                return i < n
            def loop_body(i, x):
                x = x * 2
                i += 1
                return i, x
            i, x = ac__.while_stmt(loop_test, loop_body, (i, x), ('i', 'x'))
            return x
        """,
        id="while",
    ),
    pytest.param(
        # `y` is assigned before it is read in every iteration and is dead after the loop.
        """
        def f(n):
            i = 0
            while i < n:
                y = i * 2
                i += 1
            return i
        """,
        """
        def f(n):
            i = 0
            def loop_test(i):
                return i < n
            def loop_body(i):
                y = i * 2
                i += 1
                return i
            i = ac__.while_stmt(loop_test, loop_body, (i,), ('i',))
            return i
        """,
        id="while-temporary-not-carried",
    ),
    pytest.param(
        """
        def f(n):
            i = 0
            while i < n:
                y = i * 2
                i += 1
            return y
        """,
        """
        def f(n):
            y = ac__.Undefined('y')
            i = 0
            def loop_test(i, y):
                return i < n
            def loop_body(i, y):
                y = i * 2
                i += 1
                return i, y
            i, y = ac__.while_stmt(loop_test, loop_body, (i, y), ('i', 'y'))
            return ac__.ld(y)
        """,
        id="while-carries-variable-read-after",
    ),
    pytest.param(
        """
        def f(n):
            i = 0
            while i < n:
                i += 1
            j = 0
            while j < i:
                j += 2
            return j
        """,
        """
        def f(n):
            i = 0
            def loop_test(i):
                return i < n
            def loop_body(i):
                i += 1
                return i
            i = ac__.while_stmt(loop_test, loop_body, (i,), ('i',))
            j = 0
            def loop_test_1(j):
                return j < i
            def loop_body_1(j):
                j += 2
                return j
            j = ac__.while_stmt(loop_test_1, loop_body_1, (j,), ('j',))
            return j
        """,
        id="two-whiles-fresh-names",
    ),
    pytest.param(
        """
        def f(n):
            x = 0
            for i in range(n):
                x = x + i
            return x
        """,
        """
        def f(n):
            x = 0
            def loop_body(i, x):
                x = x + i
                return x
            x = ac__.for_stmt(ac__.range_(range, n), loop_body, (x,), ('x',))
            return x
        """,
        id="for-range",
    ),
    pytest.param(
        """
        def f(n):
            x = 0
            for i in range(0, n, 2):
                t = i * 2
                x = x + t
            return x
        """,
        """
        def f(n):
            x = 0
            def loop_body(i, x):
                t = i * 2
                x = x + t
                return x
            x = ac__.for_stmt(ac__.range_(range, 0, n, 2), loop_body, (x,), ('x',))
            return x
        """,
        id="for-range-start-stop-step",
    ),
    pytest.param(
        """
        def f(xs):
            total = 0
            for x in xs:
                total = total + x
            return total
        """,
        """
        def f(xs):
            total = 0
            def loop_body(x, total):
                total = total + x
                return total
            total = ac__.for_stmt(xs, loop_body, (total,), ('total',))
            return total
        """,
        id="for-over-iterable",
    ),
    pytest.param(
        # Read after the loop, the target is carried: it is unpacked from the item `itr`, and
        # keeps its value (or stays unbound) when the loop runs zero times.
        """
        def f(n):
            x = 0
            for i in range(n):
                x = x + i
            return x, i
        """,
        """
        def f(n):
            i = ac__.Undefined('i')
            x = 0
            def loop_body(itr, i, x):
                i = itr
                x = x + i
                return i, x
            i, x = ac__.for_stmt(ac__.range_(range, n), loop_body, (i, x), ('i', 'x'))
            return x, ac__.ld(i)
        """,
        id="for-target-read-after",
    ),
    pytest.param(
        """
        def f(pairs):
            s = 0
            for a, b in pairs:
                s = s + a * b
            return s
        """,
        """
        def f(pairs):
            s = 0
            def loop_body(itr, s):
                a, b = itr
                s = s + a * b
                return s
            s = ac__.for_stmt(pairs, loop_body, (s,), ('s',))
            return s
        """,
        id="for-tuple-target",
    ),
    pytest.param(
        """
        def f(pairs):
            s = 0
            for a, b in pairs:
                s = s + a
            return s, b
        """,
        """
        def f(pairs):
            b = ac__.Undefined('b')
            s = 0
            def loop_body(itr, b, s):
                a, b = itr
                s = s + a
                return b, s
            b, s = ac__.for_stmt(pairs, loop_body, (b, s), ('b', 's'))
            return s, ac__.ld(b)
        """,
        id="for-tuple-target-read-after",
    ),
    pytest.param(
        # Without `break`, the `else` always runs: it follows the loop.
        """
        def f(n):
            x = 0
            for i in range(n):
                x = x + i
            else:
                x = -x
            return x
        """,
        """
        def f(n):
            x = 0
            def loop_body(i, x):
                x = x + i
                return x
            x = ac__.for_stmt(ac__.range_(range, n), loop_body, (x,), ('x',))
            x = -x
            return x
        """,
        id="for-else",
    ),
    pytest.param(
        # The `else` reads the target, so the target is carried out of the loop.
        """
        def f(n):
            x = 0
            for i in range(n):
                x = x + i
            else:
                x = x + i
            return x
        """,
        """
        def f(n):
            i = ac__.Undefined('i')
            x = 0
            def loop_body(itr, i, x):
                i = itr
                x = x + i
                return i, x
            i, x = ac__.for_stmt(ac__.range_(range, n), loop_body, (i, x), ('i', 'x'))
            x = x + ac__.ld(i)
            return x
        """,
        id="for-else-reads-target",
    ),
    pytest.param(
        """
        def f(n):
            i = 0
            while i < n:
                i += 1
            else:
                i = i * 10
            return i
        """,
        """
        def f(n):
            i = 0
            def loop_test(i):
                return i < n
            def loop_body(i):
                i += 1
                return i
            i = ac__.while_stmt(loop_test, loop_body, (i,), ('i',))
            i = i * 10
            return i
        """,
        id="while-else",
    ),
    pytest.param(
        # `ac__.range_` gets the name as the user's code sees it, and calls anything but the
        # builtin `range` as it is.
        """
        def f(n, range):
            x = 0
            for i in range(n):
                x = x + i
            return x
        """,
        """
        def f(n, range):
            x = 0
            def loop_body(i, x):
                x = x + i
                return x
            x = ac__.for_stmt(ac__.range_(range, n), loop_body, (x,), ('x',))
            return x
        """,
        id="range-shadowed-by-parameter",
    ),
    pytest.param(
        """
        def f(n):
            range = my_range
            x = 0
            for i in range(n):
                x = x + i
            return x
        """,
        """
        def f(n):
            range = my_range
            x = 0
            def loop_body(i, x):
                x = x + i
                return x
            x = ac__.for_stmt(ac__.range_(range, n), loop_body, (x,), ('x',))
            return x
        """,
        id="range-shadowed-by-local",
    ),
    pytest.param(
        # The `if` in the body is converted inside the generated loop function.
        """
        def f(x, n):
            for i in range(n):
                if x > i:
                    x = x - 1
            return x
        """,
        """
        def f(x, n):

            def loop_body(i, x):

                def if_true(x):
                    x = x - 1
                    return x
                x = ac__.if_stmt(x > i, if_true, None, (x,), ('x',))
                return x
            x = ac__.for_stmt(ac__.range_(range, n), loop_body, (x,), ('x',))
            return x
        """,
        id="if-in-for",
    ),
    pytest.param(
        """
        def f(x):
            if x > 0:
                y = x
                while y > 1:
                    y = y / 2
                x = y
            return x
        """,
        """
        def f(x):

            def if_true(x):
                y = x

                def loop_test(y):
                    return y > 1

                def loop_body(y):
                    y = y / 2
                    return y
                y = ac__.while_stmt(loop_test, loop_body, (y,), ('y',))
                x = y
                return x
            x = ac__.if_stmt(x > 0, if_true, None, (x,), ('x',))
            return x
        """,
        id="while-in-if",
    ),
]


@pytest.mark.parametrize(("src", "expected"), LOOPS)
def test_loops(src, expected):
    assert_converts(src, expected)


# --- `loops` alone (the analyses it reads, and nothing else, before it) ---

ALONE = [
    pytest.param(
        """
        def f(x):
            while x < 10:
                x = x * 2
            return x
        """,
        """
        def f(x):

            def loop_test(x):
                return x < 10

            def loop_body(x):
                x = x * 2
                return x
            x = ac__.while_stmt(loop_test, loop_body, (x,), ('x',))
            return x
        """,
        id="while",
    ),
]


@pytest.mark.parametrize(("src", "expected"), ALONE)
def test_the_pass_alone(src, expected):
    assert_alone_gives(loops.transform, src, expected)
