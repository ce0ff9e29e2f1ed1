"""Golden before/after tests of the converters: the source of a small function, and the code
`convert_tree` generates for it (compared after `ast.unparse`, so formatting does not matter).

Every expected output was read and checked by hand: which variables are carried, which are
inputs only, which stay temporaries of a generated function, and the order of what is generated.
"""

from __future__ import annotations

import ast
import textwrap

import gast
import jax
import pytest

import autocond
from autocond import _transpiler, errors
from autocond.converters.context import Context
from autocond.pyct.naming import Namer


def _tree(src: str) -> ast.FunctionDef:
    # Leading newlines are dropped so that the `def` is line 1, as `parse_function` counts:
    # the `file:line` in the reasons of statements kept as Python are then those of `src`.
    (node,) = gast.parse(textwrap.dedent(src).lstrip("\n")).body
    ctx = Context(Namer(node), "f", "<test>", 1)
    return _transpiler.convert_tree(node, ctx)


def convert(src: str) -> str:
    return ast.unparse(_tree(src))


def normalized(src: str) -> str:
    return ast.unparse(ast.parse(textwrap.dedent(src)))


def assert_converts(src: str, expected: str) -> None:
    assert convert(src) == normalized(expected)


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
            return ac__.if_stmt(ac__.not_(do_return), if_true_2, None, (retval_,), ('retval_',), returned=(False, True), return_lines={'retval_': ((6,), (4,))})
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
    pytest.param(
        # A `match` on literals is the `if`/`elif` chain it means, and a chain comparing one
        # variable with int constants is one `switch_stmt` (the default branch last).
        """
        def f(k, x):
            match k:
                case 0:
                    x = x + 1
                case 1 | -2:
                    x = x * 2
            return x
        """,
        """
        def f(k, x):

            def case_0(x):
                x = x + 1
                return x

            def case_1_or_minus_2(x):
                x = x * 2
                return x
            x = ac__.switch_stmt(k, ((0,), (1, -2)), (case_0, case_1_or_minus_2, None), (x,), ('x',))
            return x
        """,
        id="match-as-switch",
    ),
    pytest.param(
        # A capture binds the subject at the start of its block; a guard is one more
        # condition, reading the subject for the capture; the irrefutable last case is the
        # `else`.
        """
        def f(k, x):
            match k + 1:
                case (1 | 2) as m if m > x:
                    x = x * m
                case n:
                    x = x + n
            return x
        """,
        """
        def f(k, x):
            subject = k + 1

            def if_true(x):
                m = subject
                x = x * m
                return x

            def if_false(x):
                n = subject
                x = x + n
                return x
            x = ac__.if_stmt(ac__.and_(ac__.or_(subject == 1, lambda: subject == 2), lambda: subject > x), if_true, if_false, (x,), ('x',))
            return x
        """,
        id="match-captures-and-guards",
    ),
    pytest.param(
        # A comprehension's filters decide at trace time whether an item is kept (each filter
        # a clause giving the item's mask); membership and a table's items by index are calls
        # that take traced values; builtins that ask truth or order go through `ac__.call`,
        # `len` only of a comprehension; `raise` becomes a call too.
        """
        def f(x, n):
            table = (1.0, 2.0)
            if n in (1, 3):
                raise ValueError('odd')
            s = sum(v for v in x if v > 0 if v < 9)
            return (max(s, table[n]), len([v for v in x if v]), len(x), abs(s), [v for v in x])
        """,
        """
        def f(x, n):
            table = (1.0, 2.0)

            def if_true():
                ac__.raise_(ValueError('odd'))
                return ()
            ac__.if_stmt(ac__.in_(n, (1, 3)), if_true, None, (), (), returned=(True, False))
            s = ac__.call(sum)(ac__.filtered((ac__.item(kept, v) for v in x for kept in ac__.keep(True, v > 0) for kept in ac__.keep(kept, v < 9))))
            return (ac__.call(max)(s, ac__.lookup(table, n)), ac__.call(len)(ac__.filtered([ac__.item(kept_1, v) for v in x for kept_1 in ac__.keep(True, v)])), len(x), abs(s), [v for v in x])
        """,
        id="containers-builtins-raise",
    ),
]


@pytest.mark.parametrize(("src", "expected"), EXPRESSIONS)
def test_expressions(src, expected):
    assert_converts(src, expected)


SLICES = [
    pytest.param(
        # Item assignments rebind the variable (a JAX array's items are updated as
        # `.at[...]`); keys with slices are written as in the subscript; nested items are set
        # from the inside out; a name the function does not bind (a global) is left alone.
        """
        def f(x, i):
            x[i] = 0.0
            x[i, 1:] += 2.0
            x[i][0] = 1.0
            g[i] = x
            return x
        """,
        """
        def f(x, i):
            x = ac__.setitem(x, i, 0.0)
            x = ac__.setitem(x, ac__.index[i, 1:], 2.0, '+')
            x = ac__.setitem(x, i, ac__.setitem(x[i], 0, 1.0))
            ac__.item_store(g, i)  # `g` is not local: a store a caller's trace must see
            g[i] = x
            return x
        """,
        id="item-assignments",
    ),
    pytest.param(
        # A tuple target with items is unpacked into fresh names, then each target is
        # assigned from left to right (`x[i]` with the `i` of its turn); several targets
        # take the value once.
        """
        def f(x, i, j):
            x[i], x[j] = x[j], x[i]
            x[0] = y = x[1] = i
            (a, x[i]), *b = (1, 2), 3, 4
            return x, y
        """,
        """
        def f(x, i, j):
            item, item_1 = (x[j], x[i])
            x = ac__.setitem(x, i, item)
            x = ac__.setitem(x, j, item_1)
            value = i
            x = ac__.setitem(x, 0, value)
            y = value
            x = ac__.setitem(x, 1, value)
            (item_2, item_3), *item_4 = ((1, 2), 3, 4)
            a = item_2
            x = ac__.setitem(x, i, item_3)
            b = item_4
            return (x, y)
        """,
        id="tuple-and-multiple-targets",
    ),
]


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

                def if_true(n):
                    return n

                def if_false(n):
                    n = n - 1
                    return n
                n = ac__.if_stmt(i % 2, if_true, if_false, (n,), ('n',))
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
            return ac__.if_stmt(ac__.not_(do_return), if_true_1, None, (retval_,), ('retval_',), returned=(False, True), return_lines={'retval_': ((6,), (4,))})
        """,
        id="return-in-while",
    ),
]


@pytest.mark.parametrize(("src", "expected"), LOOP_EXITS)
def test_loop_exits(src, expected):
    assert_converts(src, expected)


KEPT_PYTHON = [
    pytest.param(
        """
        def f(x):
            global counter
            if x > 0:
                counter = counter + 1
            return x
        """,
        """
        def f(x):
            global counter
            if ac__.python_bool(x > 0, 'it assigns `counter`, which is declared `global`'):
                ac__.outer_store(lambda: counter)
                counter = counter + 1
            return x
        """,
        id="if-assigning-global",
    ),
    pytest.param(
        """
        def f(x):
            if x > 0:
                log.append(x)
            return x
        """,
        """
        def f(x):
            if ac__.python_bool(x > 0, 'it changes `log` in place at <test>:3'):
                ac__.object_change(log)
                log.append(x)
            return x
        """,
        id="if-mutating-non-local",
    ),
]


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


@pytest.mark.parametrize(("src", "expected"), CONDITIONALS)
def test_conditionals(src, expected):
    assert_converts(src, expected)


@pytest.mark.parametrize(("src", "expected"), LOOPS)
def test_loops(src, expected):
    assert_converts(src, expected)


@pytest.mark.parametrize(("src", "expected"), RETURNS)
def test_return_statements(src, expected):
    assert_converts(src, expected)


@pytest.mark.parametrize(("src", "expected"), CALLS)
def test_calls(src, expected):
    assert_converts(src, expected)


@pytest.mark.parametrize(("src", "expected"), SLICES)
def test_slices(src, expected):
    assert_converts(src, expected)


@pytest.mark.parametrize(("src", "expected"), VARIABLES)
def test_variables(src, expected):
    assert_converts(src, expected)


@pytest.mark.parametrize(("src", "expected"), KEPT_PYTHON)
def test_kept_as_python(src, expected):
    assert_converts(src, expected)


@pytest.mark.parametrize("src", UNCHANGED)
def test_unchanged(src):
    assert_converts(src, src)


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


@pytest.mark.parametrize(
    "src",
    [
        pytest.param("def f(x):\n    yield x\n", id="yield"),
        pytest.param("def f(xs):\n    for x in xs:\n        yield from x\n", id="yield-from-in-loop"),
    ],
)
def test_generator_is_refused(src):
    with pytest.raises(errors.UnsupportedSyntaxError, match=r"`f` uses `yield` at <test>:\d+; a generator"):
        convert(src)


def test_async_def_is_refused():
    with pytest.raises(errors.UnsupportedSyntaxError, match=r"`f` \(<test>:1\) is an `async def`"):
        convert("async def f(x):\n    return x\n")


def test_generated_statements_have_locations():
    # `ast.unparse` needs a line on every statement, and `convert_function` shifts the lines:
    # a statement without one would land on the line before the `def`.
    tree = _tree(
        """
        def f(x):
            if x > 0:
                y = 1
            return y
        """)
    assert ast.unparse(tree).startswith("def f(x):\n    y = ac__.Undefined('y')\n")
    assert all(s.lineno >= 1 for s in ast.walk(tree) if isinstance(s, ast.stmt))


def test_in_place_change_of_a_parameter_is_not_dropped():
    def f(x, acc):
        if x > 0:
            acc.append(x)
        return x

    acc = []
    # Python would append, but a tracer cannot be appended conditionally: the only correct
    # answer under `jit` is an error.
    with pytest.raises(errors.ConversionError):
        jax.jit(lambda x: autocond.convert(f)(x, acc))(1.0)


# Semantic spot checks of bugs found here, independent of the exact code generated.

def test_if_with_raising_branch_in_loop_runs():
    def f(n):
        x = 0
        for i in range(n):
            if i < 0:
                raise ValueError(i)
            else:
                y = i
            x = x + y
        return x

    assert autocond.convert(f)(4) == 6


def test_variable_deleted_then_assigned_in_if():
    def f(x):
        y = 1
        del y
        if x > 0:
            y = 2
        return y

    assert autocond.convert(f)(1) == 2


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
                c.n = c_n
                return x > 0
            def loop_body(c_n, x):
                c.n = c_n
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
