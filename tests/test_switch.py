"""`if`/`elif` chains on one integer and `match` on literals: one `lax.switch` when the
subject is traced, Python's meaning (first match, else/`case _` or nothing) for every value,
`return`s in the branches included."""

from __future__ import annotations

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import autocond
from autocond import errors
from tests.converters.support import assert_converts
from tests.support import assert_matches_python, line_of, primitives

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


def returning_chain(k, x):
    if k == 0:
        return x
    elif k == 1:
        return x * 2
    elif k == 2:
        return x * 3
    else:
        return -x


def returning_match(k, x):
    match k:
        case 0:
            return x + 1
        case 1 | 2:
            return x * 2
        case 3:
            y = x * 3
        case _:
            return -x
    return y + 1


def returning_some(k, x):
    # `y` is unbound only where the function has returned.
    if k == 0:
        return x
    elif k == 1:
        y = x
    elif k == 2:
        return x * 2
    else:
        y = 2 * x
    return y + 1


def returning_in_loop(k, x):
    for _ in range(3):
        x = x + 1
        if k == 0:
            return x
        elif k == 1:
            x = x * 2
        elif k == 2:
            return -x
    return x


def one_case_of_two_values(k, x):
    match k:
        case 1 | 2:
            y = x * 2
        case _:
            y = -x
    return y


def one_test_of_two_values(k, x):
    y = x
    if k == 1 or k == -1:
        return x * 2
    return y


RETURNING = [matched_expression, returning_chain, returning_match, returning_some, returning_in_loop]
ALL = [chain, matched, chain_without_else, matched_without_default, one_case_of_two_values,
       one_test_of_two_values] + RETURNING


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


def test_a_chain_of_returns_is_one_switch():
    jaxpr = jax.make_jaxpr(autocond.convert(returning_chain))(I32(1), F(1.5)).jaxpr
    assert primitives(jaxpr).count("cond") == 1
    (eqn,) = [e for e in jaxpr.eqns if e.primitive.name == "cond"]
    assert len(eqn.params["branches"]) == 4


def test_a_match_with_returns_is_one_switch_its_one_open_case_holding_what_follows():
    jaxpr = jax.make_jaxpr(autocond.convert(returning_match))(I32(1), F(1.5)).jaxpr
    assert primitives(jaxpr).count("cond") == 1
    assert [len(e.params["branches"]) for e in jaxpr.eqns if e.primitive.name == "cond"] == [4]


def test_the_index_is_one_comparison_and_one_select_per_value():
    # `case 1 | 2` adds a comparison and a select for each value, no `or` of the two (values
    # far apart: no table).
    jaxpr = jax.make_jaxpr(autocond.convert(matched))(F(1.0), F(1.5)).jaxpr
    assert sorted(e.primitive.name for e in jaxpr.eqns) == ["cond"] + ["eq"] * 4 + ["select_n"] * 4


def test_the_index_of_int_cases_close_together_is_one_lookup():
    jaxpr = jax.make_jaxpr(autocond.convert(matched))(I32(1), F(1.5)).jaxpr
    names = sorted(e.primitive.name for e in jaxpr.eqns)
    assert names == ["clamp", "cond", "dynamic_slice", "squeeze", "sub"]


@pytest.mark.parametrize("fn", [one_case_of_two_values, one_test_of_two_values])
def test_one_test_of_several_values_is_one_cond(fn):
    # Not an `if` on `ac__.or_(k == 1, lambda: k == 2)`, whose `or` is a `cond` too.
    jaxpr = jax.make_jaxpr(autocond.convert(fn))(I32(1), F(1.5)).jaxpr
    assert primitives(jaxpr).count("cond") == 1
    assert [e.primitive.name for e in jaxpr.eqns][:3] == ["eq", "eq", "or"]


def test_returns_convert_to_a_switch_that_says_where_the_function_returned():
    # Golden (compared after `ast.unparse`): each branch says whether the function has
    # returned at its end, and which `return`s its return value may come from.
    assert_converts(
        """
        def f(k, x):
            match k:
                case 0:
                    return x
                case 1 | 2:
                    y = x * 2
                case _:
                    return -x
            return y
        """,
        """
        def f(k, x):

            def case_0():
                return x

            def case_1_or_2():
                y = x * 2
                return y

            def case_default():
                return -x
            return ac__.switch_stmt(k, ((0,), (1, 2)), (case_0, case_1_or_2, case_default), (), ('retval_',),
                                    returned=(True, True, True), return_lines={'retval_': ((4,), (9,), (8,))})
        """)


def _returns_a_pair_for_one(k, x):
    if k == 0:
        return x
    elif k == 1:
        return x, x
    else:
        return x


def test_returns_of_different_structures_name_both_returns():
    with pytest.raises(errors.StagingError) as info:
        autocond.jit(_returns_a_pair_for_one)(I32(0), F(1.0))
    fn, file = _returns_a_pair_for_one, re.escape(__file__)
    assert re.search(
        f"The function returns a different structure on the paths through the traced `if`/`elif` "
        f"chain or `match` at {file}:{line_of(fn, 'k == 0')}: PyTreeDef\\(\\*\\) from `return x` at "
        f"{file}:{line_of(fn, 'return x')}, PyTreeDef\\(\\(\\*, \\*\\)\\) from `return x, x` at "
        f"{file}:{line_of(fn, 'return x, x')}\\. Every `return` must give the same structure",
        str(info.value)), str(info.value)


def _returns_a_pair_after_a_branch_that_does_not_return(k, x):
    if k == 0:
        y = x
    elif k == 1:
        return x
    elif k == 2:
        return x, x
    else:
        return x
    return y


def test_returns_of_different_structures_after_a_branch_that_does_not_return():
    with pytest.raises(errors.StagingError) as info:
        autocond.jit(_returns_a_pair_after_a_branch_that_does_not_return)(I32(0), F(1.0))
    fn, file = _returns_a_pair_after_a_branch_that_does_not_return, re.escape(__file__)
    assert re.search(
        f"PyTreeDef\\(\\*\\) from `return y` at {file}:{line_of(fn, 'return y')}, "
        f"PyTreeDef\\(\\(\\*, \\*\\)\\) from `return x, x` at {file}:{line_of(fn, 'return x, x')}\\.",
        str(info.value)), str(info.value)


def _unbound_in_the_default(k, x):
    if k == 0:
        return x
    elif k == 1:
        y = x
    return y


def test_a_variable_unbound_on_a_path_that_reads_it_is_named():
    for k in (0, 1):  # bound where Python reads it
        assert autocond.jit(_unbound_in_the_default)(I32(k), F(1.0)) == 1.0
    with pytest.raises(jax.errors.JaxRuntimeError, match="UndefinedVariableError") as info:
        jax.block_until_ready(autocond.jit(_unbound_in_the_default)(I32(2), F(1.0)))
    fn, file = _unbound_in_the_default, re.escape(__file__)
    assert re.search(f"`y` has no value at {file}:{line_of(fn, 'return y')}", str(info.value))
    assert re.search(f"the traced `if`/`elif` chain or `match` at {file}:{line_of(fn, 'k == 0')} \\(by "
                     f"`y = x` at {file}:{line_of(fn, 'y = x')}\\) but not in the default branch",
                     str(info.value)), str(info.value)


@pytest.mark.parametrize("fn", [matched, returning_match, returning_some])
def test_under_vmap(fn):
    ks = jnp.array(VALUES, I32)
    got = jax.vmap(autocond.convert(fn), in_axes=(0, None))(ks, F(1.5))
    assert got.tolist() == [fn(k, 1.5) for k in VALUES]


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


def guarded(k, x):
    match k:
        case 0 if x > 0:
            return x
        case 1:
            return x * 2
        case (2 | 3) as m if m * x > 2:
            return m * x
        case 4 | 3 if x >= 1.1:
            return x + 4
        case _ as other if other > 10:
            return x - other
        case big:
            return x + big * 10


def capture_bound_after(k):
    y = 0
    match k:
        case 1 | 2 as m:
            y = m + 1
        case n:
            y = n * 2
    return y


@pytest.mark.parametrize("k", [0, 1, 2, 3, 4, 7, 12])
@pytest.mark.parametrize("x", [-1.0, 1.0, 1.5])
def test_captures_and_guards_on_a_traced_subject(k, x):
    assert_matches_python(guarded, I32(k), F(x))
    assert_matches_python(guarded, k, F(x), static_argnames=("k",))  # a static subject, a traced guard
    assert_matches_python(capture_bound_after, I32(k))


def test_captures_and_guards_under_vmap():
    ks, xs = jnp.array([0, 1, 2, 3, 4, 7, 12]), jnp.array([1.0, -1.0, 1.5, 0.5, 1.5, 2.0, 3.0])
    got = jax.vmap(autocond.convert(guarded))(ks, xs)
    want = [guarded(k, x) for k, x in zip(ks.tolist(), xs.tolist())]
    np.testing.assert_allclose(np.asarray(got), np.asarray(want, np.float32), rtol=1e-6)


def test_a_capture_inside_alternatives_keeps_python():
    def f(k):
        match k:
            case (1 as a) | (2 as a):
                return a
            case _:
                return 0

    assert autocond.convert(f)(2) == 2
    with pytest.raises(errors.NotConvertedError, match="literals or captures"):
        autocond.jit(f)(I32(2))


def dispatch_near(k):
    match k:
        case -2:
            y = 1.0
        case 0 | 3:
            y = 2.0
        case 5 | 6:
            y = 3.0
        case _:
            y = 4.0
    return y


def dispatch_far(k):
    match k:
        case 0:
            y = 1.0
        case 1000:
            y = 2.0
        case _:
            y = 3.0
    return y


@pytest.mark.parametrize("dtype", [jnp.int32, jnp.int8])
def test_int_cases_close_together_are_looked_up(dtype):
    # Below, between, on and above the values, to the int type's ends: a table of the cases.
    jaxpr = jax.make_jaxpr(autocond.convert(dispatch_near))(dtype(0)).jaxpr
    assert "eq" not in primitives(jaxpr) and primitives(jaxpr).count("dynamic_slice") == 1
    bounds = jnp.iinfo(dtype)
    for k in [bounds.min, -100, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 100, bounds.max]:
        assert_matches_python(dispatch_near, dtype(k))
        assert_matches_python(dispatch_far, dtype(k))
