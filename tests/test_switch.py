"""`if`/`elif` chains on one integer and `match` on literals: one `lax.switch` when the
subject is traced, Python's meaning (first match, else/`case _` or nothing) for every value."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import pytest

import autocond
from autocond import errors
from tests.support import assert_matches_python, primitives

F = jnp.float32
I32 = jnp.int32
VALUES = (-1, 0, 1, 2, 3, 7)


def chain(k, x):
    if k == 0:
        y = x
    elif k == 1 or k == 2:
        y = x * 2
    elif k == 3:
        y = x * 3
    else:
        y = -x
    return y


def matched(k, x):
    match k:
        case 0:
            y = x
        case 1 | 2:
            y = x * 2
        case 3:
            y = x * 3
        case _:
            y = -x
    return y


def chain_without_else(k, x):
    y = x
    if k == 0:
        y = x + 1
    elif 2 == k:
        y = x + 2
    elif k == -1:
        y = x - 1
    return y


def matched_without_default(k, x):
    y = x
    match k:
        case 0:
            y = x + 1
        case 2:
            y = x + 2
        case -1:
            y = x - 1
    return y


def matched_expression(k, x):
    match k % 3:
        case 0:
            return x
        case 1:
            return x * 10
    return -x


ALL = [chain, matched, chain_without_else, matched_without_default, matched_expression]


@pytest.mark.parametrize("fn", ALL)
@pytest.mark.parametrize("k", VALUES)
def test_every_value_as_python(fn, k):
    assert_matches_python(fn, I32(k), F(1.5))
    assert_matches_python(fn, k, F(1.5), static_argnames=("k",))


@pytest.mark.parametrize("fn", [chain, matched])
def test_acceptance_four_way_is_one_switch(fn):
    prims = primitives(jax.make_jaxpr(autocond.convert(fn))(I32(1), F(1.5)).jaxpr)
    assert prims.count("cond") == 1
    (eqn,) = [e for e in jax.make_jaxpr(autocond.convert(fn))(I32(1), F(1.5)).jaxpr.eqns
              if e.primitive.name == "cond"]
    assert len(eqn.params["branches"]) >= 3


def test_under_vmap():
    ks = jnp.array(VALUES, I32)
    got = jax.vmap(autocond.convert(matched), in_axes=(0, None))(ks, F(1.5))
    assert got.tolist() == [matched(k, 1.5) for k in VALUES]


@pytest.mark.parametrize("fn", ALL)
@pytest.mark.parametrize("k", VALUES)
def test_a_concrete_subject_compared_while_jax_traces(fn, k):
    # Found by the property tests: under `jax.jit`, a concrete array the function closes over
    # compares to a traced bool; the chain is then staged instead of calling `bool` on it.
    subject = I32(k)
    got = jax.jit(lambda x: autocond.convert(fn)(subject, x))(F(1.5))
    assert got == fn(subject, F(1.5))


def test_a_match_on_other_patterns_stays_python():
    def unpack(p, x):
        match p:
            case (a, b):
                return x * a + b
            case _:
                return x

    assert autocond.convert(unpack)((2.0, 1.0), F(3.0)) == 7.0
    with pytest.raises(errors.NotConvertedError, match=r"The subject of the `match` at .*test_switch.py:\d+ "
                                                        r"is traced, but autocond converts"):
        autocond.jit(unpack)(jnp.arange(2.0), F(3.0))


def test_a_class_pattern_on_a_variable_that_may_be_unbound():
    # Found by the property tests: the read of `kind` became a call, which no pattern may hold.
    def describe(flag, x):
        if flag:
            kind = float
        match x:
            case kind():
                return 1
            case _:
                return 0

    converted = autocond.convert(describe)
    for x in (1.5, "s"):
        assert converted(True, x) == describe(True, x)
    # Unbound, Python's own read raises; the converted function's placeholder is no class.
    with pytest.raises(UnboundLocalError):
        describe(False, 1.5)
    with pytest.raises(TypeError, match="called match pattern must be a"):
        converted(False, 1.5)


def test_a_guard_keeps_python():
    def guarded(k, x):
        match k:
            case 0 if x > 0:
                return x
            case _:
                return -x

    assert autocond.convert(guarded)(0, 1.0) == 1.0
    with pytest.raises(errors.NotConvertedError, match="The subject of the `match`"):
        autocond.jit(guarded)(I32(0), F(1.0))
