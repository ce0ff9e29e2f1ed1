"""Item assignments, `x[i] = v` and `x[i] op= v`: a JAX array is updated as `.at[...]`, and
means what the same code means on a NumPy array (the oracle: the plain function run on a
NumPy copy); lists, dicts and NumPy arrays keep Python's in-place meaning."""

from __future__ import annotations

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import autocond
from autocond import errors
from tests.support import assert_same, line_of, primitives

F = jnp.float32
I32 = jnp.int32


def assert_matches_numpy(fn, array, *args):
    """`fn` converted, on a JAX array (eagerly and under `jax.jit`, `args` static), computes
    what plain `fn` computes on a NumPy copy of it."""
    want = fn(np.array(array), *args)
    converted = autocond.convert(fn)
    assert_same(want, converted(jnp.asarray(array), *args))
    assert_same(want, jax.jit(lambda a: converted(a, *args))(jnp.asarray(array)))


def set_one(x, i):
    x[i] = 7
    return x


def set_pair(x, i):
    x[i, 1] = 7
    return x


def set_slice(x, i):
    x[1:3] = 7
    return x


def set_negative(x, i):
    x[-1] = 7
    return x


def set_ellipsis(x, i):
    x[..., 0] = 7
    return x


def set_mask(x, i):
    x[x > 2] = 7
    return x


def set_index_array(x, i):
    x[np.array([0, 2])] = 7
    return x


@pytest.mark.parametrize("fn", [set_one, set_pair, set_slice, set_negative, set_ellipsis,
                                set_mask, set_index_array])
def test_item_assignment_on_an_array(fn):
    assert_matches_numpy(fn, np.arange(12.0, dtype=np.float32).reshape(4, 3), 2)


def add(x, i):
    x[i] += 3
    return x


def subtract(x, i):
    x[i] -= 3
    return x


def multiply(x, i):
    x[i] *= 3
    return x


def divide(x, i):
    x[i] /= 4
    return x


def power(x, i):
    x[i] **= 2
    return x


def floor_divide(x, i):
    x[i] //= 4
    return x


def modulo(x, i):
    x[i] %= 4
    return x


@pytest.mark.parametrize("fn", [add, subtract, multiply, divide, power, floor_divide, modulo])
@pytest.mark.parametrize("index", [1, slice(1, 3), (0, 2)], ids=["int", "slice", "tuple"])
def test_augmented_item_assignment_on_an_array(fn, index):
    assert_matches_numpy(fn, np.arange(1.0, 10.0, dtype=np.float32).reshape(3, 3), index)


def test_augmented_assignment_with_a_repeated_index_updates_once_as_numpy_does():
    # `x[[0, 0]] += 1` reads both items, adds, and writes: element 0 grows by 1, not 2.
    assert_matches_numpy(add, np.zeros(3, np.float32), np.array([0, 0]))


def test_augmented_assignment_with_a_traced_mask():
    def bump(x):
        x[x > 2] += 10.0
        return x

    assert_matches_numpy(bump, np.arange(5.0, dtype=np.float32))


def test_integer_array_keeps_its_dtype():
    def halve(x):
        x[0] = 2.5  # NumPy casts the value to the array's dtype, as `.at[...].set` does
        return x

    assert_matches_numpy(halve, np.arange(3, dtype=np.int32))


def nested(x, i):
    x[i][1] = 5.0
    return x


def test_nested_item_assignment():
    assert_matches_numpy(nested, np.zeros((3, 2), np.float32), 2)


# --- inside traced branches and loops --------------------------------------------------------


def in_branch(x, c):
    if c > 0:
        x[0] = c
    else:
        x[1:] += c
    return x


@pytest.mark.parametrize("c", [2.0, -2.0])
def test_item_assignment_in_a_traced_branch(c):
    want = in_branch(np.zeros(3, np.float32), np.float32(c))
    assert_same(want, autocond.jit(in_branch)(jnp.zeros(3, F), F(c)))


def fill(x, n):
    for i in range(n):
        x[i] = i * 2.0
        x[i] += 1.0
    return x


@pytest.mark.parametrize("n", [0, 1, 4])
def test_item_assignment_in_a_traced_loop(n):
    want = fill(np.zeros(4, np.float32), n)
    assert_same(want, autocond.jit(fill)(jnp.zeros(4, F), I32(n)))


def test_item_assignment_in_a_loop_is_one_rolled_loop():
    jaxpr = jax.make_jaxpr(autocond.convert(fill))(jnp.zeros(100, F), 100).jaxpr
    assert primitives(jaxpr).count("scatter") + primitives(jaxpr).count("dynamic_update_slice") <= 2


# --- other containers keep Python's meaning ---------------------------------------------------


def containers(x):
    xs = [1, 2, 3]
    alias = xs
    xs[0] = 5
    xs[1] += 10
    d = {"a": 1}
    d["b"] = x
    a = np.zeros(3)
    view = a[1:]
    a[1:] = 4.0
    a[0] -= 1.0
    return xs, alias, d, a, view


def test_lists_dicts_and_numpy_arrays_change_in_place():
    xs, alias, d, a, view = autocond.convert(containers)(1.0)
    assert_same(containers(1.0), (xs, alias, d, a, view))
    assert alias is xs and view.base is a


def test_an_item_of_a_global_is_not_rebound():
    assert autocond.convert(_set_global)(3) == 3
    assert _GLOBAL == [3]


_GLOBAL = [0]


def _set_global(v):
    _GLOBAL[0] = v
    return _GLOBAL[0]


def list_in_traced_loop(x, n):
    xs = [0.0, 0.0]
    for _ in range(n):
        xs[0] = xs[0] + x
    return xs


@pytest.mark.parametrize("n", [0, 1, 3])
def test_a_list_the_function_owns_changed_in_a_traced_loop(n):
    assert_same(list_in_traced_loop(1.0, n), autocond.jit(list_in_traced_loop)(F(1.0), I32(n)))


def shared_list_in_traced_loop(x, n):
    xs = [0.0, 0.0]
    ys = xs
    for _ in range(n):
        xs[0] = x
    return ys


def test_a_shared_list_changed_in_a_traced_loop_is_a_clear_error():
    assert shared_list_in_traced_loop(1.0, 2) == [1.0, 0.0]
    with pytest.raises(errors.NotConvertedError,
                       match=r"`xs\[0\] = x` at .*test_slices.py:\d+ changes a list in place inside "
                             r"a traced branch or loop"):
        autocond.jit(shared_list_in_traced_loop)(F(1.0), I32(2))


def keys_by_branch(x):
    d = {}
    if x > 0:
        d["pos"] = x
    else:
        d["neg"] = x
    return d


def test_branches_setting_different_keys_name_the_key():
    pos, neg = (re.escape(f'`d["{key}"] = x` at {__file__}:{line_of(keys_by_branch, key)}')
                for key in ("pos", "neg"))
    with pytest.raises(errors.StagingError,
                       match=r"`d\['neg'\]` is set in the `else` branch of the traced `if` at "
                             rf".*test_slices.py:\d+ but not in the `if` branch; it is assigned by {pos}, "
                             rf"{neg}\. Every branch of a traced `if` must give `d` the same keys"):
        autocond.jit(keys_by_branch)(F(1.0))


def dict_accumulator(xs):
    acc = {"sum": 0.0, "max": -jnp.inf}
    for x in xs:
        acc["sum"] += x
        if x > acc["max"]:
            acc["max"] = x
    return acc


@pytest.mark.parametrize("n", [0, 1, 5])
def test_dict_state_in_a_loop_over_an_array(n):
    xs = jnp.asarray(np.random.default_rng(n).normal(size=n), F)
    want = dict_accumulator(xs)
    assert_same(want, autocond.convert(dict_accumulator)(xs))
    assert_same(want, autocond.jit(dict_accumulator)(xs))


@pytest.mark.parametrize("shape", [(0,), (1,), (0, 3), (1, 3)])
@pytest.mark.parametrize("fn", [set_slice, set_mask, add, multiply])
def test_updates_on_empty_and_one_row_arrays(fn, shape):
    index = slice(0, 1) if fn in (add, multiply) else None
    assert_matches_numpy(fn, np.ones(shape, np.float32), index)


def bubble_sort(x):
    n = x.shape[0]
    for i in range(n):
        for j in range(n - 1 - i):
            if x[j] > x[j + 1]:
                x[j], x[j + 1] = x[j + 1], x[j]
    return x


@pytest.mark.parametrize("values", [[3.0, 1.0, 2.0, 5.0, 4.0], [1.0], [2.0, 2.0, 1.0], [5.0, 4.0, 3.0, 2.0]])
def test_bubble_sort_swaps_items_by_a_tuple_target(values):
    assert_matches_numpy(bubble_sort, np.array(values, np.float32))
    rows = jnp.array([values, values[::-1]], F)
    np.testing.assert_array_equal(jax.vmap(autocond.convert(bubble_sort))(rows),
                                  [bubble_sort(np.array(r)) for r in np.asarray(rows)])


def targets_in_order(x, i):
    x[i], i = 5.0, 1  # `x[i]` with the `i` before
    i, x[i] = 2, 6.0  # and with the `i` after
    x[0] = y = x[1] = x[2] * 2
    (a, x[i]), *b = (1.0, 7.0), 3.0, 4.0
    return x, y, a, b


@pytest.mark.parametrize("i", [0, 2])
def test_tuple_and_multiple_targets_assign_from_left_to_right(i):
    assert_matches_numpy(targets_in_order, np.zeros(4, np.float32), i)
    want = targets_in_order(np.zeros(4, np.float32), i)
    got = autocond.jit(targets_in_order)(jnp.zeros(4), I32(i))
    assert_same(want[0], got[0])
