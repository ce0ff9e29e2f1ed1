"""`operators.builtin_functions`: `max_`, `any_` and `sum_` against their docstrings' Python."""

from __future__ import annotations

import jax.numpy as jnp
import pytest

from autocond.operators import builtin_functions
from tests.operators.support import assert_as_reference

_VALUES = pytest.mark.parametrize("values", [(1.0, 3.0, 2.0), (3.0, 3.0, -1.0), (-2.0,)],
                                  ids=["middle", "first-of-equals", "one"])


@pytest.mark.parametrize("values", [(1.0, 3.0, 2.0), (3.0, 3.0, -1.0)], ids=["middle", "first-of-equals"])
def test_max_of_arguments(values):
    assert_as_reference(builtin_functions.max_, lambda *v: v, *map(jnp.float32, values))


@_VALUES
def test_max_of_a_list(values):
    assert_as_reference(builtin_functions.max_, lambda *v: ([*v],), *map(jnp.float32, values))


@_VALUES
def test_max_with_a_key(values):
    assert_as_reference(builtin_functions.max_, lambda *v: ([*v],), *map(jnp.float32, values),
                        key=lambda v: -v)


@pytest.mark.parametrize("values", [(False, False), (False, True), ()], ids=["none", "one", "empty"])
def test_any(values):
    assert_as_reference(builtin_functions.any_, lambda *v: ([*v],), *map(jnp.bool_, values))


@_VALUES
def test_sum_with_a_start(values):
    assert_as_reference(builtin_functions.sum_, lambda s, *v: ([*v], s), jnp.float32(0.5),
                        *map(jnp.float32, values))
