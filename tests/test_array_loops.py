"""Loops over JAX arrays (`for x in xs`, `enumerate`, `zip`, `reversed`): one traced loop
over the leading axis; plain Python, iterating the same arrays, is the oracle."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import autocond
from tests.support import assert_matches_python, primitives

F = jnp.float32


def rows(n: int, seed: int = 0) -> jax.Array:
    return jnp.asarray(np.random.default_rng(seed).normal(size=(n, 3)), F)


def signed_sum(xs):
    total = jnp.zeros(3)
    for x in xs:
        if x.sum() > 0:
            total = total + x
        else:
            total = total - 2 * x
    return total


def enumerated(xs):
    total = 0.0
    for i, x in enumerate(xs):
        total = total + i * x[0]
    return total


def zipped(xs, ys):
    total = 0.0
    for a, b in zip(xs, ys):
        total = total + jnp.dot(a, b[:3])
    return total


def nested_unpacking(xs, ys):
    best, where = -jnp.inf, -1
    for i, (a, b) in enumerate(zip(xs, ys)):
        score = a[0] * b[1]
        if score > best:
            best, where = score, i
    return best, where


def backwards(xs):
    acc = jnp.zeros(3)
    for x in reversed(xs):
        acc = acc * 0.5 + x
    return acc


@pytest.mark.parametrize("n", [0, 1, 2, 7])
@pytest.mark.parametrize("fn", [signed_sum, enumerated, backwards])
def test_loop_over_rows(fn, n):
    assert_matches_python(fn, rows(n))


@pytest.mark.parametrize("n, m", [(0, 3), (1, 1), (5, 5), (6, 4)])
@pytest.mark.parametrize("fn", [zipped, nested_unpacking])
def test_loop_over_zipped_rows(fn, n, m):
    assert_matches_python(fn, rows(n), jnp.concatenate([rows(m, 1), rows(m, 2)], axis=1))


@pytest.mark.parametrize("fn", [signed_sum, enumerated, backwards])
def test_compiled_size_does_not_depend_on_the_length(fn):
    sizes = [len(jax.make_jaxpr(autocond.convert(fn))(rows(n)).eqns) for n in (10, 1000)]
    assert sizes[0] == sizes[1]
    assert "scan" in primitives(jax.make_jaxpr(autocond.convert(fn))(rows(10)).jaxpr)


def accumulated_from_one(xs):
    acc = 1.0  # a Python float: broadcast, or the first row runs as Python
    for x in xs:
        acc = acc * jnp.sum(acc) * 0.1 + x
    return acc


@pytest.mark.parametrize("fn", [signed_sum, enumerated, backwards, accumulated_from_one])
def test_a_loop_over_rows_scans_them_without_indexing(fn):
    prims = primitives(jax.make_jaxpr(autocond.convert(fn))(rows(10)).jaxpr)
    assert "scan" in prims and not {"dynamic_slice", "gather"} & set(prims)


@pytest.mark.parametrize("n", [0, 1, 2, 7])
def test_a_loop_over_rows_after_its_first_row_as_python(n):
    assert_matches_python(accumulated_from_one, rows(n))


def zipped_unequal(xs, ys):
    acc = jnp.float32(0)
    for a, b in zip(xs, ys):
        acc = acc + a * b
    return acc


def test_the_gradient_of_a_loop_over_rows_zipped_with_longer_ones():
    # Found in review: the scan took the longer array whole, which `jax.grad` refused.
    xs, ys = jnp.arange(6.0), jnp.arange(8.0)
    assert_matches_python(zipped_unequal, xs, ys)
    want = jax.grad(zipped_unequal, argnums=1)(xs, ys)
    np.testing.assert_allclose(jax.jit(jax.grad(autocond.convert(zipped_unequal), argnums=1))(xs, ys), want)


def while_over_a_concrete_counter(x):
    c = jnp.zeros(())
    ys = []
    while c < 3:  # concrete under an eager `vmap`: a Python loop
        c = c + 1
        ys.append(x * c)
    return ys


def test_a_while_on_concrete_arrays_under_an_eager_vmap_stays_python():
    got = jax.vmap(autocond.convert(while_over_a_concrete_counter))(jnp.ones(2))
    want = jax.vmap(while_over_a_concrete_counter)(jnp.ones(2))
    assert len(got) == len(want) == 3
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w)


def test_a_python_count_stays_a_python_int():
    def count_rows(xs):
        count = 0
        for _ in xs:
            count += 1
        return jnp.zeros(count)  # needs a static count, as in plain Python

    assert_matches_python(count_rows, rows(4))


def first_negative(xs):
    for i, x in enumerate(xs):
        if x < 0:
            return i, x
    return -1, 0.0


@pytest.mark.parametrize("values", [[-1.0, 2.0, 3.0], [1.0, -2.0, 3.0], [1.0, 2.0, -3.0],
                                    [1.0, 2.0, 3.0]])
def test_return_inside_a_loop_over_an_array(values):
    assert_matches_python(first_negative, jnp.asarray(values, F))
    assert "while" in primitives(jax.make_jaxpr(autocond.convert(first_negative))(jnp.ones(5, F)).jaxpr)


def over_python_list(x):
    for scale in [1.0, 2.0, 3.0]:
        x = x * scale
    return x


def over_numpy(x):
    for row in np.arange(6.0).reshape(3, 2):
        x = x + row
    return x


@pytest.mark.parametrize("fn", [over_python_list, over_numpy])
def test_python_and_numpy_iterables_stay_python(fn):
    assert_matches_python(fn, jnp.ones(2, F))
    assert "scan" not in primitives(jax.make_jaxpr(autocond.convert(fn))(jnp.ones(2, F)).jaxpr)


# --- lists that grow in the loop ---------------------------------------------------------------


def trajectory(xs):
    pos = jnp.zeros(3)
    path = []
    for x in xs:
        if x.sum() > 0:
            pos = pos + x
        else:
            pos = pos - 0.5 * x
        path.append(pos)
    return path


def both_branches_append(xs):
    out = [jnp.float32(-1.0)]
    for x in xs:
        if x[0] > 0:
            out.append(x[0] * 2)
        else:
            out.append(-x[1])
    return out


def appends_pairs(n, x):
    pairs = []
    for i in range(n):
        x = x * 0.5 + i
        pairs.append((i, x))
    return pairs


@pytest.mark.parametrize("n", [0, 1, 2, 7])
@pytest.mark.parametrize("fn", [trajectory, both_branches_append])
def test_appending_in_a_loop_over_rows(fn, n):
    assert_matches_python(fn, rows(n))


@pytest.mark.parametrize("n", [0, 1, 5])
def test_appending_pytrees_in_a_static_range(n):
    assert_matches_python(appends_pairs, n, F(1.0), static_argnames=("n",))


def test_appending_loop_is_one_scan():
    for n in (10, 1000):
        prims = primitives(jax.make_jaxpr(autocond.convert(trajectory))(rows(n)).jaxpr)
        assert prims.count("scan") == 1 and prims.count("cond") == 1


def aliased_list(xs):
    path = []
    alias = path
    for x in xs:
        if x.sum() > 0:
            path.append(x)
    return alias


def test_a_list_another_variable_holds_keeps_python_appends():
    assert_matches_python(aliased_list, rows(3), jit=False)
    with pytest.raises(autocond.errors.NotConvertedError, match="changes `path` in place"):
        autocond.jit(aliased_list)(rows(3))


def stacked_trajectory(xs):
    pos = jnp.zeros(3)
    path = []
    for x in xs:
        if x.sum() > 0:
            pos = pos + x
        else:
            pos = pos - 0.5 * x
        path.append(pos)
    return jnp.stack(path), jnp.array(path), jnp.asarray(path)


@pytest.mark.parametrize("n", [1, 2, 7])
def test_stacking_the_appended_list(n):
    assert_matches_python(stacked_trajectory, rows(n))


def test_stacking_an_empty_list_raises_as_in_python():
    with pytest.raises(ValueError, match="Need at least one array to stack"):
        stacked_trajectory(rows(0))
    with pytest.raises(ValueError, match="Need at least one array to stack"):
        autocond.jit(stacked_trajectory)(rows(0))


def test_acceptance_rows_with_traced_if_and_append_give_a_jaxpr_independent_of_the_rows():
    sizes = {n: len(jax.make_jaxpr(autocond.convert(stacked_trajectory))(rows(n)).eqns) for n in (10, 1000)}
    assert sizes[10] == sizes[1000], sizes
    assert_matches_python(stacked_trajectory, rows(1000))


def used_as_a_list(xs):
    ys = []
    for x in xs:
        ys.append(x[0] * 2)
    ys.append(jnp.float32(-1.0))
    return len(ys), ys[0], ys[-2:], sum(ys), [y for y in reversed(ys)]


@pytest.mark.parametrize("n", [0, 1, 4])
def test_the_appended_list_is_a_list(n):
    assert_matches_python(used_as_a_list, rows(n))
