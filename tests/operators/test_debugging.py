"""`operators.debugging`: `assert_` and `raise_` against their docstrings' Python."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import pytest

from autocond.operators import debugging
from tests.operators.support import assert_as_reference, reference


def test_assert_that_holds():
    assert_as_reference(debugging.assert_, lambda x: (x > 0, lambda: "x must be positive"), jnp.float32(1.0))


def test_assert_that_fails():
    for op in (debugging.assert_, reference(debugging.assert_)):  # on Python values
        with pytest.raises(AssertionError, match="x must be positive"):
            op(jnp.float32(-1.0) > 0, lambda: "x must be positive")
    with pytest.raises(Exception, match="x must be positive"):  # traced: when the program runs
        jax.block_until_ready(jax.jit(lambda x: debugging.assert_(x > 0, lambda: "x must be positive"))(-1.0))


def test_raise():
    for op in (debugging.raise_, reference(debugging.raise_)):
        with pytest.raises(ValueError, match="bad") as info:
            op(ValueError("bad"), KeyError("cause"))
        assert isinstance(info.value.__cause__, KeyError)
