"""Semantics of converted `while` and `for ... in range` loops: plain Python is the oracle."""

from __future__ import annotations

import collections
import dataclasses

import jax
import jax.extend.core
import jax.numpy as jnp
import numpy as np
import pytest

import autocond
from autocond.operators import staging
from autocond.operators.loops import _UNROLLED_TRIPS
from tests.support import assert_matches_python, assert_same, primitives

F = jnp.float32
I32 = jnp.int32



# --- while ---------------------------------------------------------------------------------------


def while_counter(x, n):
    i = 0
    while i < n:
        x = x * 0.5 + i
        i = i + 1
    return x, i


@pytest.mark.parametrize("n", [0, 1, 6])
def test_while_traced_condition(n):
    assert_matches_python(while_counter, F(3.0), I32(n))


@pytest.mark.parametrize("n", [0, 1, 6])
def test_while_static_condition(n):
    assert_matches_python(while_counter, F(3.0), n, static_argnames=("n",))


def while_on_value(x):
    steps = 0
    while x < 100:
        x = x * 3 + 1
        steps += 1
    return x, steps


@pytest.mark.parametrize("x", [500.0, 50.0, 1.0])  # zero, one, many iterations
def test_while_condition_on_carried_value(x):
    assert_matches_python(while_on_value, F(x))


def test_a_traced_while_test_is_computed_only_by_the_loop():
    jaxpr = jax.make_jaxpr(autocond.convert(while_on_value))(F(1.0)).jaxpr
    assert [e.primitive.name for e in jaxpr.eqns] == ["while"]


def while_python_numbers_promoted(x, n):
    total = 0
    scale = 1
    i = 0
    while i < n:
        total = total + x * scale
        scale = scale * 2
        i += 1
    return total, scale, i


@pytest.mark.parametrize("n", [0, 1, 4])
def test_while_carries_python_numbers(n):
    # `total` starts as a Python int and becomes float32; under jit all three are arrays.
    assert_matches_python(while_python_numbers_promoted, F(1.5), I32(n))


def while_condition_becomes_traced(x):
    scale = 8.0
    while scale > 1:  # a Python float at first, traced after one iteration under jit
        scale = scale / x
        x = x + 1
    return x, scale


@pytest.mark.parametrize("x", [0.5, 1.5, 9.0])
def test_while_condition_static_then_traced(x):
    assert_matches_python(while_condition_becomes_traced, F(x))


def while_condition_never_true(x):
    scale = 0.5
    while scale > 1:
        scale = scale / x
        x = x + 1
    return x, scale


def test_while_static_false_condition_runs_nothing():
    assert_matches_python(while_condition_never_true, F(2.0))


def while_with_if(x, n):
    i = 0
    evens = jnp.zeros(())
    while i < n:
        if i % 2 == 0:
            evens = evens + x
        else:
            x = x * 2
        i += 1
    return x, evens


@pytest.mark.parametrize("n", [0, 1, 5])
def test_if_inside_while(n):
    assert_matches_python(while_with_if, F(1.5), I32(n))


def while_pytree_state(state, n):
    i = 0
    while i < n:
        a, b = state["pair"]
        state = {"pair": (b, a + b), "count": state["count"] + 1}
        i += 1
    return state


@pytest.mark.parametrize("n", [0, 3])
def test_while_carries_a_pytree(n):
    state = {"pair": (F(0.0), F(1.0)), "count": I32(0)}
    assert_matches_python(while_pytree_state, state, I32(n))


# --- for over range ------------------------------------------------------------------------------


def range_one_arg(x, n):
    for i in range(n):
        x = x * 0.5 + i
    return x


def range_two_args(x, start, stop):
    for i in range(start, stop):
        x = x * 0.5 + i
    return x


def range_three_args(x, start, stop, step):
    for i in range(start, stop, step):
        x = x * 0.5 + i
    return x


@pytest.mark.parametrize("n", [0, 1, 7])
def test_range_one_arg_traced(n):
    assert_matches_python(range_one_arg, F(2.0), I32(n))


@pytest.mark.parametrize("n", [0, 1, 7, -2])
def test_range_one_arg_static(n):
    assert_matches_python(range_one_arg, F(2.0), n, static_argnames=("n",))


TWO_ARGS = [(2, 7), (5, 5), (3, 4), (7, 2), (-3, 2)]


@pytest.mark.parametrize("start, stop", TWO_ARGS)
def test_range_two_args_traced(start, stop):
    assert_matches_python(range_two_args, F(2.0), I32(start), I32(stop))


@pytest.mark.parametrize("start, stop", TWO_ARGS)
def test_range_two_args_static(start, stop):
    assert_matches_python(range_two_args, F(2.0), start, stop, static_argnames=("start", "stop"))


THREE_ARGS = [
    (0, 10, 3),  # many, last step overshoots
    (10, 0, -3),  # negative step
    (10, 0, -1),
    (0, 10, -1),  # empty: wrong direction
    (5, -5, -4),
    (3, 4, 5),  # one iteration
    (4, 4, -2),  # empty
]


@pytest.mark.parametrize("start, stop, step", THREE_ARGS)
def test_range_three_args_traced(start, stop, step):
    assert_matches_python(range_three_args, F(2.0), I32(start), I32(stop), I32(step))


@pytest.mark.parametrize("start, stop, step", THREE_ARGS)
def test_range_three_args_static(start, stop, step):
    assert_matches_python(
        range_three_args, F(2.0), start, stop, step, static_argnames=("start", "stop", "step")
    )


@pytest.mark.parametrize("step", [2, -2])
def test_range_traced_bounds_static_step(step):
    # Only the step is a Python int; the bounds are traced.
    start, stop = (1, 9) if step > 0 else (9, 1)
    want = range_three_args(F(2.0), I32(start), I32(stop), step)
    fn = autocond.jit(range_three_args, static_argnames=("step",))
    assert_same(want, fn(F(2.0), I32(start), I32(stop), step))


def range_static_with_traced_state(x):
    for i in range(5):
        x = jnp.sin(x) + i
    return x


def test_range_static_traced_state():
    assert_matches_python(range_static_with_traced_state, F(0.3))


def range_indexes_python_list(x):
    coeffs = [1.0, -2.0, 3.0, 0.5]
    for i in range(4):
        x = x * coeffs[i] + i
    return x


def test_range_static_body_indexes_python_list():
    # The body needs a concrete index: the loop must be unrolled and still be right.
    assert_matches_python(range_indexes_python_list, F(1.25))


def range_index_negative_power(x):
    for i in range(3):
        x = x + 2**-i  # Python: 1 + 0.5 + 0.25
    return x


def range_index_large_product(x):
    for i in range(4):
        x = x + (i * 1_000_000_000) / 1e9  # Python ints do not overflow
    return x


@pytest.mark.parametrize("fn", [range_index_negative_power, range_index_large_product])
def test_range_static_index_keeps_python_int_arithmetic(fn):
    assert_matches_python(fn, F(0.0))


def range_python_number_state(x):
    s = 0
    p = 1.0
    for i in range(1, 6):
        s = s + i * i
        p = p * i
    return x + s, s, p


def test_range_static_python_number_state():
    want = assert_matches_python(range_python_number_state, F(0.5))
    assert type(want[1]) is int


def range_appends_to_list(x):
    out = []
    for i in range(3):
        x = x + i
        out.append(x)
    return out


def test_range_body_appends_to_list():
    assert_matches_python(range_appends_to_list, F(1.0))


def target_read_after_loop(x, n):
    i = -1
    for i in range(n):
        x = x + i
    return x, i


@pytest.mark.parametrize("n", [0, 1, 4])
def test_for_target_read_after_loop_traced(n):
    assert_matches_python(target_read_after_loop, F(1.0), I32(n))


@pytest.mark.parametrize("n", [0, 1, 4])
def test_for_target_read_after_loop_static(n):
    assert_matches_python(target_read_after_loop, F(1.0), n, static_argnames=("n",))


def for_else_without_break(x, n):
    for i in range(n):
        x = x + i
    else:
        x = x * 10
    return x


@pytest.mark.parametrize("n", [0, 3])
def test_for_else_without_break_traced(n):
    assert_matches_python(for_else_without_break, F(1.0), I32(n))


@pytest.mark.parametrize("n", [0, 3])
def test_for_else_without_break_static(n):
    assert_matches_python(for_else_without_break, F(1.0), n, static_argnames=("n",))


def if_inside_for(x, n):
    for i in range(n):
        if x > 4:
            x = x - 3
        else:
            x = x * 2 + i
    return x


@pytest.mark.parametrize("n", [0, 1, 6])
def test_if_inside_for_traced(n):
    assert_matches_python(if_inside_for, F(1.0), I32(n))


def test_if_inside_static_for():
    assert_matches_python(if_inside_for, F(1.0), 6, static_argnames=("n",))


# --- nesting -------------------------------------------------------------------------------------


def while_in_for(x, n, limit):
    for i in range(n):
        while x < limit:
            x = x * 2
        x = x - limit + i
    return x


@pytest.mark.parametrize("n", [0, 1, 4])
def test_while_nested_in_for(n):
    assert_matches_python(while_in_for, F(1.0), I32(n), F(10.0))


def test_while_nested_in_static_for():
    assert_matches_python(while_in_for, F(1.0), 4, F(10.0), static_argnames=("n",))


def for_in_while(x, n):
    total = jnp.zeros((), jnp.int32)
    while total < n:
        for j in range(total + 1):
            x = x * 0.5 + j
        total = total + 2
    return x, total


@pytest.mark.parametrize("n", [0, 1, 7])
def test_for_nested_in_while(n):
    assert_matches_python(for_in_while, F(1.0), I32(n))


def nested_ranges(x, n, m):
    for i in range(n):
        for j in range(i, m):
            x = x * 0.9 + i * j
    return x


@pytest.mark.parametrize("n, m", [(0, 3), (3, 0), (3, 4)])
def test_nested_ranges_traced(n, m):
    assert_matches_python(nested_ranges, F(1.0), I32(n), I32(m))


# --- the staged program --------------------------------------------------------------------------


def test_traced_while_gives_one_while():
    jaxpr = jax.make_jaxpr(autocond.convert(while_counter))(F(1.0), I32(3)).jaxpr
    assert [e.primitive.name for e in jaxpr.eqns].count("while") == 1
    assert primitives(jaxpr).count("while") == 1


def test_traced_range_gives_one_while():
    jaxpr = jax.make_jaxpr(autocond.convert(range_two_args))(F(1.0), I32(0), I32(3)).jaxpr
    assert primitives(jaxpr).count("while") == 1


def static_range_n(x, n):
    for i in range(n):
        x = jnp.sin(x) + i
    return x


def test_static_range_jaxpr_size_does_not_grow_with_n():
    def jaxpr_for(n):
        return jax.make_jaxpr(autocond.convert(static_range_n), static_argnums=(1,))(F(0.5), n).jaxpr

    small, large = jaxpr_for(10), jaxpr_for(1000)
    assert len(small.eqns) == len(large.eqns)
    assert primitives(small) == primitives(large)
    loops = [e.primitive.name for e in large.eqns if e.primitive.name in ("scan", "while")]
    assert len(loops) == 1
    assert primitives(large).count("sin") == 1


def test_static_range_large_n_matches_python():
    assert_matches_python(static_range_n, F(0.5), 300, static_argnames=("n",))


def carrying_nothing(x, n):
    for _ in range(n):
        y = x  # noqa: F841 (read by nothing: the loop carries no variable)
    return x


@pytest.mark.parametrize("n", [0, 1, 6])
def test_a_traced_loop_carrying_no_variable(n):
    # Found by the property tests: the loop's counter was then its only, bare, variable.
    assert_matches_python(carrying_nothing, F(2.0), I32(n))


def loop_in_a_branch_of_a_short_loop(x):
    s = jnp.zeros(3)
    for _ in range(3):
        if x[0] > 0:
            for j in range(6):
                s = s + x * j
    return s


def test_a_short_loop_running_a_loop_in_a_branch_rolls():
    jaxpr = jax.make_jaxpr(autocond.convert(loop_in_a_branch_of_a_short_loop))(jnp.ones(3)).jaxpr
    assert [e.primitive.name for e in jaxpr.eqns].count("scan") == 1
    assert_matches_python(loop_in_a_branch_of_a_short_loop, jnp.ones(3))
    assert_matches_python(loop_in_a_branch_of_a_short_loop, -jnp.ones(3))


def two_scalars_multiplied(x):
    a = 1.0
    b = 1.0
    t = 0.0
    for _ in range(6):
        t = t + jnp.sum(a * b)  # broadcast, both would make the sum count each element
        a = a + x
        b = b + x
    return a, b, t


def scalar_accumulated_in_a_while(x, n):
    acc = 0.0
    i = 0
    while i < n:  # run zero times, it leaves the Python float
        acc = acc + x
        i += 1
    return acc


def scalar_accumulated_over_a_traced_range(x, n):
    acc = 0.0
    for _ in range(n):
        acc = acc + x
    return acc


def last_index(x):
    last = 0
    for i in range(10):
        x = x + 1.0
        last = i  # the counter itself, carried out
    return x, last


@pytest.mark.parametrize("fn, args", [
    (two_scalars_multiplied, (jnp.ones(3),)),
    (last_index, (jnp.ones(3),)),
])
def test_found_in_review_scalars_and_counters(fn, args):
    assert_matches_python(fn, *args)


@pytest.mark.parametrize("fn", [scalar_accumulated_in_a_while, scalar_accumulated_over_a_traced_range])
def test_a_scalar_a_loop_that_may_run_zero_times_makes_an_array_is_an_error(fn):
    assert fn(jnp.ones(3), 0) == 0.0
    with pytest.raises(autocond.errors.StagingError, match="`acc` has a different shape in the traced"):
        autocond.jit(fn)(jnp.ones(3), I32(0))


def python_float_accumulator(x, n):
    acc = 0.0  # the body makes it an array of x's shape
    for i in range(n):
        acc = acc + jnp.sin(x * i)
    return acc


def python_int_counter(x, n):
    k = 0  # a traced `if` makes it an array
    for i in range(n):
        if jnp.sum(x) > i:
            k = k + 1
    return k


def python_number_nest(x, n):
    s = 0.0
    for i in range(n):
        for j in range(n):
            for k in range(n):
                s = s + jnp.sin(x * (i + 2 * j + 3 * k))
    return s


def episode_reward(x, n):
    total = 0.0
    done = False  # a traced flag from the first iteration on: `total` is an array from the second
    for _ in range(n):
        x = x * 1.5
        if not done:
            total += 1.0
        done = done | (jnp.sum(x) > 20.0)
    return total, done


@pytest.mark.parametrize("fn, sizes", [(python_float_accumulator, (10, 1000)),
                                       (python_int_counter, (10, 1000)),
                                       (python_number_nest, (5, 10)),
                                       (episode_reward, (10, 1000))])
def test_python_numbers_the_body_makes_arrays_roll(fn, sizes):
    def jaxpr_for(n):
        return jax.make_jaxpr(autocond.convert(fn), static_argnums=(1,))(jnp.arange(3.0), n).jaxpr

    small, large = map(jaxpr_for, sizes)
    assert primitives(small) == primitives(large)
    assert "scan" in primitives(large)


@pytest.mark.parametrize("fn", [python_float_accumulator, python_int_counter, python_number_nest,
                                episode_reward])
@pytest.mark.parametrize("n", [0, 1, 2, 5])
def test_python_numbers_the_body_makes_arrays_match_python(fn, n):
    assert_matches_python(fn, jnp.arange(3.0), n, static_argnames=("n",))
    assert_matches_python(fn, F(0.5), n, static_argnames=("n",))


def test_python_numbers_the_body_makes_arrays_are_broadcast_not_run_first():
    # Each loop is one `scan` over one copy of its body: `s` is carried broadcast to x's shape.
    jaxpr = jax.make_jaxpr(autocond.convert(python_number_nest), static_argnums=(1,))(jnp.arange(3.0), 5)
    assert primitives(jaxpr.jaxpr).count("scan") == 3 and primitives(jaxpr.jaxpr).count("sin") == 1


def python_number_nest_four_deep(x, n):
    s = 0.0
    for i in range(n):
        for j in range(n):
            for k in range(n):
                for m in range(n):
                    s = s + jnp.sin(x * (i + 2 * j + 3 * k + 4 * m))
    return s


def loop_traces(fn, monkeypatch, *args) -> list[int]:
    """How many times each traced loop of `fn(x, *args)` traces its body, outermost first."""
    traces = collections.Counter()
    trace = staging.trace

    def counted(fn, avals, where, carried=frozenset()):
        traces[where] += 1
        return trace(fn, avals, where, carried)

    with monkeypatch.context() as patched:
        patched.setattr(staging, "trace", counted)
        converted = autocond.convert(fn)
        jax.make_jaxpr(lambda x: converted(x, *args))(jnp.arange(3.0))  # a new function: no cached trace
    return [count for where, count in traces.items() if " loop at " in where]


def python_float_through_custom_derivatives(x, n):
    acc = 0.0  # `relu` and `softplus` are `custom_jvp` calls: bound again with their rules
    for i in range(n):
        acc = acc + jax.nn.relu(x - i) + jax.nn.softplus(x) * 0.5
    return acc


@pytest.mark.parametrize("fn, depth", [(python_float_accumulator, 1), (python_number_nest, 3),
                                       (python_number_nest_four_deep, 4),
                                       (python_float_through_custom_derivatives, 1)])
def test_a_loop_broadcasting_a_number_traces_its_body_again(fn, depth, monkeypatch):
    # With `s` a scalar, then broadcast (its Python may read the shape: not retyped); the
    # loops inside a trace with `s` broadcast are traced once.
    assert loop_traces(fn, monkeypatch, 5) == list(range(2, depth + 2))
    jaxpr = jax.make_jaxpr(autocond.convert(fn), static_argnums=(1,))(jnp.arange(3.0), 5).jaxpr
    assert primitives(jaxpr).count("scan") == depth  # rolled
    assert_matches_python(fn, jnp.arange(3.0), 5, static_argnames=("n",))


def floor_of_a_number_made_a_float(y):
    x = 0  # a Python int the body makes a float: `jnp.floor` of the int was no equation
    acc = y * 0
    for _ in range(10):
        acc = acc + jnp.floor(x)
        x = x + y
    return acc, x


def shape_read_by_python(y):
    x = 1.0  # a scalar the body makes an array: Python reads its shape
    acc = y * 0
    for _ in range(6):
        if jnp.ndim(x) == 0:
            acc = acc + x + x
        else:
            acc = acc + x * x
        x = x + y
    return acc, x


@pytest.mark.parametrize("fn, y", [(floor_of_a_number_made_a_float, F(0.7)),
                                   (shape_read_by_python, jnp.arange(3.0) + 1)])
def test_types_python_reads_are_traced_again_not_retyped(fn, y):
    # Found in review: bound again on the float (the array), the jaxpr kept the int's (the
    # scalar's) Python choices.
    assert_matches_python(fn, y)


def python_type_asked(y):
    x = 0.0
    for _ in range(6):
        if isinstance(x, float):  # stays True in Python: `x` never meets `y`
            x = x + 1.0
        else:
            x = x + y
        y = y * 1
    return x, y


def test_a_body_asking_for_types_keeps_its_python_numbers_python():
    # Found in review: rolled from the start, `isinstance` saw arrays (a traced loop's body
    # sees the Python numbers it carries as arrays: a static range of them is unrolled).
    assert_matches_python(python_type_asked, F(2.0))


def python_number_meeting_dtypes(x, n, start):
    acc = start  # bound again on its new type, the jaxpr must give the type a new trace gives
    for i in range(n):
        acc = acc * 0.5 + x * i
        acc = acc + jnp.sum(acc)
    return acc


@pytest.mark.parametrize("dtype", [jnp.bfloat16, jnp.float16, jnp.float32, jnp.int32, jnp.uint8])
@pytest.mark.parametrize("start", [0, 0.25, True])
def test_python_numbers_promoted_to_the_types_python_gives(dtype, start):
    x = jnp.arange(3).astype(dtype)
    assert_matches_python(python_float_accumulator, x, 6, static_argnames=("n",))
    assert_matches_python(python_number_meeting_dtypes, x, 6, start, static_argnames=("n", "start"))


def steps_past_a_float64_bound(dt):
    t = 1.0
    n = dt * 0
    while t < 1.0 + 1e-8:  # true of the Python float, false of the float32 the loop carries
        t = t + dt
        n = n + 1
    return t, n


def steps_while_a_python_float(dt):
    t = 0.0
    n = dt * 0
    while isinstance(t, float):  # true once: `t` is then an array
        t = t + dt
        n = n + 1
    return t, n


@pytest.mark.parametrize("fn", [steps_past_a_float64_bound, steps_while_a_python_float])
def test_a_while_rolls_from_the_start_only_if_its_first_test_holds_there(fn):
    # Found in review: rolled from the start, the body ran no time.
    assert_matches_python(fn, F(1.0))


def adaptive_steps(y):
    t = 0.0
    dt = 0.1  # made strong by the `clip`; so `t` then, through the `if`
    while t < 1.0:
        err = jnp.max(jnp.abs(y)) * dt
        if err < 0.5:
            y = y * (1.0 - dt)
            t = t + dt
        dt = dt * jnp.clip(0.3 / (err + 1e-3), 0.2, 5.0)
    return y, t


def test_a_while_whose_types_change_twice_is_traced_once(monkeypatch):
    # `dt`, then `t`, become strong: the jaxpr is bound again twice, its `cond`'s branches too.
    assert loop_traces(adaptive_steps, monkeypatch) == [1]
    for y in (0.5, 3.0, 40.0):
        assert_matches_python(adaptive_steps, y * jnp.arange(1.0, 4.0))


def first_index_above(x, n):
    for i in range(n):
        for j in range(n):
            if x[0] * i - j > 3.0:
                return x * i - j  # unbound before the loops: its type is that of the first trace
    return -x


def test_a_loop_returning_a_value_unbound_before_it_is_traced_once(monkeypatch):
    assert loop_traces(first_index_above, monkeypatch, 6) == [1, 1]
    for x in (-1.0, 0.5, 2.0, 9.0):  # never, late, early, at once
        assert_matches_python(first_index_above, x + jnp.arange(3.0), 6, static_argnames=("n",))
        assert_matches_python(first_index_above, x + jnp.arange(3.0), I32(6))


def power_inside_a_loop_with_a_break(x, n):
    for i in range(n):
        for j in range(n):
            if x[0] > j + 2.0:
                break
            x = x + 2 ** (i - 3)  # a float for i < 3: the index's arithmetic read in the inner `while`
    return x


def count_up_to_the_index(x):
    acc = x * 0
    for i in range(8):
        n = 0
        while n < i:  # `n` is as large as the index: Python's ints do not overflow
            n = n + 1
        acc = acc + (n * 1000000000) % 7
    return acc


def start_at_the_index(x):
    acc = x * 0
    for i in range(10):
        j = i * 100000000
        while j < 2000000000:
            j = j + 300000000
        acc = acc + j // 1000000
    return acc


@pytest.mark.parametrize("fn", [count_up_to_the_index, start_at_the_index])
def test_the_values_of_an_inner_while_the_index_reaches_are_python_s(fn):
    # Found in review: the carried values and results of the inner `while` were unchecked.
    assert_matches_python(fn, I32(0))


def test_the_index_arithmetic_inside_an_inner_while_is_python_s():
    for x in (-1.0, 3.5, 9.0):
        assert_matches_python(power_inside_a_loop_with_a_break, x + jnp.arange(3.0), 6,
                              static_argnames=("n",))


def python_number_nest_through_where(x, n):
    s = 0.0  # a weak type `jnp.where` makes strong: its body is traced again
    for i in range(n):
        for j in range(n):
            for k in range(n):
                s = jnp.where(x[0] > i + j - k, s + x[0] * k, s)
    return s


def test_loops_around_a_body_traced_again_are_not(monkeypatch):
    # The innermost body is traced again (`jnp.where`, a `jit`, may read the weak type it makes
    # strong); the jaxprs around it are bound again on the new type.
    assert loop_traces(python_number_nest_through_where, monkeypatch, 5) == [1, 1, 2]
    for x in (-1.0, 2.0, 9.0):
        assert_matches_python(python_number_nest_through_where, x + jnp.arange(3.0), 5,
                              static_argnames=("n",))


@pytest.mark.parametrize("n", [2, 3])
def test_short_loops_running_loops_roll(n):
    # Unrolled, the copies of inner loops would multiply: only the innermost short loop unrolls.
    jaxpr = jax.make_jaxpr(autocond.convert(python_number_nest), static_argnums=(1,))(jnp.arange(3.0), n)
    assert primitives(jaxpr.jaxpr).count("scan") == 2 and primitives(jaxpr.jaxpr).count("sin") == n
    assert_matches_python(python_number_nest, jnp.arange(3.0), n, static_argnames=("n",))


def python_number_summed(x, n):
    acc = 1.0  # broadcast first, the sum would count it three times
    for i in range(n):
        acc = jnp.sum(acc) + x * i
    return acc


def python_number_appended_first(x, n):
    acc = 1.0
    out = []
    for _ in range(n):
        out.append(acc * 2)  # a Python float first, then arrays
        acc = acc + x
    return acc, out


def python_number_maximum(x, n):
    acc = 2.0
    for i in range(n):
        acc = jnp.where(acc > x * i, acc * 0.5, jnp.maximum(acc, x - i))
    return acc


def python_number_running_mean(x, n):
    mean = 0.0
    for k in range(n):
        mean = mean + (x * k - mean) / (k + 1)
    return mean


@pytest.mark.parametrize("fn", [python_number_summed, python_number_appended_first, python_number_maximum,
                                python_number_running_mean])
@pytest.mark.parametrize("n", [0, 1, 2, 5, 6])
def test_python_numbers_the_body_makes_arrays_of_another_shape_match_python(fn, n):
    assert_matches_python(fn, jnp.arange(3.0), n, static_argnames=("n",))


def python_count_beside_an_array(x):
    count = 0
    for _ in range(4):
        count += 1  # nothing traced: stays the Python int 4
        x = x * 2
    return x, jnp.zeros(count)


def test_a_python_count_beside_a_traced_array_stays_python():
    assert_matches_python(python_count_beside_an_array, F(1.0))


def python_count_beside_a_rolled_array(x, n):
    count = 0
    for _ in range(n):
        count += 2  # nothing traced: stays a Python int, and the loop is unrolled
        x = x * 2
    return x, jnp.zeros(count)


@pytest.mark.parametrize("n", [0, 1, 5, 10])
def test_a_python_count_beside_an_array_keeps_a_long_loop_unrolled(n):
    assert_matches_python(python_count_beside_a_rolled_array, F(1.0), n, static_argnames=("n",))


def test_a_flag_traced_from_the_first_iteration_rolls_the_whole_loop():
    # `done` is traced after one iteration, and `total` then: no iteration runs first as Python.
    jaxpr = jax.make_jaxpr(autocond.convert(episode_reward), static_argnums=(1,))(jnp.arange(3.0), 10).jaxpr
    assert [e.primitive.name for e in jaxpr.eqns] == ["scan"]


def set_once(x, n):
    started = False
    for i in range(n):
        if started:  # a Python bool, False on the first iteration only: run first as Python
            x = x * 0.5 + i
        started = True
    return x, started


@pytest.mark.parametrize("n", [0, 1, 2, 5, 10])
def test_a_python_flag_set_to_a_constant_runs_one_iteration_first(n):
    assert_matches_python(set_once, jnp.arange(3.0), n, static_argnames=("n",))
    if n > _UNROLLED_TRIPS:
        jaxpr = jax.make_jaxpr(autocond.convert(set_once), static_argnums=(1,))(jnp.arange(3.0), n).jaxpr
        assert [e.primitive.name for e in jaxpr.eqns] == ["scan"] and primitives(jaxpr).count("mul") == 1


# --- loops kept as plain Python ------------------------------------------------------------------


def while_appending(x, n):
    seen = []
    i = 0
    while i < n:
        seen.append(i)
        x = x + 1
        i += 1
    return x, seen


def test_loop_appending_with_a_traced_trip_count_is_an_error():
    assert_matches_python(while_appending, F(0.0), 3, static_argnames=("n",))
    with pytest.raises(autocond.errors.StagingError, match="`seen` grows by one item per iteration"):
        autocond.jit(while_appending)(F(0.0), I32(3))


# --- variables first assigned inside a traced loop ------------------------------------------------


def first_assigned_in_for(x, n):
    for i in range(n):
        y = x + i
    return y


def first_assigned_in_while(x, n):
    i = 0
    while i < n:
        y = x * i
        i += 1
    return y, i


def first_assigned_in_inner_loop(x, n, m):
    for i in range(n):
        for j in range(m):
            y = x * i + j
    return y


def first_assigned_then_guarded(x, n):
    for i in range(n):
        y = x[i]
    if n > 0:
        x = x * y
    return x


def first_assigned_then_maybe_replaced(n, c):
    for i in range(n):
        y = i * 2.0
    if c > 0:
        y = -1.0
    return y


def first_assigned_then_carried(n, m):
    for i in range(n):
        y = i * 2.0
    total = 0.0
    for _ in range(m):
        total = total + y
    return total


def first_assigned_then_closure(n):
    for i in range(n):
        y = i * 2.0
    return (lambda: y + 1)()


@pytest.mark.parametrize("fn, args", [
    (first_assigned_in_for, (F(1.5), I32(1))),
    (first_assigned_in_for, (F(1.5), I32(4))),
    (first_assigned_in_while, (F(1.5), I32(1))),
    (first_assigned_in_while, (F(1.5), I32(4))),
    (first_assigned_in_inner_loop, (F(1.5), I32(3), I32(2))),
    (first_assigned_then_guarded, (jnp.arange(3.0), I32(0))),
    (first_assigned_then_guarded, (jnp.arange(1.0, 4.0), I32(3))),
    (first_assigned_then_maybe_replaced, (I32(0), I32(1))),
    (first_assigned_then_maybe_replaced, (I32(3), I32(0))),
    (first_assigned_then_maybe_replaced, (I32(3), I32(1))),
    (first_assigned_then_carried, (I32(0), I32(0))),
    (first_assigned_then_carried, (I32(3), I32(2))),
    (first_assigned_then_closure, (I32(2),)),
])
def test_variable_first_assigned_in_traced_loop(fn, args):
    """Bound after a loop that ran: its value from the last iteration, as in Python; a loop
    that ran zero times is fine as long as nothing reads the variable."""
    assert_matches_python(fn, *args)


@pytest.mark.parametrize("fn, args", [
    (first_assigned_in_for, (F(1.5), I32(0))),
    (first_assigned_in_while, (F(1.5), I32(0))),
    (first_assigned_in_inner_loop, (F(1.5), I32(3), I32(0))),
    (first_assigned_in_inner_loop, (F(1.5), I32(0), I32(2))),
    (first_assigned_then_maybe_replaced, (I32(0), I32(0))),
    (first_assigned_then_carried, (I32(0), I32(2))),
    (first_assigned_then_closure, (I32(0),)),
])
def test_reading_a_variable_whose_traced_loop_ran_zero_times_raises(fn, args):
    """Python raises `UnboundLocalError`; so does the converted function, eagerly, and under
    `jax.jit` the call fails at run time with the same message."""
    with pytest.raises(NameError, match="y"):  # UnboundLocalError; in a closure, NameError
        fn(*args)
    with pytest.raises(autocond.errors.UndefinedVariableError, match="`y` has no value"):
        autocond.convert(fn)(*args)
    with pytest.raises(jax.errors.JaxRuntimeError, match="`y` has no value at .* which ran zero times"):
        autocond.jit(fn)(*args)


def test_zero_iteration_check_under_vmap_is_per_element():
    batched = jax.jit(jax.vmap(autocond.convert(first_assigned_in_for), in_axes=(None, 0)))
    want = jnp.stack([first_assigned_in_for(F(1.5), n) for n in (1, 3)])
    assert_same(want, batched(F(1.5), jnp.array([1, 3], jnp.int32)))
    with pytest.raises(jax.errors.JaxRuntimeError, match="`y` has no value"):
        batched(F(1.5), jnp.array([1, 0], jnp.int32))


def loop_in_a_branch(x):
    if x > 0:
        while x < 10:  # for ever where x <= 0, which the `if` keeps out
            x = x * 2
    return x


def loop_in_a_case(k, x):
    match k:
        case 0:
            while x < 10:
                x = x * 2
        case 1:
            x = -x
    return x


def check_in_a_branch(x):
    if x > 0:
        assert x > 0, "reached where x <= 0"
        x = x * 2
    return x


@pytest.mark.parametrize("fn, options", [
    (loop_in_a_branch, {}),
    (loop_in_a_branch, {"max_trips": 10}),  # its run-time check must not fire either
    (loop_in_a_case, {}),
    (check_in_a_branch, {}),
])
@pytest.mark.parametrize("jit", [False, True])
def test_under_vmap_a_branch_neither_loops_nor_checks_for_the_elements_that_skip_it(fn, options, jit):
    # Found by the property tests: `vmap` runs every branch of a batched `lax.cond` for every
    # element, and the loop never ended (the check fired) for the elements of another branch.
    xs = jnp.array([-1.0, 0.0, 1.0, 3.0], F)
    args = (jnp.array([2, 1, 0, 0], I32), xs) if fn is loop_in_a_case else (xs,)
    batched = jax.vmap(autocond.convert(fn, **options))
    got = (jax.jit(batched) if jit else batched)(*args)
    assert_same(jnp.stack([fn(*row) for row in zip(*args)]), got)


def test_loop_that_runs_at_least_once_adds_no_check():
    def static_trips(x):
        for i in range(3):
            y = x * i + x
        return y

    assert_matches_python(static_trips, F(2.0))
    assert "debug_callback" not in primitives(jax.make_jaxpr(autocond.convert(static_trips))(F(2.0)).jaxpr)
    # Where the loop may run zero times, the one read has the check.
    jaxpr = jax.make_jaxpr(autocond.convert(first_assigned_in_for))(F(1.0), I32(3)).jaxpr
    assert primitives(jaxpr).count("debug_callback") == 1


# --- pytree state ---------------------------------------------------------------------------------

Particle = collections.namedtuple("Particle", "pos vel")


@jax.tree_util.register_dataclass
@dataclasses.dataclass
class Body:
    pos: jax.Array
    vel: jax.Array


def pytree_state(x, n):
    p = Particle(x, x * 0)
    b = Body(x, x * 0)
    for _ in range(n):
        if p.pos > 0:
            p = Particle(p.pos - 1.0, p.vel + 1)
            b = Body(b.pos - 1.0, b.vel + 1)
        else:
            p = p._replace(pos=p.pos + 0.5)
            b = dataclasses.replace(b, pos=b.pos + 0.5)
    return p, b


@pytest.mark.parametrize("n", [0, 1, 5])
def test_namedtuple_and_dataclass_state_in_branches_and_loops(n):
    assert_matches_python(pytree_state, F(2.0), I32(n))
    assert_matches_python(pytree_state, F(2.0), n, static_argnames=("n",))


# --- variables set on the first iteration and read on later ones -----------------------------


def doubled_after_the_first(x, n):
    for k in range(n):
        if k == 0:
            a = x
        else:
            a = a * 2 + x
    return a


def counted_after_the_first(x, n):
    i = 0
    while i < n:
        if i == 0:
            a = x
        else:
            a = a + 1
        i += 1
    return a


def set_first_by_a_flag(x):
    first = True
    y = 0.0
    while x > 0:
        if first:
            y = 0.0
            first = False
        else:
            y += x
        x = x - 1
    return y


@pytest.mark.parametrize("n", [1, 2, 7])
def test_a_variable_set_on_the_first_iteration_and_read_on_later_ones(n):
    for fn in (doubled_after_the_first, counted_after_the_first):
        assert_matches_python(fn, F(1.5), n, static_argnames=("n",))
        assert_matches_python(fn, F(1.5), jnp.int32(n))
    assert_matches_python(set_first_by_a_flag, F(n))
    got = jax.vmap(autocond.convert(doubled_after_the_first))(jnp.array([1.0, 2.0]), jnp.array([n, 1]))
    np.testing.assert_allclose(got, [doubled_after_the_first(1.0, n), doubled_after_the_first(2.0, 1)])


def test_a_static_range_runs_the_first_iteration_apart_and_rolls_the_rest():
    jaxpr = jax.make_jaxpr(autocond.convert(doubled_after_the_first), static_argnums=1)(F(1.0), 10).jaxpr
    assert primitives(jaxpr).count("scan") == 1 and primitives(jaxpr).count("mul") == 1


@pytest.mark.parametrize("fn", [doubled_after_the_first, counted_after_the_first])
def test_such_a_variable_after_a_loop_that_ran_zero_times_is_pythons_error_when_the_program_runs(fn):
    with pytest.raises(UnboundLocalError):
        fn(1.5, 0)
    error = r"`a` has no value at .* first assigned inside the traced `(for|while)` loop at .*, which ran"
    with pytest.raises(jax.errors.JaxRuntimeError, match=error):
        jax.block_until_ready(autocond.jit(fn)(F(1.5), jnp.int32(0)))


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
