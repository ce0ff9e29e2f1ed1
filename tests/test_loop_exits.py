"""`break` and `continue` in converted loops, compared with plain Python."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import pytest

import autocond
from tests.support import assert_matches_python, primitives

F = jnp.float32
I32 = jnp.int32


def break_at(x, n, stop_at):
    for i in range(n):
        if i == stop_at:
            break
        x = x * 2 + i
    return x


# With n = 5: the first iteration, a middle one, the last one, and never.
@pytest.mark.parametrize("stop_at", [0, 2, 4, 7])
def test_break_in_a_range_loop(stop_at):
    assert_matches_python(break_at, F(1.0), I32(5), I32(stop_at))  # traced bound and condition
    assert_matches_python(break_at, F(1.0), 5, stop_at, static_argnames=("n", "stop_at"))


@pytest.mark.parametrize("n", [0, 1])
def test_break_in_a_loop_of_zero_and_one_iterations(n):
    assert_matches_python(break_at, F(1.0), I32(n), I32(0))
    assert_matches_python(break_at, F(1.0), I32(n), I32(3))


def break_on_value(x, limit):
    steps = 0
    while True:
        x = x * 2.0
        steps = steps + 1
        if x > limit:
            break
    return x, steps


@pytest.mark.parametrize("x", [0.1, 3.0, 200.0])  # several iterations, a few, one
def test_while_true_with_break(x):
    assert_matches_python(break_on_value, F(x), F(100.0))


def skip_multiples(x, n, k):
    for i in range(n):
        if i % k == 0:
            continue
        x = x + i
    return x


@pytest.mark.parametrize("n", [0, 1, 7])
@pytest.mark.parametrize("k", [1, 2, 10])  # every iteration skipped, some, only the first
def test_continue_in_a_range_loop(n, k):
    assert_matches_python(skip_multiples, F(0.0), I32(n), I32(k))


def continue_in_while(x, n):
    i = 0
    total = x
    while i < n:
        i += 1
        if total > 10.0:
            continue
        total = total * 3.0
    return total, i


@pytest.mark.parametrize("x, n", [(1.0, 0), (1.0, 1), (1.0, 6), (20.0, 3)])
def test_continue_in_a_while_loop(x, n):
    assert_matches_python(continue_in_while, F(x), I32(n))


def nested_breaks(x, n):
    for i in range(n):
        for j in range(n):
            if j > i:
                break  # leaves only the inner loop
            x = x + 1.0
        if x > 8.0:
            break
    return x


@pytest.mark.parametrize("n", [0, 1, 3, 6])
def test_a_break_leaves_only_its_own_loop(n):
    assert_matches_python(nested_breaks, F(0.0), I32(n))


def for_else(x, n, limit):
    for i in range(n):
        if x > limit:
            break
        x = x + i
    else:
        x = -x
    return x


@pytest.mark.parametrize("limit", [-1.0, 3.0, 100.0])  # broken at once, later, never
def test_for_else_runs_only_without_break(limit):
    assert_matches_python(for_else, F(0.5), I32(5), F(limit))


def while_else(x, n):
    i = 0
    while i < n:
        if x > 10.0:
            break
        x = x * 2.0
        i += 1
    else:
        x = -x
    return x


@pytest.mark.parametrize("x, n", [(1.0, 3), (1.0, 0), (20.0, 3), (3.0, 5)])
def test_while_else_runs_only_without_break(x, n):
    assert_matches_python(while_else, F(x), I32(n))


def break_in_list_loop(x, values):
    for v in values:
        if x > 5.0:
            break
        x = x + v
    return x


@pytest.mark.parametrize("x", [0.0, 4.0, 9.0])
def test_traced_break_in_a_loop_over_a_python_list(x):
    # The iterations after the flag is traced each run under a `cond`.
    assert_matches_python(break_in_list_loop, F(x), [1.0, 2.0, 3.0, 4.0])


def exact_power_until(x, n):
    for i in range(n):
        if x > 100.0:
            break
        x = x + 2 ** -i  # Python ints: a rolled int32 loop would compute 0 for i > 0
    return x


def test_a_traced_break_keeps_python_int_arithmetic_on_the_index():
    assert_matches_python(exact_power_until, F(0.0), 4, static_argnames=("n",))


def test_traced_bound_with_break_is_one_while_loop():
    jaxpr = jax.make_jaxpr(autocond.convert(break_at))(F(1.0), I32(5), I32(2)).jaxpr
    names = primitives(jaxpr)
    assert names.count("while") == 1
    assert [e.primitive.name for e in jaxpr.eqns].count("while") == 1
    assert names.count("mul") == 1  # the body `x * 2 + i` once: not unrolled


def test_static_bound_with_traced_break_is_one_while_loop():
    jaxpr = jax.make_jaxpr(autocond.convert(break_at), static_argnums=1)(F(1.0), 50, I32(2)).jaxpr
    assert primitives(jaxpr).count("while") == 1
    assert primitives(jaxpr).count("mul") == 1


def first_big_shifted(x):
    for i in range(x.shape[0]):
        if x[i] * x[i] > 10.0:
            return x[i] - i
    return -1.0


def test_a_flag_the_branches_set_is_picked_outside_the_cond():
    # `return x[i] - i` computes under a `cond`; the flag it sets is the `if`'s test itself (a
    # `cond` giving the constant runs 8% slower on XLA CPU).
    x = jnp.linspace(0.5, 4.0, 8)
    jaxpr = jax.make_jaxpr(autocond.convert(first_big_shifted))(x).jaxpr
    (loop,) = [e for e in jaxpr.eqns if e.primitive.name == "while"]
    (cond,) = [e for e in loop.params["body_jaxpr"].jaxpr.eqns if e.primitive.name == "cond"]
    assert len(cond.outvars) == 1
    for scale in (1.0, 0.1):
        assert_matches_python(first_big_shifted, x * scale)


def test_the_flag_is_unset_in_the_body_of_a_traced_loop():
    # The loop runs its body only while the flag is unset: the body sets it to the test itself,
    # not `flag | test` (nor through a `cond`).
    jaxpr = jax.make_jaxpr(autocond.convert(break_on_value))(F(1.0), F(100.0)).jaxpr
    (loop,) = [e for e in jaxpr.eqns if e.primitive.name == "while"]
    assert sorted(primitives(loop.params["body_jaxpr"].jaxpr)) == ["add", "gt", "mul"]
    assert_matches_python(break_on_value, F(1.0), F(100.0))


def index_of_first_above(x, n, target):
    for i in range(n):
        if x * i > target:
            return i
    return -1


# With x = 1 and n = 5: returns at the first, a middle, the last iteration, and never.
@pytest.mark.parametrize("target", [-1.0, 1.5, 3.5, 10.0])
@pytest.mark.parametrize("n", [0, 1, 5])
def test_return_inside_a_range_loop(n, target):
    assert_matches_python(index_of_first_above, F(1.0), I32(n), F(target))


def grow_until(x):
    k = 0
    while k < 10:
        x = x * 1.5
        if x > 20.0:
            return x, k
        k += 1
    return -x, k


@pytest.mark.parametrize("x", [30.0, 5.0, 1e-3])  # returns at once, later, never
def test_return_inside_a_while_loop(x):
    assert_matches_python(grow_until, F(x))


def nested_return(x, n):
    for i in range(n):
        for j in range(n):
            if i * j > x:
                return i + j  # leaves both loops and the function
    return 0


@pytest.mark.parametrize("x", [-1.0, 2.0, 50.0])
def test_return_inside_nested_loops(x):
    assert_matches_python(nested_return, F(x), I32(4))


def return_and_break(x, n):
    for _ in range(n):
        if x > 100.0:
            return x
        if x < 0.0:
            break
        x = x * 3.0 - 2.0
    return -x


@pytest.mark.parametrize("x", [50.0, 0.5, 2.0, 1.0])  # returns, breaks, runs through, ...
def test_return_and_break_in_one_loop(x):
    assert_matches_python(return_and_break, F(x), I32(6))


def test_return_in_a_loop_under_vmap_matches_a_python_loop_over_the_batch():
    xs = jnp.array([30.0, 5.0, 1e-3, 20.0], dtype=F)
    got = jax.vmap(autocond.convert(grow_until))(xs)
    want = [grow_until(x) for x in xs]
    for k, (x, steps) in enumerate(want):
        assert got[0][k] == x and got[1][k] == steps


def appending_until(x, n):
    seen = []
    for i in range(n):
        seen.append(i)  # keeps the loop plain Python
        if i == 2:
            return x + len(seen)
    return x


@pytest.mark.parametrize("n", [1, 5])
def test_return_in_a_loop_kept_as_python_ends_the_loop(n):
    assert_matches_python(appending_until, F(1.0), n, static_argnames=("n",))


def test_traced_loop_with_return_is_one_while_loop():
    jaxpr = jax.make_jaxpr(autocond.convert(index_of_first_above))(F(1.0), I32(5), F(2.0)).jaxpr
    assert primitives(jaxpr).count("while") == 1
    assert primitives(jaxpr).count("mul") == 1  # the test `x * i` once: not unrolled


def break_in_inner_for_else(x, n):
    for _ in range(n):
        for _ in range(n):
            x = x + 1.0
        else:
            break  # leaves the outer loop
    return x


def test_break_in_the_else_of_a_nested_loop_leaves_the_outer_loop():
    assert_matches_python(break_in_inner_for_else, F(1.0), I32(3))


def return_in_for_with_else(x):
    for _ in range(3):
        return x
    else:
        return -x  # not run: the loop was left by `return`


def test_a_return_in_a_loop_skips_its_else():
    assert_matches_python(return_in_for_with_else, F(1.5))


def return_after_break(x, n):
    for i in range(n):
        if x > i:
            return x
    else:
        for _ in range(3):
            x = x + 1.0
            break
            return -x  # unreachable: the loop never sets the return flag
    return x * 2.0


@pytest.mark.parametrize("n", [0, 1, 4])
def test_an_unreachable_return_in_a_loop_in_a_loop_else(n):
    # Regression (property tests): the inner loop, under the guard of the outer's `return`,
    # carried the return flag it never sets, which made the flag a local of the guard.
    assert_matches_python(return_after_break, F(2.5), I32(n))


def loop_after_a_return(x):
    if x > 0:
        return x
    else:
        return -x
        while x < 3:  # unreachable, dropped
            return x
        else:
            x = x + 1


def test_a_returning_loop_in_unreachable_code():
    # Regression (property tests): the dropped loop's `else` guard looked for its returns.
    assert_matches_python(loop_after_a_return, F(1.0))
    assert_matches_python(loop_after_a_return, F(-1.0))


def return_in_a_while_else_in_a_match(x, n):
    if x > 0.0:
        return 1
    match n:
        case 4:
            k = 0
            while k < n + 1:
                k = k + 1
            else:  # no `break`: it runs, and the case always returns
                return 3
        case _:
            return 4


@pytest.mark.parametrize("x", [-1.0, 1.0])
@pytest.mark.parametrize("n", [3, 4])
def test_a_loop_else_without_break_binds_what_it_binds(x, n):
    # Found by the property tests: `do_return` was read unbound in the converted branch.
    assert_matches_python(return_in_a_while_else_in_a_match, F(x), I32(n))
    assert_matches_python(return_in_a_while_else_in_a_match, F(x), n, static_argnames=("n",))


def doubling_until(x, limit):
    while True:
        x = x * 2
        if x > limit:
            return x
        x = x + 1


def search_within(x):
    with jax.named_scope("block"):
        if x > 0:
            return 1.0
        elif x < -5:
            return -5.0
    return -1.0


@pytest.mark.parametrize("x, limit", [(1.0, 10.0), (20.0, 10.0), (0.0, 1e4)])
def test_while_true_left_only_by_a_return(x, limit):
    assert_matches_python(doubling_until, jnp.float32(x), jnp.float32(limit))
    assert_matches_python(doubling_until, x, limit, jit=False)


@pytest.mark.parametrize("x", [2.0, -1.0, -9.0])
def test_a_return_inside_a_with_block(x):
    assert_matches_python(search_within, jnp.float32(x))


def test_a_while_true_whose_only_break_is_unreachable():
    # Found by the property tests: the `break` after the `return` is dropped, so the loop
    # never ends but by the `return`; its `else` (never run) must still be analysed.
    def f(x, n):
        a = x
        k0 = 0
        while True:
            return a
            k0 = k0 + 1
            if k0 >= n:
                break
        else:
            a = x
        return a

    assert_matches_python(f, jnp.float32(1.5), jnp.int32(2))
