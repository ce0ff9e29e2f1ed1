"""`converters.functional` (with `stores` and `composites`): what generated functions share
with closures, `nonlocal` and attributes."""

from __future__ import annotations

import pytest

from autocond.converters import stores
from tests.converters.support import assert_alone_gives, assert_converts

SHARED_STATE = [
    pytest.param(
        # `k` is read by a closure: the test and body share it with `f` (`nonlocal`), so
        # `via` sees each iteration's value; it is always live, so carried.
        """
        def f(n):
            k = 0
            def via():
                return k + 2
            s = 0
            while k < n:
                s = s * 10 + via()
                k += 1
            return s
        """,
        """
        def f(n):
            k = 0
            def via():
                return k + 2
            s = 0
            def loop_test(k_1, s):
                nonlocal k
                k = k_1
                return k < n
            def loop_body(k_2, s):
                nonlocal k
                k = k_2
                s = s * 10 + ac__.call(via)()
                k += 1
                return (k, s)
            k, s = ac__.while_stmt(loop_test, loop_body, (k, s), ('k', 's'))
            return s
        """,
        id="closure-reads-loop-variable",
    ),
    pytest.param(
        # A lambda made in the loop captures `t`, not a parameter of the loop body: after the
        # loop, each lambda sees the last value (late binding).
        """
        def f(x):
            fs = []
            for t in (0.5, 1.0):
                fs.append(lambda v: v - t)
            return fs
        """,
        """
        def f(x):
            t = ac__.Undefined('t')
            fs = []
            def loop_body(itr, fs, t_1):
                nonlocal t
                t = t_1
                t = itr
                fs = ac__.append(fs, lambda v: v - t)
                return (fs, t)
            fs, t = ac__.for_stmt((0.5, 1.0), loop_body, (fs, t), ('fs', 't'))
            return fs
        """,
        id="late-binding",
    ),
    pytest.param(
        # `bump` assigns `calls` through `nonlocal`: a loop that calls anything carries it, and
        # a test that calls gives it back with its value.
        """
        def f(x):
            calls = 0
            def bump(v):
                nonlocal calls
                calls += 1
                return v
            while bump(x) > 1:
                x = x / 2
            return x, calls
        """,
        """
        def f(x):
            calls = 0
            def bump(v):
                nonlocal calls
                calls += 1
                return v
            def loop_test(calls_1, x):
                nonlocal calls
                calls = calls_1
                return (ac__.call(bump)(x) > 1, (calls, x))
            def loop_body(calls_2, x):
                nonlocal calls
                calls = calls_2
                x = x / 2
                return (calls, x)
            calls, x = ac__.while_stmt(loop_test, loop_body, (calls, x), ('calls', 'x'), test_state=True)
            return (x, calls)
        """,
        id="closure-assigns-nonlocal",
    ),
    pytest.param(
        # The closure itself announces its store to the runtime (`operators.effects`).
        """
        def f(v):
            nonlocal calls
            calls += 1
            return v
        """,
        """
        def f(v):
            nonlocal calls
            ac__.outer_store(lambda: calls)
            calls += 1
            return v
        """,
        id="nonlocal-store",
    ),
    pytest.param(
        # `y` is assigned by the test (`:=`), which gives it back with its value.
        """
        def f(x):
            while (y := x - 1) > 0:
                x = y
            return y
        """,
        """
        def f(x):
            y = ac__.Undefined('y')
            def loop_test(x, y):
                return ((y := (x - 1)) > 0, (x, y))
            def loop_body(x, y):
                x = y
                return (x, y)
            x, y = ac__.while_stmt(loop_test, loop_body, (x, y), ('x', 'y'), test_state=True)
            return y
        """,
        id="walrus-in-while-test",
    ),
    pytest.param(
        # `c.n` is carried as `c_n`: read before the loop, stored in the object by the body
        # on entry and read back after each store, and stored after the loop.
        """
        def f(x):
            c = Counter()
            while x > 0:
                c.n += 1
                x = x - 1
            return c.n
        """,
        """
        def f(x):
            c = ac__.call(Counter)()
            c_n = ac__.getattr_(c, 'n')
            def loop_test(c_n, x):
                ac__.restore_attr(c, 'n', c_n)
                return x > 0
            def loop_body(c_n, x):
                ac__.restore_attr(c, 'n', c_n)
                c.n += 1
                c_n = c.n
                x = x - 1
                return (c_n, x)
            c_n, x = ac__.while_stmt(loop_test, loop_body, (c_n, x), ('c.n', 'x'))
            ac__.setattr_(c, 'n', c_n)
            return c.n
        """,
        id="attribute-carried",
    ),
]


@pytest.mark.parametrize(("src", "expected"), SHARED_STATE)
def test_shared_state(src, expected):
    assert_converts(src, expected)


# --- `stores` alone (the analyses it reads, and nothing else, before it) ---

ALONE = [
    pytest.param(
        """
        def f(x):
            global total
            if x > 0:
                total = x
            return x
        """,
        """
        def f(x):
            global total
            if x > 0:
                ac__.outer_store(lambda: total)
                total = x
            return x
        """,
        id="store-to-a-global-in-a-branch",
    ),
]


@pytest.mark.parametrize(("src", "expected"), ALONE)
def test_the_pass_alone(src, expected):
    assert_alone_gives(stores.transform, src, expected)
