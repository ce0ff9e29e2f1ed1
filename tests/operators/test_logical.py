"""`operators.logical`: `if_exp` and `not_` against their docstrings' Python."""

from __future__ import annotations

import jax.numpy as jnp
import pytest

from autocond.operators import logical
from tests.operators.support import assert_as_reference


@pytest.mark.parametrize("x", [jnp.float32(2.0), jnp.float32(-3.0)], ids=["true", "false"])
def test_if_exp(x):
    assert_as_reference(logical.if_exp, lambda x: (x > 0, lambda: x * 2, lambda: x - 1), x)


@pytest.mark.parametrize("x", [jnp.float32(0.0), jnp.float32(-3.0), jnp.bool_(True)],
                         ids=["zero", "nonzero", "bool"])
def test_not(x):
    assert_as_reference(logical.not_, lambda x: (x,), x)
