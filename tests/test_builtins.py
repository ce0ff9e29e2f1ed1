"""Builtins on traced values (`max`, `min`, `any`, `all`, `sum`, `len`, `int`, `float`,
`bool`, and those JAX arrays already serve: `abs`, `round`, `divmod`, `pow`): plain Python,
on the same concrete values, is the oracle, under `convert`, `jax.jit` and `vmap`."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import autocond
from autocond import errors
from tests.support import assert_matches_python, assert_same, line_of

F = jnp.float32
NAN = float("nan")


def hinge(m, y, s):
    return max(0.0, m - y * s)


def smaller(a, b):
    return min(a, b)


def largest_of_three(a, b, c):
    return max(a, b, c)


def larger(a, b):
    return max(a, b)


def both_extremes(a, b):
    return max(a, b), min(a, b)


def by_key(a, b):
    return max((a, 1.0), (b, 2.0), key=lambda p: -p[0])


PAIRS = [(1.0, 2.0), (2.0, 1.0), (3.0, 3.0), (NAN, 1.0), (1.0, NAN), (-0.0, 0.0), (0.0, -0.0)]


@pytest.mark.parametrize("a, b", PAIRS)
def test_max_and_min_of_two_pick_as_python_does_nan_and_ties_included(a, b):
    for fn in (smaller, larger):
        for args in ((F(a), F(b)), (a, F(b)), (F(a), b)):
            assert_matches_python(fn, *args)
    # Of equal items the first wins: the sign of a zero shows which.
    got = autocond.jit(both_extremes)(F(a), F(b))
    want = (max(F(a), F(b)), min(F(a), F(b)))
    assert [math.copysign(1, float(g)) for g in got] == [math.copysign(1, float(w)) for w in want]


@pytest.mark.parametrize("m", [0.5, 2.0])
def test_hinge_loss(m):
    assert_matches_python(hinge, F(m), F(1.0), F(1.0))
    assert_matches_python(hinge, m, F(1.0), F(1.0))


@pytest.mark.parametrize("values", [(1.0, 2.0, 3.0), (3.0, 2.0, 1.0), (2.0, 3.0, 3.0), (NAN, 5.0, 1.0)])
def test_max_of_three_and_with_a_key(values):
    assert_matches_python(largest_of_three, *map(F, values))
    assert_matches_python(by_key, F(values[0]), F(values[1]))


def test_max_and_min_under_vmap():
    a, b = jnp.array([1.0, 5.0, NAN, 2.0]), jnp.array([3.0, 4.0, 1.0, NAN])
    got = jax.vmap(autocond.convert(both_extremes))(a, b)
    want = ([max(x, y) for x, y in zip(a, b)], [min(x, y) for x, y in zip(a, b)])
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want, dtype=np.float32))


def extremes_of(x):
    return max(x), min(x)


@pytest.mark.parametrize("values", [[3.0, 1.0, 4.0, 1.0, 5.0], [NAN, 2.0, 1.0], [2.0, NAN, 1.0],
                                    [-0.0, 0.0], [7.0], [-math.inf, NAN]])
def test_max_and_min_of_a_traced_array_fold_its_elements_as_python(values):
    x = jnp.array(values, F)
    for want, got in zip((max(x), min(x)), autocond.jit(extremes_of)(x)):
        np.testing.assert_array_equal(got, want)
        assert math.copysign(1, float(got)) == math.copysign(1, float(want))
    assert_matches_python(extremes_of, jnp.array([3, 9, 2]))


def test_max_of_a_traced_matrix_is_a_clear_error():
    with pytest.raises(ValueError, match=r"`max` at .* reads the rows of a traced array of shape \(2, 2\)"):
        autocond.jit(extremes_of)(jnp.ones((2, 2)))


def test_max_of_nothing_is_pythons_error():
    def empty(x):
        return max([]) + x

    def empty_with_default(x):
        return max([], default=x)

    with pytest.raises(ValueError, match="empty"):
        autocond.jit(empty)(F(1))
    assert autocond.jit(empty_with_default)(F(1)) == 1


def test_max_and_min_of_static_values_are_the_builtins():
    def static():
        return max(3, 1, 2), min("b", "a"), max([1, 5], default=0), max([], default=None)

    def no_arguments():
        return max()

    def default_beside_arguments():
        return min(1, 2, default=None)

    assert autocond.convert(static)() == static() == (3, "a", 5, None)
    for fn in (no_arguments, default_beside_arguments):
        with pytest.raises(TypeError):
            fn()
        with pytest.raises(TypeError):
            autocond.convert(fn)()


def bools_counted(x, y):
    return bool(x) + bool(y), any([x > 0]) + all([y > 0]), max(bool(x), bool(y)) * 2


def test_python_bools_of_traced_values_computed_with_as_ints_are_an_error():
    # Python's `bool`, `any` and `all` give Python bools, which add as ints; a bool array adds
    # as a logical or. Found by a review: `bool(x) + bool(y)` gave True where Python gives 2.
    assert bools_counted(F(1.0), F(2.0)) == (2, 2, 2)
    assert_matches_python(bools_counted, F(1.0), F(2.0), jit=False)  # concrete: Python's bools
    with pytest.raises(errors.StagingError, match=(
            f"`bool\\(...\\)` at .*:{line_of(bools_counted, 'return')} gives a Python bool in Python, but "
            f"its operand is traced.*computes with it as an int at .*:{line_of(bools_counted, 'return')}")):
        autocond.jit(bools_counted)(F(1.0), F(2.0))


def any_large(g):
    return any(v > 1e3 for v in g.values())


def all_positive(xs):
    return all(v > 0 for v in xs)


@pytest.mark.parametrize("values", [(1.0, 2e3), (1.0, 2.0), (2e3, 5e3), (-1.0, NAN)])
def test_any_and_all_of_traced_truths(values):
    assert_matches_python(any_large, {"a": F(values[0]), "b": F(values[1])})
    assert_matches_python(all_positive, [F(v) for v in values])
    assert_matches_python(any_and_all, jnp.array(values, F))


def any_and_all(x):
    return any(x), all(x)


def test_any_stops_at_a_static_truth_as_python_does():
    def f(x):
        return any(x > 0 if i == 0 else i == 1 or 1 / 0 for i in range(3))  # no third item computed

    assert autocond.jit(f)(F(-1.0))


def count_positive(xs):
    return sum(1 for v in xs if v > 0)


def total_above(v):
    return sum([t for t in v if t > 0.3])


def largest_small(v):
    return max((t for t in v if t < 2.0), default=-1.0)


def count_kept(v):
    return len([t for t in v if t > 0])


def smallest_doubled(v):
    return min(t * 2 for t in v if t != 0.2)


@pytest.mark.parametrize("values", [[1.0, -2.0, 3.0], [-1.0, -2.0, -3.0], [0.5, 0.2, 2.5]])
def test_reductions_of_comprehensions_filtered_by_traced_values(values):
    x = jnp.array(values, F)
    for fn in (count_positive, total_above, largest_small, count_kept, smallest_doubled):
        assert_matches_python(fn, x)
    got = jax.vmap(autocond.convert(count_positive))(jnp.stack([x, -x]))
    np.testing.assert_array_equal(got, [count_positive(x), count_positive(-x)])


def test_max_of_a_comprehension_that_may_keep_nothing_raises_when_the_program_runs():
    def f(v):
        return max(t for t in v if t > 0)

    line = line_of(f, "return max")
    assert autocond.jit(f)(jnp.array([-1.0, 2.0])) == 2.0
    with pytest.raises(jax.errors.JaxRuntimeError, match=rf"empty sequence.*test_builtins.py:{line}"):
        autocond.jit(f)(jnp.array([-1.0, -2.0])).block_until_ready()


def test_a_comprehension_with_static_filters_is_pythons():
    def f(d, x):
        return [d[k] * x for k in ("a", "b", "c") if k in d]  # `d["c"]` is never read

    assert_matches_python(f, {"a": 1.0, "b": 2.0}, F(3.0))


def generator_read(x, n):
    g = (v * 2 for v in (1, 2, 3) if v > n)  # a static filter
    return bool(g), 4 in g, sum(g) * x  # `in` reads up to the 4: `sum` adds what is left


def length_of_a_generator(x):
    return len(v for v in (1, 2) if v > x)


@pytest.mark.parametrize("n", [0, 1, 3])
def test_a_generator_with_filters_is_a_generator(n):
    # Found by a review: `bool(g)` and `... in g` were autocond's error for any filter.
    assert_matches_python(generator_read, F(1.0), n, static_argnames=("n",))
    for x in (0, F(1.0)):  # a static filter, a traced one
        with pytest.raises(TypeError, match="object of type 'generator' has no len"):
            length_of_a_generator(x)
        with pytest.raises(TypeError, match="object of type 'generator' has no len"):
            autocond.jit(length_of_a_generator)(x)


def test_a_list_filtered_by_traced_values_read_otherwise_is_a_clear_error():
    def f(v):
        kept = [t for t in v if t > 0]
        return kept[0]

    line = line_of(f, "kept = [")
    with pytest.raises(errors.StagingError, match=rf"The list comprehension at .*:{line} keeps items where "
                                                  r"a traced `if` holds.*`sum`, `any`, `all`"):
        autocond.jit(f)(jnp.array([1.0, 2.0]))


def test_a_set_comprehension_filtered_by_a_traced_value_is_a_clear_error():
    def f(v):
        return {1 for t in v if t > 0}

    with pytest.raises(errors.NotConvertedError, match="filter of a set or dict comprehension"):
        autocond.jit(f)(jnp.array([1.0]))


def conversions(x):
    return int(x), float(int(x)), bool(x), int(x) % 2


def to_int(x):
    return int(x)


def to_float(x):
    return float(x)


def to_bool(x):
    return bool(x)


@pytest.mark.parametrize("x", [2.7, -2.7, -0.5, 3.0, 0.0])
def test_int_truncates_toward_zero_and_float_and_bool_convert(x):
    assert_matches_python(conversions, F(x))
    assert_same(jnp.array(int(x), jnp.int32), autocond.jit(to_int)(F(x)))
    assert autocond.jit(to_float)(jnp.int32(3)).dtype == jnp.float32


def test_int_of_nan_or_a_number_beyond_int32_raises_when_the_program_runs():
    assert autocond.jit(to_int)(F(-2.0**31)) == -2**31
    for bad in (NAN, math.inf, 3e9):
        with pytest.raises(jax.errors.JaxRuntimeError, match=r"`int` at .* got .*which is not an int of"):
            autocond.jit(to_int)(F(bad)).block_until_ready()


def test_bool_of_nan_is_true_and_int_float_bool_of_arrays_need_one_element():
    assert_matches_python(to_bool, F(NAN))
    assert_matches_python(to_bool, jnp.array([[2.5]]))
    with pytest.raises(TypeError, match=r"`int` at .* got a traced array of shape \(1,\): only a scalar"):
        autocond.jit(to_int)(jnp.ones(1))
    with pytest.raises(TypeError, match=r"`bool` at .* of shape \(2,\): only an array of one element"):
        autocond.jit(to_bool)(jnp.ones(2))


@pytest.mark.parametrize("x", [2.5, 3.5, -2.5, 7.25])
def test_abs_round_divmod_pow_as_python(x):
    def f(x):
        return abs(x), round(x), divmod(x, 2.0), pow(x, 2), -x // 2

    assert_matches_python(f, F(x))


def test_the_builtins_that_already_worked_still_do():
    def f(x):
        total = 0.0
        for i in range(len(x)):
            total += x[i]
        for i, v in enumerate(reversed(x)):
            total += i * v
        for a, b in zip(x, x[::-1]):
            total += a * b
        return total, isinstance(total, jax.Array), len(x)

    want = f(jnp.arange(4.0))
    got = autocond.convert(f)(jnp.arange(4.0))
    assert_same(want, got)
    assert_same(want[0], autocond.jit(f)(jnp.arange(4.0))[0])


def test_a_builtin_name_shadowed_by_the_user_calls_the_users():
    def max(a, b):  # noqa: A001
        return a - b

    def f(a, b):
        return max(a, b)

    assert autocond.jit(f)(F(5), F(1)) == 4


@pytest.mark.parametrize("x", [jnp.bool_(True), jnp.int8(-3), jnp.uint32(7)])
def test_int_of_bools_and_ints(x):
    assert_matches_python(conversions, x)


CONCRETE = jnp.int32(3)


def with_a_concrete_array(x):
    return max(CONCRETE, 0) * x, min(x, CONCRETE), CONCRETE in (1, 3)


def test_a_concrete_array_compared_while_jax_traces():
    # Found by the property tests: under `jax.jit`, comparing a concrete array gives a traced
    # bool, which the builtins cannot take: the fold picks the value instead.
    assert_matches_python(with_a_concrete_array, F(2.0))
