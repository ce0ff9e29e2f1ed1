"""Python state inside traced code: closures and late binding, `nonlocal` counters in
closures, `:=` in a `while` test, containers a construct creates. Plain Python is the oracle,
under `convert`, `jit` and `vmap`, for zero, one and many iterations and both branches."""

from __future__ import annotations

import functools
import operator

import jax
import jax.numpy as jnp
import pytest

import autocond
from autocond import errors
from tests.support import assert_matches_python, assert_same, line_of

F = jnp.float32
I32 = jnp.int32


def assert_vmap_matches_python(fn, *columns):
    """`jax.vmap(convert(fn))` on stacked inputs gives, row by row, what Python gives."""
    as_arrays = functools.partial(jax.tree_util.tree_map, jnp.asarray)
    got = jax.jit(jax.vmap(lambda *a: as_arrays(autocond.convert(fn)(*a))))(*map(jnp.stack, columns))
    for b, row in enumerate(zip(*columns)):
        assert_same(as_arrays(fn(*row)), jax.tree_util.tree_map(operator.itemgetter(b), got))


# --- closures read the current value -------------------------------------------------------


def closure_in_while(n):
    k = 0

    def via_closure():
        return k + 2

    s = 0
    while k < n:
        s = s * 10 + via_closure()
        k += 1
    return s


@pytest.mark.parametrize("n", [0, 1, 3])
def test_a_closure_called_in_a_traced_while_sees_the_current_value(n):
    assert_matches_python(closure_in_while, I32(n))  # n=3: 234, as in Python


def test_a_closure_called_in_a_traced_while_under_vmap():
    assert_vmap_matches_python(closure_in_while, [I32(0), I32(1), I32(3)])


def closure_in_range(xs):
    k = 0

    def via():
        return k

    s = 0.0
    for k in range(4):
        s = s + via() * xs[k]
    return s


def test_a_closure_reading_the_index_of_a_rolled_range_loop():
    assert_matches_python(closure_in_range, jnp.arange(1.0, 5.0))


def closure_defined_in_the_body(x, n):
    s = 0.0
    for i in range(n):
        def h():
            return x * i  # noqa: B023 (Python's late binding is what is tested)
        s = s + h()
    return s


@pytest.mark.parametrize("n", [0, 1, 4])
def test_a_closure_defined_in_a_traced_loop_body(n):
    assert_matches_python(closure_defined_in_the_body, F(2.0), I32(n))


def closure_in_branch(x):
    y = 1.0

    def scaled():
        return x * y

    if x > 0:
        y = 3.0
        z = scaled()
    else:
        z = scaled() - 1
    return z, scaled()


@pytest.mark.parametrize("x", [2.0, -2.0])
def test_a_closure_called_in_a_traced_branch(x):
    assert_matches_python(closure_in_branch, F(x))


# --- late binding ----------------------------------------------------------------------------


def late_over_tuple(x):
    fs = []
    for t in (0.5, 1.0, 1.5):
        fs.append(lambda v: jnp.maximum(v - t, 0.0))  # noqa: B023
    return sum(g(x) for g in fs)


def test_lambdas_made_in_a_python_loop_see_the_last_value():
    assert_matches_python(late_over_tuple, F(2.0))  # 1.5: every lambda sees t = 1.5


def late_over_range(x, n):
    fs = []
    for i in range(n):
        fs.append(lambda: i * x)  # noqa: B023
    return [g() for g in fs]


@pytest.mark.parametrize("n", [0, 1, 3])
def test_lambdas_made_in_a_static_range_loop_see_the_last_value(n):
    assert_matches_python(late_over_range, F(2.0), n, static_argnames=("n",))


def test_lambdas_appended_in_a_traced_range_loop_are_an_error():
    with pytest.raises(autocond.errors.StagingError, match="`fs` gets the function .* appended in the "
                       "traced `for` loop at .*test_python_state.py:.*A traced loop can stack only arrays"):
        autocond.jit(late_over_range)(F(2.0), I32(3))


# --- closures assigning variables through `nonlocal` -----------------------------------------


def counted_newton(x, tol):
    nfev = 0

    def fn(v):
        nonlocal nfev
        nfev += 1
        return v * v - 2.0

    while jnp.abs(fn(x)) > tol:
        x = x - fn(x) / (2 * x)
    return x, nfev


@pytest.mark.parametrize("x", [1.0, 1.4142135])  # many iterations, none
def test_a_counter_in_a_closure_called_by_a_while_test_and_body(x):
    assert_matches_python(counted_newton, F(x), 1e-6)


def counted_in_range(x):
    calls = 0

    def bump(v):
        nonlocal calls
        calls += 1
        return v * 0.5

    for i in range(5):
        x = bump(x) + i
    return x, calls


def test_a_counter_in_a_closure_called_by_a_static_range_loop():
    assert_matches_python(counted_in_range, F(1.0))  # calls == 5


def counted_in_while(x, n):
    calls = 0

    def bump(v):
        nonlocal calls
        calls += 1
        return v * 0.5

    i = 0
    while i < n:
        x = bump(x) + i
        i += 1
    return x, calls


@pytest.mark.parametrize("n", [0, 1, 4])
def test_a_counter_in_a_closure_called_by_a_traced_while(n):
    assert_matches_python(counted_in_while, F(1.0), I32(n))


def test_a_counter_in_a_closure_called_by_a_traced_while_under_vmap():
    assert_vmap_matches_python(counted_in_while, [F(1.0)] * 3, [I32(0), I32(1), I32(4)])


def counted_in_branches(x):
    hits = 0

    def bump():
        nonlocal hits
        hits += 1

    for i in range(5):
        if x > i:
            bump()
    return hits


@pytest.mark.parametrize("x", [-2.5, 0.5, 2.5, 9.0])
def test_a_counter_in_a_closure_called_in_a_traced_branch(x):
    assert_matches_python(counted_in_branches, F(x))


def test_a_counter_in_a_closure_called_in_a_traced_branch_under_vmap():
    assert_vmap_matches_python(counted_in_branches, [F(-2.5), F(0.5), F(9.0)])


def nonlocal_set_under_traced_conditions(x, n):
    y = F(0.0)

    def peek():  # another closure reads the cell while the branches run
        return y * 10

    def update(z):
        nonlocal y
        if z > 0:
            y = y + z
            seen = peek()
        else:
            y = y - 1.0
            seen = peek() + 1
        for i in range(n):
            y = y + i
        while y > 100:
            y = y / 2
        return y * 2, seen

    return update(x), y, peek()


@pytest.mark.parametrize(("x", "n"), [(2.0, 3), (-3.0, 0), (90.0, 1), (90.0, 40)])
def test_a_nonlocal_assigned_under_a_traced_if_and_loops_in_an_inner_function(x, n):
    assert_matches_python(nonlocal_set_under_traced_conditions, F(x), I32(n))


def test_a_nonlocal_assigned_under_a_traced_if_in_an_inner_function_under_vmap():
    assert_vmap_matches_python(nonlocal_set_under_traced_conditions, [F(2.0), F(-3.0), F(90.0)],
                               [I32(3), I32(0), I32(40)])


def counted_with_break(x, n):
    calls = 0

    def above(v):
        nonlocal calls
        calls += 1
        return v > 0.1

    i = 0
    while above(x):
        x = x * 0.5
        i += 1
        if x < 0.3 or i >= n:
            break
    return x, calls, i


@pytest.mark.parametrize(("x", "n"), [(0.0, 3), (1.0, 1), (1.0, 9), (100.0, 3)])
def test_a_counter_in_a_while_test_with_break(x, n):
    # The test is not run again after a `break`: `calls` counts as in Python.
    assert_matches_python(counted_with_break, F(x), I32(n))


def counted_in_and(x, n):
    calls = 0

    def above(v):
        nonlocal calls
        calls += 1
        return v > 0.1

    i = 0
    while i < n and above(x):
        x = x * 0.5
        i += 1
    return x, calls


def test_a_counter_in_the_lazy_operand_of_a_traced_and_is_an_error():
    # `above(x)` runs only while `i < n`; with `i < n` traced, the `and` traces it once.
    store, test = line_of(counted_in_and, "calls += 1"), line_of(counted_in_and, "while i < n")
    with pytest.raises(autocond.errors.StagingError, match=(
            f"`calls` \\(`nonlocal`\\) is assigned at .*test_python_state.py:{store} while autocond "
            f"traces the traced `and` at .*test_python_state.py:{test}, which runs that code once")):
        autocond.jit(counted_in_and)(F(1.0), I32(3))
    assert_matches_python(counted_in_and, F(1.0), 3, jit=False)  # run as Python: concrete tests


# --- `:=` in a `while` test ----------------------------------------------------------------


def walrus_while(x):
    total = 0.0
    k = 0
    while (y := x - k) > 0:
        total = total + y
        k += 1
    return total, y


@pytest.mark.parametrize("x", [-1.0, 0.5, 3.5])
def test_a_variable_assigned_by_a_while_test(x):
    assert_matches_python(walrus_while, F(x))


# --- containers a construct creates ----------------------------------------------------------


def fresh_list_in_branch(x):
    if x > 0:
        ys = []
        ys.append(x)
        ys.append(2 * x)
    else:
        ys = [x, -x]
    return ys[0] + ys[1]


@pytest.mark.parametrize("x", [2.0, -2.0])
def test_a_list_made_and_changed_in_a_traced_branch(x):
    assert_matches_python(fresh_list_in_branch, F(x))


def fresh_dict_in_loop(x, n):
    total = 0.0
    for i in range(n):
        d = {}
        d["a"] = x * i
        total = total + d["a"]
    return total


@pytest.mark.parametrize("n", [0, 1, 4])
def test_a_dict_made_and_changed_in_a_traced_loop_body(n):
    assert_matches_python(fresh_dict_in_loop, F(1.5), I32(n))


def dicts_filled_in_an_inner_function(x, n):
    def split(pairs):
        small, large = {}, {}
        for key, value in pairs:
            if value < 2:
                small[key] = value
            else:
                large[key] = value
        return small, large

    small, large = split([("a", 1), ("b", 3)])
    total = x
    for i in range(n):
        total = total + len(small) * large["b"] + i
    return total


@pytest.mark.parametrize("n", [0, 1, 4])
def test_a_dict_changed_in_a_loop_of_an_inner_function(n):
    # The inner function is converted when it is called, with the analyses of its own body.
    assert_matches_python(dicts_filled_in_an_inner_function, F(1.5), I32(n))


def aliased_list_in_branch(x, ys):
    if x > 0:
        zs = ys
        zs.append(x)
    return x


def test_a_list_bound_to_another_in_a_traced_branch_stays_python():
    with pytest.raises(autocond.errors.NotConvertedError, match="it changes `zs` in place"):
        autocond.jit(aliased_list_in_branch)(F(1.0), [])


# --- attributes assigned in branches and loops ---------------------------------------------


class Holder:
    pass


def attribute_in_branch(x):
    holder = Holder()
    holder.b = 0
    if x > 0:
        holder.b = 7
    return holder.b


@pytest.mark.parametrize("x", [1.0, -1.0])
def test_an_attribute_assigned_in_a_traced_branch(x):
    assert_matches_python(attribute_in_branch, F(x))


def attribute_set_where_absent(x, static):
    c = Holder()
    if static:  # a Python `if`: its branch runs once
        if hasattr(c, "k"):
            c.k = c.k * 2
        else:
            c.k = x
    if x > 0:  # traced: both branches run, each from the object as it was
        c.m = x
    elif hasattr(c, "m"):
        c.m = c.m * 2
    else:
        c.m = -x
    return c.k + c.m


@pytest.mark.parametrize("x", [1.0, -1.0])
def test_an_attribute_a_branch_sets_where_it_was_absent(x):
    # Each branch starts from the object as the construct found it: without the attribute,
    # not with a placeholder a branch before left there.
    assert_matches_python(attribute_set_where_absent, F(x), True, static_argnames=("static",))


def attribute_counted_in_loop(x):
    c = Holder()
    c.n = 0
    alias = c
    for i in range(4):
        if x > i:
            c.n += 1
    return c.n, alias.n


@pytest.mark.parametrize("x", [-1.0, 0.5, 2.5, 9.0])
def test_an_attribute_counted_under_a_traced_branch_in_a_loop(x):
    assert_matches_python(attribute_counted_in_loop, F(x))  # the alias sees the same object


def test_an_attribute_counted_in_a_loop_under_vmap():
    assert_vmap_matches_python(attribute_counted_in_loop, [F(-1.0), F(0.5), F(9.0)])


class Accumulator:
    def __init__(self):
        self.total = 0.0
        self.count = 0

    def add_positive(self, xs, n):
        for i in range(n):
            if xs[i] > 0:
                self.total = self.total + xs[i]
                self.count += 1
        return self.total


def accumulate(xs, n):
    acc = Accumulator()
    total = acc.add_positive(xs, n)
    return total, acc.total, acc.count


@pytest.mark.parametrize("n", [0, 1, 3])
def test_a_method_assigning_attributes_of_self_in_a_traced_loop(n):
    assert_matches_python(accumulate, jnp.array([1.0, -2.0, 3.0]), I32(n))


def attribute_first_set_in_loop(x, n):
    c = Holder()
    for i in range(n):
        c.last = x * i
    return c.last


@pytest.mark.parametrize("n", [1, 3])
def test_an_attribute_first_set_in_a_traced_loop(n):
    assert_matches_python(attribute_first_set_in_loop, F(2.0), I32(n))


def test_an_attribute_first_set_in_a_traced_loop_that_runs_zero_times():
    with pytest.raises(AttributeError):
        attribute_first_set_in_loop(F(2.0), 0)
    with pytest.raises(Exception, match="`c.last` has no value at .*: it is first assigned inside the traced "
                       "`for` loop at .*test_python_state.py:.*, which ran zero times"):
        jax.block_until_ready(autocond.jit(attribute_first_set_in_loop)(F(2.0), I32(0)))


def attribute_from_none(x):
    log = Holder()
    log.last = None
    while x > 0:
        log.last = x
        x = x - 1
    return log.last


def test_an_attribute_a_traced_loop_changes_from_none_is_an_error():
    assert attribute_from_none(F(0.0)) is None
    with pytest.raises(autocond.errors.StagingError, match="`log.last` has a different structure in the "
                       "traced `while` loop at .*: PyTreeDef\\(None\\) before the loop, "
                       "PyTreeDef\\(\\*\\) after"):
        autocond.jit(attribute_from_none)(F(3.0))


# --- stores to other scopes' variables while a body is traced --------------------------------


def _counting_helper(x):
    hits = 0

    def bump():
        nonlocal hits
        hits += 1
        return x * 0.5

    y = bump() + bump()
    return y + hits


def calls_a_counting_helper(x):
    if x > 0:  # traced: the helper runs, with its own counter, while the branch is traced
        x = _counting_helper(x)
    return x


@pytest.mark.parametrize("x", [2.0, -2.0])
def test_a_helper_counting_in_its_own_closure_inside_a_traced_branch(x):
    assert_matches_python(calls_a_counting_helper, F(x))


def _make_counter():
    count = 0

    def step(v):
        nonlocal count
        count += 1
        return v * 0.5

    return step, lambda: count


_step, _count = _make_counter()


def halve_until_small(x):
    while x > 1.0:
        x = _step(x)
    return x


def test_a_counter_of_another_scope_assigned_in_a_traced_loop_is_an_error():
    store = line_of(_make_counter, "count += 1")
    with pytest.raises(autocond.errors.StagingError, match=(
            f"`count` \\(`nonlocal`\\) is assigned at .*test_python_state.py:{store} while autocond "
            "traces the traced `while` loop at .*, which runs that code once")):
        autocond.jit(halve_until_small)(F(10.0))
    assert _count() == 0  # the store made while tracing was undone


def test_a_counter_of_another_scope_in_a_static_range_loop_unrolls():
    def halve_three_times(x):
        for _ in range(3):
            x = _step(x)
        return x

    before = _count()
    assert_same(F(1.25), autocond.jit(halve_three_times)(F(10.0)))
    assert _count() == before + 3  # the rolled attempt left no store behind; unrolled, three


class Counter:
    def __init__(self):
        self.calls = 0

    def step(self, v):
        self.calls += 1
        return v * 0.5


def halve_counting(x):
    c = Counter()
    while x > 1.0:
        x = c.step(x)
    return x, c.calls


def test_a_method_assigning_self_in_a_traced_loop_is_an_error():
    store = line_of(Counter.step, "self.calls += 1")
    with pytest.raises(autocond.errors.StagingError, match=(
            f"the attribute `calls` of a Counter is assigned at .*test_python_state.py:{store} while "
            "autocond traces the traced `while` loop at .*, which runs that code once")):
        autocond.jit(halve_counting)(F(10.0))
    assert_matches_python(halve_counting, F(10.0), jit=False)  # concrete: Python's loop


def count_in_range(x):
    c = Counter()
    for _ in range(4):
        x = c.step(x)
    return x, c.calls


def test_a_method_assigning_self_in_a_static_range_loop_unrolls():
    assert_matches_python(count_in_range, F(10.0))  # calls == 4: the rolled attempt was undone


def _helper_counting_in_a_dict(d, v):
    d["n"] += 1
    return v + 1


def count_in_a_dict(x):
    d = {"n": 0}
    for _ in range(3):
        x = _helper_counting_in_a_dict(d, x)
    return x, d["n"]


def test_a_helper_changing_a_dict_in_a_static_range_loop_unrolls():
    assert_matches_python(count_in_a_dict, F(1.0))  # d["n"] == 3


def _append_to(log, v):
    log.append(v)
    return v * 2


def log_in_while(x):
    log = []
    while x < 10.0:
        x = _append_to(log, x)
    return x, log


def test_a_helper_appending_to_a_list_in_a_traced_loop_is_an_error():
    with pytest.raises(autocond.errors.StagingError, match="a list is assigned at .*test_python_state.py:.* "
                       "while autocond traces the traced `while` loop at"):
        autocond.jit(log_in_while)(F(1.0))


class Point:
    def __init__(self, x):
        self.x = x

    def move(self, dx):
        self.x = self.x + dx
        return self


def moves_new_points(x, n):
    total = 0.0
    for i in range(n):
        p = Point(x).move(i)  # made and changed during the trace: nothing outside sees it
        total = total + p.x
    return total


@pytest.mark.parametrize("n", [0, 1, 3])
def test_objects_made_and_changed_inside_a_traced_loop(n):
    assert_matches_python(moves_new_points, F(1.0), I32(n))


# --- Python numbers keep Python's arithmetic -----------------------------------------------


def bool_or_array(x):
    found = False
    for i in range(3):
        found = found | (x > i)
    return found


@pytest.mark.parametrize("x", [-1.0, 1.5])
def test_a_python_bool_a_loop_makes_a_bool_array_stays_one(x):
    assert_matches_python(bool_or_array, F(x))


def bool_merged_with_a_bool_array(x):
    q = True
    if x > 5:
        q = x > 7
    return q + q


def bools_merged_with_each_other(x):
    q = False
    if x > 5:
        q = True
    return -q


def int_merged_with_a_bool_array(x):
    q = 1
    if x > 5:
        q = x > 7
    return q + (x > 6)


@pytest.mark.parametrize("fn, kinds, assigned", [
    (bool_merged_with_a_bool_array, "a bool array in the `if` branch, the Python bool True in the `else`",
     "q = x > 7"),
    (bools_merged_with_each_other, "the Python bool True in the `if` branch, the Python bool False in the",
     "q = True"),
    (int_merged_with_a_bool_array, "a bool array in the `if` branch, the Python int 1 in the `else` branch",
     "q = x > 7"),
])
@pytest.mark.parametrize("x", [3.0, 6.0, 8.0])
def test_a_bool_of_two_kinds_computed_with_as_an_int_is_an_error(fn, kinds, assigned, x):
    # `True + True` is 2, the bool array's `q + q` a logical or: Python gives both (x=3, x=8).
    assert_matches_python(fn, F(x), jit=False)  # a concrete test runs one branch, as Python
    with pytest.raises(autocond.errors.StagingError, match=(
            f"`q` is {kinds}.* \\(the traced `if` at .*test_python_state.py:{line_of(fn, 'if x > 5')}\\); "
            f"it is assigned by `{assigned}` at .*test_python_state.py:{line_of(fn, assigned)}, "
            f"and the function computes with it as an int at .*test_python_state.py:{line_of(fn, 'return')}: "
            "Python counts a bool as the int it is")):
        autocond.jit(fn)(F(x))


def not_computed_with_as_an_int(x):
    q = not (x > 0.0)
    return q + q, (not x > 1.0) * 3 + (not x > 2.0)


def test_a_not_of_a_traced_value_computed_with_as_an_int_is_an_error():
    assert not_computed_with_as_an_int(F(-1.0))[0] == 2  # Python's `not` gives an int's bool
    with pytest.raises(autocond.errors.StagingError, match=(
            f"`not` at .*test_python_state.py:{line_of(not_computed_with_as_an_int, 'q = not')} gives a "
            "Python bool in Python, but its operand is traced, so it gives a bool array here, and the "
            f"function computes with it as an int at .*:{line_of(not_computed_with_as_an_int, 'return')}")):
        autocond.jit(not_computed_with_as_an_int)(F(-1.0))


def not_joined_then_computed_with_as_an_int(x, v):
    q = (0.0 < 0.5 < 0.3) | (not jnp.all(v > 0.0))  # a Python bool: `False | True`
    return jnp.tanh(x * jnp.int32(q + q))


def test_a_not_joined_by_a_bool_operator_computed_with_as_an_int_is_an_error():
    # Found by the property tests: `q + q` gave 1 where Python gives 2.
    fn = not_joined_then_computed_with_as_an_int
    assert fn(F(1.0), jnp.zeros(3)) == jnp.tanh(2.0)
    with pytest.raises(autocond.errors.StagingError, match=(
            f"`not` at .*:{line_of(fn, 'q = (')} gives a Python bool in Python.*computes with it as "
            f"an int at .*:{line_of(fn, 'return')}")):
        autocond.jit(fn)(F(1.0), jnp.zeros(3))


def not_assigned_after_the_name_is_computed_with_as_an_int(x, v):
    q = x > 0.0
    y = jnp.cos(x - v[jnp.int32(q + q) % 3])  # reads the comparison, not the `not`
    q = (y > -1.2) | (not q)
    if x > 1.0:
        r = not (y > 0.0)
    else:
        r = x > 2.0
        y = y + jnp.int32(r + r)  # the other branch's `r`
    return y, q, r


@pytest.mark.parametrize("x", [-1.0, 0.5, 1.5, 2.5])
def test_a_not_assigned_where_no_run_reaches_the_int_computation_is_python_s(x):
    # Found by the property tests: the `not` was an error for an int computation on the
    # name's earlier value.
    assert_matches_python(not_assigned_after_the_name_is_computed_with_as_an_int, F(x), jnp.arange(3.0))


def not_counted_on_the_next_iteration(x, n):
    q = x > 0.0
    total = 0
    for i in range(n):
        total = total + jnp.int32(q + q)
        q = not (x > i)
    return total


def test_a_not_a_loop_carries_back_to_an_int_computation_is_an_error():
    fn = not_counted_on_the_next_iteration
    with pytest.raises(autocond.errors.StagingError, match=(
            f"`not` at .*:{line_of(fn, 'q = not')} gives a Python bool in Python.*computes with it as "
            f"an int at .*:{line_of(fn, 'total = total +')}")):
        autocond.jit(fn)(F(1.0), I32(3))


def not_as_a_test_or_count(x, n):
    done = not (x > 0.0)
    total = 0
    for i in range(n):
        total = total + (not x > i)
    return done, total, jnp.int32(not x > 1.0) + (not done) * 2


@pytest.mark.parametrize("x", [-1.0, 0.5, 2.5])
@pytest.mark.parametrize("n", [0, 1, 3])
def test_not_of_a_traced_value_tested_or_counted_as_python_does(x, n):
    assert_matches_python(not_as_a_test_or_count, F(x), I32(n))


def bool_carried_by_a_while(x, n):
    q = True
    k = 0
    while k < n:
        q = x > k
        k += 1
    return ~q


def test_a_python_bool_a_traced_loop_carries_computed_with_as_an_int_is_an_error():
    with pytest.raises(autocond.errors.StagingError, match=(
            "`q` is the Python bool True before the loop, a bool array after one iteration \\(the traced "
            f"`while` loop at .*:{line_of(bool_carried_by_a_while, 'while k')}\\); it is assigned by "
            f"`q = x > k` at .*:{line_of(bool_carried_by_a_while, 'q = x > k')}, and the function computes "
            f"with it as an int at .*:{line_of(bool_carried_by_a_while, 'return')}")):
        autocond.jit(bool_carried_by_a_while)(F(1.0), I32(2))


def bool_arrays_added(x, n):
    q = x > 3
    if x > 5:
        q = x > 7
    for i in range(n):
        q = q + (x > i)
    return q + q


@pytest.mark.parametrize("x", [2.0, 4.0, 6.0, 8.0])
@pytest.mark.parametrize("n", [0, 1, 3])
def test_bool_arrays_on_every_path_add_as_jax_adds_them(x, n):
    assert_matches_python(bool_arrays_added, F(x), I32(n))


def python_flags_counted(x, n):
    found = False
    total = 0
    for i in range(n):
        if x > i:
            found = True
        total = total + found  # an int plus a bool: the same for a bool array
    return total, 1 - found, found * 3, found


@pytest.mark.parametrize("x", [-1.0, 0.5, 2.5])
@pytest.mark.parametrize("n", [0, 1, 4])
def test_python_flags_a_traced_if_makes_bool_arrays_count_as_python_counts(x, n):
    assert_matches_python(python_flags_counted, F(x), I32(n))


def test_python_flags_counted_under_vmap():
    assert_vmap_matches_python(python_flags_counted, [F(-1.0), F(0.5), F(2.5)], [I32(0), I32(1), I32(4)])


def negative_powers(x, n):
    a = x
    for i in range(n):
        a = a + 0.5 * 2 ** -i
    return a


def test_a_negative_power_of_a_traced_range_index_is_an_error():
    assert negative_powers(0.5, 3) == 1.375
    assert_matches_python(negative_powers, F(0.5), 3, static_argnames=("n",))  # static: unrolled
    with pytest.raises(autocond.errors.StagingError, match=(
            "The body of the traced `for` loop at .*test_python_state.py:.* computes with the loop index "
            "in a way Python's ints would not \\(a negative power such as `2 \\*\\* -i`")):
        autocond.jit(negative_powers)(F(0.5), I32(3))


def float_powers(x, n):
    a = x
    for i in range(n):
        a = a + 0.5 * 2.0 ** -i + i // 2
    return a


@pytest.mark.parametrize("n", [0, 1, 4])
def test_float_powers_and_floor_division_of_a_traced_range_index(n):
    assert_matches_python(float_powers, F(0.5), I32(n))


def negative_powers_of_a_counter(x, n):
    a = x
    k = 0
    while k < n:
        a = a + 0.5 * 2 ** -k
        k += 1
    return a


def negative_powers_of_an_int_a_traced_range_carries(x, n):
    a = x
    k = 1
    for _ in range(n):
        a = a + 2 ** -k
        k = k + 1
    return a


@pytest.mark.parametrize("fn, what", [
    (negative_powers_of_a_counter, "`k`"),
    (negative_powers_of_an_int_a_traced_range_carries, "the loop index or `k`"),
])
def test_a_negative_power_of_an_int_a_traced_loop_carries_is_an_error(fn, what):
    assert negative_powers_of_a_counter(0.5, 3) == 1.375  # Python's ints: float powers
    line = line_of(fn, "while" if fn is negative_powers_of_a_counter else "for _")
    with pytest.raises(autocond.errors.StagingError, match=(
            f"The body of the traced `(while|for)` loop at .*test_python_state.py:{line} computes with "
            f"{what} in a way Python's ints would not")):
        autocond.jit(fn)(F(0.5), I32(3))


def powers_of_a_counter(x, n):
    a = x
    k = 0
    while k < n:
        a = a + 0.5 * 2 ** k + k // 2 - (k * k) % 3
        k += 1
    return a, k


@pytest.mark.parametrize("n", [0, 1, 5])
def test_nonnegative_powers_and_floor_division_of_a_counter(n):
    assert_matches_python(powers_of_a_counter, F(0.5), I32(n))


def attribute_read_in_loop_else(x, n):
    o = Holder()
    o.k = n
    while x > 0.0:
        x = x - 1
        o.k = (o.k + 1) % 7
    else:
        seen = o.k  # the loop's value, already stored back (found by the property tests)
    return seen, o.k


@pytest.mark.parametrize("x", [-1.0, 0.5, 3.0])
def test_an_attribute_a_traced_loop_carries_read_in_its_else(x):
    assert_matches_python(attribute_read_in_loop_else, F(x), I32(2))


def attribute_after_a_return(x, n):
    o = Holder()
    o.k = n
    if x > 0:
        return x, o.k
    o.k = o.k + 1  # under the `if` guarding what follows the `return` (found by the property tests)
    return x, o.k


@pytest.mark.parametrize("x", [1.0, -1.0])
def test_an_attribute_assigned_after_a_traced_return(x):
    assert_matches_python(attribute_after_a_return, F(x), I32(2))


# --- under jax.grad --------------------------------------------------------------------------


@pytest.mark.parametrize("fn, args", [
    (closure_defined_in_the_body, (F(2.0), 3)),
    (counted_in_range, (F(1.0),)),
    (attribute_counted_in_loop, (F(2.5),)),
    (closure_in_branch, (F(2.0),)),
], ids=["closure-in-body", "nonlocal-counter", "attribute", "closure-in-branch"])
def test_gradients_match_python(fn, args):
    def total(f):
        return lambda x: sum(jnp.sum(jnp.asarray(r, F)) for r in jax.tree_util.tree_leaves(f(x, *args[1:])))

    want = jax.grad(total(fn))(args[0])
    assert_same(want, jax.grad(total(autocond.convert(fn, max_trips=10)))(args[0]))


def bool_passed_through(x, n):
    q = n > 2
    k = 0
    while (k < 3) & (x > 0.0):
        q = q
        k = k + 1
    return q


@pytest.mark.parametrize("n", [0, 5])
def test_a_python_bool_a_traced_loop_leaves_unchanged_stays_a_bool(n):
    # Found by the property tests: carried as an int, it came back as one.
    assert_same(jnp.asarray(bool_passed_through(F(1.0), n)),
                autocond.jit(bool_passed_through, static_argnames="n")(F(1.0), n=n))
    assert bool_passed_through(F(1.0), n) is autocond.convert(bool_passed_through)(F(1.0), n)


def return_from_a_while_whose_test_calls(x):
    calls = 0

    def bump():
        nonlocal calls
        calls += 1

    k = 0
    while (k < 3) & (jnp.sum(x) < 0.0):  # a call in the test, and closures that assign
        if True:
            return x, calls
        k = k + 1
    bump()
    return x, calls


@pytest.mark.parametrize("x", [-1.0, 1.0])
def test_a_return_from_a_while_whose_test_gives_back_state(x):
    # Found by the property tests: the flag set on a static path made the test's value an int.
    assert_matches_python(return_from_a_while_whose_test_calls, F(x))


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
