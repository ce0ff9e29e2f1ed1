"""`autocond.convert` composes with JAX's transformations: gradients through converted
control flow match finite differences, and vmap/jacfwd/checkpoint/jit agree with Python."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import autocond

F = jnp.float32


def piecewise(x):
    if x > 1.0:
        y = jnp.sin(x) * x
    else:
        y = x ** 3 - x
    return y


def rolled(x):
    for i in range(20):
        x = x - 0.1 * jnp.tanh(x) * (i % 3)
    return x


def with_switch(x):
    k = (x > 0).astype(jnp.int32) + (x > 2).astype(jnp.int32)
    match k:
        case 0:
            return -x * x
        case 1:
            return jnp.exp(x)
        case _:
            return x * 3.0


def _finite_difference(fn, x, eps=1e-3):
    x = np.float64(x)
    return (np.float64(fn(F(x + eps))) - np.float64(fn(F(x - eps)))) / (2 * eps)


@pytest.mark.parametrize("fn", [piecewise, rolled, with_switch])
@pytest.mark.parametrize("x", [-1.3, 0.7, 1.6, 2.9])
def test_grad_matches_finite_differences(fn, x):
    grad = jax.grad(autocond.convert(fn))(F(x))
    np.testing.assert_allclose(grad, _finite_difference(fn, x), rtol=2e-2, atol=2e-2)


def test_rolled_loop_is_reverse_differentiable_under_jit():
    converted = autocond.convert(rolled)
    assert "scan" in str(jax.make_jaxpr(converted)(F(1.0)))
    value, grad = jax.jit(jax.value_and_grad(converted))(F(1.0))
    np.testing.assert_allclose(value, rolled(F(1.0)), rtol=1e-6)
    np.testing.assert_allclose(grad, _finite_difference(rolled, 1.0), rtol=2e-2)


@pytest.mark.parametrize("transform", [jax.jacfwd, jax.grad, lambda f: jax.grad(jax.checkpoint(f))])
def test_other_derivatives(transform):
    xs = [F(-1.3), F(0.7), F(1.6)]
    got = [transform(autocond.convert(piecewise))(x) for x in xs]
    want = [_finite_difference(piecewise, x) for x in xs]
    np.testing.assert_allclose(got, want, rtol=2e-2, atol=2e-2)


def test_vmap_matches_a_python_loop():
    xs = jnp.linspace(-2.0, 3.0, 11, dtype=F)
    for fn in (piecewise, rolled, with_switch):
        got = jax.vmap(autocond.convert(fn))(xs)
        want = jnp.stack([fn(x) for x in xs])
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


# --- loops with a traced trip count, bounded for reverse mode ---------------------------------


def newton_sqrt(a):
    y = a
    while jnp.abs(y * y - a) > 1e-5:
        y = 0.5 * (y + a / y)
    return y


def decay(x, n):
    for i in range(n):
        x = x * 0.9 + i
    return x


def test_grad_through_a_traced_while_needs_max_trips():
    with pytest.raises(ValueError, match="Reverse-mode differentiation does not work for lax.while_loop"):
        jax.jit(jax.grad(autocond.convert(newton_sqrt)))(F(2.0))
    grad = jax.jit(jax.grad(autocond.convert(newton_sqrt, max_trips=50)))(F(2.0))
    np.testing.assert_allclose(grad, 0.5 / np.sqrt(2.0), rtol=1e-4)
    np.testing.assert_allclose(autocond.jit(newton_sqrt, max_trips=50)(F(2.0)), newton_sqrt(F(2.0)))


@pytest.mark.parametrize("n", [0, 1, 5])
def test_grad_through_a_traced_range_with_max_trips(n):
    grad = jax.grad(autocond.convert(decay, max_trips=8))(F(1.0), jnp.int32(n))
    np.testing.assert_allclose(grad, 0.9 ** n, rtol=1e-5)
    assert autocond.jit(decay, max_trips=8)(F(1.0), jnp.int32(n)) == pytest.approx(float(decay(F(1.0), n)))


def stops_early_on_the_index(x):
    for i in range(3):
        k = 0
        while k < 3:  # under max_trips, a scan with a run-time check that reads the index
            if i:
                break
            k = k + 1
        x = x * 0.5 + k
    return x


def test_grad_with_max_trips_through_a_static_range_around_a_traced_while():
    # Found by the property tests: the run-time check, an equation without results, broke
    # the analysis of the index's arithmetic that decides whether `range(3)` rolls.
    x = F(0.5)
    grad = jax.grad(autocond.convert(stops_early_on_the_index, max_trips=4))(x)
    assert grad == jax.grad(stops_early_on_the_index)(x) == 0.125
    assert autocond.convert(stops_early_on_the_index, max_trips=4)(x) == stops_early_on_the_index(x)


def test_a_loop_past_max_trips_fails_at_run_time():
    with pytest.raises(jax.errors.JaxRuntimeError,
                       match=r"the traced `while` loop at .*test_transforms.py:\d+ needs more than its "
                             r"maximum of 2 trips \(`max_trips`\)"):
        autocond.jit(newton_sqrt, max_trips=2)(F(2.0))
