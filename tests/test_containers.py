"""Python containers read with traced values: membership (`n in (1, 3)`) and items picked
by a traced index (`TABLE[n % 4]`); plain Python, on the same concrete values, is the oracle.
(Comprehensions filtered by traced values: tests/test_builtins.py, with the reductions.)"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import autocond
from autocond import errors
from tests.support import assert_matches_python, line_of

F = jnp.float32
TABLE = (1.5, 2.5, 3.5, 4.5)
ROWS = [jnp.array([1.0, 2.0]), jnp.array([3.0, 4.0]), jnp.array([5.0, 6.0])]


def odd_small(n):
    if n in (1, 3):
        return 1.0
    return 0.0


def membership(x):
    return x not in (0, 5), x in [2.0, x + 1], 3 in {1: "a", 3: "b"}, x in (1, 2) in [True]


@pytest.mark.parametrize("n", [0, 1, 2, 3, -1])
def test_membership_in_a_tuple_of_constants(n):
    assert_matches_python(odd_small, jnp.int32(n))
    assert_matches_python(membership, F(n))
    got = jax.vmap(autocond.convert(odd_small))(jnp.array([0, 1, 2, 3]))
    np.testing.assert_array_equal(got, [odd_small(k) for k in range(4)])


def test_membership_in_a_traced_array_is_numpys():
    def f(x, v):
        return v in x, v not in x

    assert_matches_python(f, jnp.array([1.0, 2.0]), F(2.0))
    assert_matches_python(f, jnp.array([1.0, 2.0]), F(3.0))


def test_membership_in_a_traced_array_not_1d_is_jaxs_error():
    def f(x, v):
        return v in x

    for x in (jnp.ones((2, 2)), jnp.ones(())):
        with pytest.raises(ValueError, match="search array must be one-dimensional"):
            f(x, F(1.0))
        with pytest.raises(ValueError, match="search array must be one-dimensional"):
            autocond.jit(f)(x, F(1.0))


def memberships_counted(n, m):
    return (n in (1, 2)) + (m in (1, 2)), ~(n not in (1, 2))


def test_membership_computed_with_as_an_int_is_an_error():
    # `in` gives a Python bool, `True + True == 2`; a bool array adds as a logical or.
    assert memberships_counted(jnp.int32(1), jnp.int32(2)) == (2, -1)
    with pytest.raises(errors.StagingError, match=(
            f"`in` at .*:{line_of(memberships_counted, 'return')} gives a Python bool in Python.*computes "
            "with it as an int")):
        autocond.jit(memberships_counted)(jnp.int32(1), jnp.int32(2))


def test_membership_with_static_values_is_pythons():
    def f(key):
        return key in {"a": 1}, "b" not in "abc", None in [0, None]

    assert autocond.convert(f)("a") == (True, False, True)


def quarter(n):
    return TABLE[n % 4]


def signed(n):
    table = (10, 20, 30)
    return table[n]


def row(n):
    return ROWS[n] * 2


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, -3])
def test_a_tuple_of_numbers_indexed_by_a_traced_int(n):
    assert_matches_python(quarter, jnp.int32(n))
    if -3 <= n < 3:
        assert_matches_python(signed, jnp.int32(n))
        assert_matches_python(row, jnp.int32(n))
    got = jax.vmap(autocond.convert(quarter))(jnp.arange(6))
    np.testing.assert_array_equal(got, [quarter(k) for k in range(6)])


def test_an_index_out_of_range_raises_index_error_when_the_program_runs():
    line = line_of(signed, "return table[n]")
    error = rf"IndexError: tuple index out of range \(at .*:{line}\)"
    with pytest.raises(jax.errors.JaxRuntimeError, match=error):
        autocond.jit(signed)(jnp.int32(3)).block_until_ready()
    with pytest.raises(jax.errors.JaxRuntimeError, match="IndexError"):
        autocond.jit(signed)(jnp.int32(-4)).block_until_ready()


def test_a_float_index_is_pythons_type_error():
    with pytest.raises(TypeError, match="tuple indices must be integers or slices, not a traced array of"):
        autocond.jit(signed)(F(1.0))


def test_a_table_of_other_things_is_a_clear_error():
    def f(n):
        names = ("a", "b")
        return names[n]

    with pytest.raises(errors.StagingError, match="picks an item of a tuple whose items are not numbers"):
        autocond.jit(f)(jnp.int32(0))


_MIXED = (16777217, 0.5, 3)


def test_a_table_of_ints_beside_floats_picks_each_value_exactly_or_is_a_clear_error():
    def pick(n):
        return _MIXED[n]

    def small(n):
        table = (3, 0.5, 2)
        return table[n] * 2

    for n in range(3):
        assert autocond.jit(small)(jnp.int32(n)) == small(n)
    with pytest.raises(errors.StagingError, match=(
            "picks an item of a tuple holding the int 16777217, which its items as one array of float32 "
            "cannot hold exactly")):
        autocond.jit(pick)(jnp.int32(0))


_FLAGS = (True, False, True)


def test_a_table_of_python_bools_is_a_clear_error():
    # Found by a review: `_FLAGS[i] + _FLAGS[j]` gave True where Python gives 2.
    def count(i, j):
        return _FLAGS[i] + _FLAGS[j]

    assert count(jnp.int32(0), jnp.int32(2)) == 2
    with pytest.raises(errors.StagingError, match="picks an item of a tuple of Python bools, which Python"):
        autocond.jit(count)(jnp.int32(0), jnp.int32(2))


def test_a_table_rebound_to_something_else_is_not_a_table():
    def f(x, n):
        table = (1.0, 2.0)
        table = x  # an array: its subscripts stay as written
        return table[n]

    assert "lookup" not in autocond.to_source(f)
    assert_matches_python(f, jnp.array([1.0, 2.0]), jnp.int32(1))
