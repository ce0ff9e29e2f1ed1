"""`operators.conditionals`: `if_stmt` and `switch_stmt` against their docstrings' Python."""

from __future__ import annotations

import jax.numpy as jnp
import pytest

from autocond.operators import conditionals
from tests.operators.support import assert_as_reference


@pytest.mark.parametrize("x", [jnp.float32(2.0), jnp.float32(-3.0)], ids=["if", "else"])
def test_if_stmt(x):
    def args(x):
        return (x > 0, lambda v, w: (v * 2, w), lambda v, w: (-v, w + 1), (x, x), ("v", "w"))

    assert_as_reference(conditionals.if_stmt, args, x)


@pytest.mark.parametrize("x", [jnp.float32(2.0), jnp.float32(-3.0)], ids=["if", "else"])
def test_if_stmt_without_else_keeps_the_variables(x):
    assert_as_reference(conditionals.if_stmt, lambda x: (x > 0, lambda v: v * 2, None, (x,), ("v",)), x,
                        reference_args=lambda x: (x > 0, lambda v: v * 2, lambda v: v, (x,), ("v",)))


@pytest.mark.parametrize("k", [0, 1, 2, 5, -1], ids=["first", "second-value", "second", "none", "negative"])
def test_switch_stmt(k):
    def args(k, x):
        branches = (lambda v: v + 1, lambda v: v * 2, lambda v: -v)
        return (k, ((0,), (1, 2)), branches, (x,), ("v",))

    assert_as_reference(conditionals.switch_stmt, args, jnp.int32(k), jnp.float32(1.5))


@pytest.mark.parametrize("k", [0, 4], ids=["a-case", "no-case"])
def test_switch_stmt_without_default_keeps_the_variables(k):
    assert_as_reference(
        conditionals.switch_stmt, lambda k, x: (k, ((0,),), (lambda v: v + 1, None), (x,), ("v",)),
        jnp.int32(k), jnp.float32(1.5),
        reference_args=lambda k, x: (k, ((0,),), (lambda v: v + 1, lambda v: v), (x,), ("v",)))
