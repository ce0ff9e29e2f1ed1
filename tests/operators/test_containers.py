"""`operators.containers`: `in_` against its docstring's Python."""

from __future__ import annotations

import jax.numpy as jnp
import pytest

from autocond.operators import containers
from tests.operators.support import assert_as_reference


@pytest.mark.parametrize("k", [1, 2, 7], ids=["first", "last", "absent"])
def test_in_a_tuple(k):
    assert_as_reference(containers.in_, lambda k: (k, (1, 3, 2)), jnp.int32(k))


@pytest.mark.parametrize("x", [2.0, 5.0], ids=["present", "absent"])
def test_in_an_array(x):
    assert_as_reference(containers.in_, lambda x, xs: (x, xs), jnp.float32(x), jnp.array([1.0, 2.0, 3.0]))
