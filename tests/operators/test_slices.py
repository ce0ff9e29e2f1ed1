"""`operators.slices`: `setitem` and `append` against their docstrings' Python."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

from autocond.operators import slices
from tests.operators.support import assert_as_reference, reference
from tests.support import assert_same


@pytest.mark.parametrize("op", [None, "+", "*"], ids=["set", "add", "multiply"])
def test_setitem_of_an_array(op):
    # Python's meaning is NumPy's, on a copy: a JAX array gives back the updated copy
    assert_as_reference(slices.setitem, lambda x, v: (x, 1, v, op), jnp.arange(3.0), jnp.float32(2.5),
                        reference_args=lambda x, v: (np.array(x), 1, np.float32(v), op))


@pytest.mark.parametrize("op", [None, "+"], ids=["set", "add"])
def test_setitem_of_a_list_changes_it_in_place(op):
    want, got = [1, 2, 3], [1, 2, 3]
    assert reference(slices.setitem)(want, 0, 5, op) is want
    assert slices.setitem(got, 0, 5, op) is got
    assert_same(want, got)


def test_append():
    want, got = [1.0], [1.0]
    assert reference(slices.append)(want, 2.0) is want
    assert slices.append(got, 2.0) is got
    assert_same(want, got)
