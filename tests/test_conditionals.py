"""Semantics of converted `if` statements: plain Python is the oracle, traced and static."""

from __future__ import annotations

import jax
import jax.extend.core
import jax.numpy as jnp
import pytest

import autocond
from autocond import errors
from tests.support import assert_matches_python, assert_same, primitives

F = jnp.float32



# --- the shapes of `if` statements, each branch taken ----------------------------------------


def if_only(x):
    y = x + 1
    if x > 0:
        y = x * 2
    return y


def if_else(x):
    if x > 0:
        y = x * 2
    else:
        y = x - 3
    return y


def if_elif_else(x):
    if x > 1:
        y = x * 2
    elif x > -1:
        y = x + 10
    else:
        y = -x
    return y


def if_elif_chain_no_else(x):
    y = x
    if x > 2:
        y = x * 3
    elif x > 0:
        y = x * 5
    elif x > -2:
        y = x * 7
    return y


def nested_ifs(x, z):
    if x > 0:
        if z > 0:
            y = x + z
        else:
            y = x - z
    else:
        if z > 0:
            y = x * z
        else:
            y = z - x
    return y


@pytest.mark.parametrize("x", [2.5, -1.5])
@pytest.mark.parametrize("fn", [if_only, if_else])
def test_if_and_if_else_traced(fn, x):
    assert_matches_python(fn, F(x))


@pytest.mark.parametrize("x", [3.0, 0.5, -4.0])
def test_if_elif_else_traced(x):
    assert_matches_python(if_elif_else, F(x))


@pytest.mark.parametrize("x", [3.0, 1.0, -1.0, -3.0])
def test_if_elif_chain_without_else_traced(x):
    assert_matches_python(if_elif_chain_no_else, F(x))


@pytest.mark.parametrize("x", [3, 0.5, -4.0])
def test_python_number_conditions(x):
    # Python numbers: plain Python when converted eagerly, traced (weakly typed) under jit.
    assert_matches_python(if_elif_else, x)


@pytest.mark.parametrize("x, z", [(1.0, 2.0), (1.0, -2.0), (-1.0, 2.0), (-1.0, -2.0)])
def test_nested_ifs_traced(x, z):
    assert_matches_python(nested_ifs, F(x), F(z))


def if_on_static(x, mode, scale):
    if mode == "double":
        x = x * 2
    elif mode == "shift":
        x = x + scale
    else:
        if scale > 1:
            x = x * scale
        else:
            x = x - scale
    return x


@pytest.mark.parametrize("mode, scale", [("double", 3), ("shift", 3), ("other", 3), ("other", 0.5)])
def test_static_conditions_from_static_argnames(mode, scale):
    assert_matches_python(if_on_static, F(1.5), mode, scale, static_argnames=("mode", "scale"))


def if_on_shape(x):
    if x.shape[0] > 2:
        y = x[:2] * 2
    else:
        y = x + 1
    if len(x) == 3:
        y = y - 1
    return y


@pytest.mark.parametrize("n", [2, 3, 4])
def test_static_conditions_on_shapes(n):
    assert_matches_python(if_on_shape, jnp.arange(n, dtype=jnp.float32))


def if_on_python_constant(x):
    flag = True
    limit = 3
    if flag and limit > 2:
        x = x + 1
    else:
        x = x.undefined_attribute  # never traced: the condition is a Python constant
    return x


def test_static_python_constant_condition():
    assert_matches_python(if_on_python_constant, F(2.0))


# --- `return` in branches ----------------------------------------------------------------------


def early_return(x):
    if x > 0:
        return x * 3
    x = x - 1
    return x * x


def return_in_every_branch(x):
    if x > 1:
        return x + 1
    elif x > -1:
        return x * 10
    else:
        return -x


def nested_returns(x, z):
    if x > 0:
        if z > 0:
            return x + z
        y = x * 3
    else:
        if z > 0:
            return z - x
        y = x * 2
    return y + 1


def return_then_code_with_variable_defined_before(x):
    y = x * 4
    if x > 0:
        return x
    elif x < -2:
        y = x + 100
    return y - 1


def return_then_code_with_variable_from_other_branch(x):
    if x > 0:
        return x
    else:
        y = x * 2
    return y + 1


@pytest.mark.parametrize("x", [2.0, -2.0])
def test_early_return(x):
    assert_matches_python(early_return, F(x))


@pytest.mark.parametrize("x", [3.0, 0.0, -3.0])
def test_return_in_every_branch(x):
    assert_matches_python(return_in_every_branch, F(x))


@pytest.mark.parametrize("x, z", [(1.0, 2.0), (1.0, -2.0), (-1.0, 2.0), (-1.0, -2.0)])
def test_nested_returns(x, z):
    assert_matches_python(nested_returns, F(x), F(z))


@pytest.mark.parametrize("x", [1.0, -1.0, -3.0])
def test_return_in_some_branches_then_code(x):
    assert_matches_python(return_then_code_with_variable_defined_before, F(x))


def return_then_code_with_variable_from_elif(x):
    if x > 0:
        return x
    elif x < -1:
        y = x * 2
    else:
        return -x
    return y + 1


@pytest.mark.parametrize("x", [1.0, -0.5, -3.0])
@pytest.mark.parametrize(
    "fn", [return_then_code_with_variable_from_other_branch, return_then_code_with_variable_from_elif]
)
def test_return_in_some_branches_variable_assigned_in_the_others(fn, x):
    assert_matches_python(fn, F(x))


def return_in_static_branch(x, n):
    if n > 2:
        return x * n
    return x - n


@pytest.mark.parametrize("n", [1, 5])
def test_return_under_static_condition(n):
    assert_matches_python(return_in_static_branch, F(2.0), n, static_argnames=("n",))


# --- variables through branches ----------------------------------------------------------------


def temporaries_local_to_branches(x):
    y = x
    if x > 0:
        t = x * 2
        y = t + 1
    else:
        u = x - 1
        t = u * u
        y = t + u
    return y


@pytest.mark.parametrize("x", [2.0, -2.0])
def test_temporaries_local_to_branches(x):
    assert_matches_python(temporaries_local_to_branches, F(x))


def python_numbers_of_different_types(x):
    if x > 0:
        y = 1
    else:
        y = 2.0
    return y


@pytest.mark.parametrize("x", [1.0, -1.0])
def test_branches_assign_python_numbers_of_different_types(x):
    want = assert_matches_python(python_numbers_of_different_types, F(x))
    assert type(want) is (int if x > 0 else float)
    got = autocond.jit(python_numbers_of_different_types)(F(x))
    assert got.dtype == jnp.result_type(1, 2.0)  # promoted as jnp would


def untouched_variables(x, z):
    label = "kept"
    w = z * 3
    if x > 0:
        x = x + w
    return x, w * len(label)  # the string passes through the traced `if` unchanged


@pytest.mark.parametrize("x", [1.0, -1.0])
def test_variables_not_assigned_in_branches_pass_through(x):
    assert_matches_python(untouched_variables, F(x), F(2.0))


def tuple_state(x, v):
    state = (x, v)
    if x > 0:
        state = (state[0] + 1, state[1] * 2)
    else:
        a, b = state
        state = (a * b.sum(), b - a)
    return state


def dict_state(x, v):
    state = {"a": x, "b": (v, v + 1)}
    if v.sum() > 0:
        state = {"a": state["a"] * 2, "b": (state["b"][1], state["b"][0])}
    else:
        state = {**state, "a": state["a"] - 1}
    return state


def dict_item_assigned_in_branch(x):
    state = {"a": x, "b": 0.0}
    if x > 0:
        state["a"] = x * 2
    else:
        state["b"] += 1.0
    return state


@pytest.mark.parametrize("x", [1.0, -1.0])
def test_item_assignment_in_a_traced_branch_on_a_dict_the_function_owns(x):
    assert_matches_python(dict_item_assigned_in_branch, F(x))


def dict_held_twice(x):
    state = {"a": x}
    before = state
    if x > 0:
        state["a"] = x * 2
    return before


def test_item_assignment_in_a_traced_branch_on_a_shared_dict_is_a_clear_error():
    # A traced branch works on a copy of the dict, so the change could not reach `before`:
    # `setitem` refuses to make it while the branch is traced.
    assert_matches_python(dict_held_twice, 1.0, jit=False)  # static: Python
    message = r"`state\[\"a\"\] = x \* 2` at .*test_conditionals.py:\d+ changes a dict in place"
    with pytest.raises(errors.NotConvertedError, match=message):
        autocond.jit(dict_held_twice)(F(1.0))


def augmented_assignment_in_both_branches(x):
    n = 0
    if x > 0:
        n += 1
    else:
        n += 2
    return n


@pytest.mark.parametrize("x", [1.0, -1.0])
def test_augmented_assignment_reads_its_target(x):
    # Regression: liveness missed the read of `n` in `n += 1`, so `n` was not passed in.
    assert_matches_python(augmented_assignment_in_both_branches, F(x))


@pytest.mark.parametrize("x", [1.0, -1.0])
def test_tuple_state_in_branches(x):
    assert_matches_python(tuple_state, F(x), jnp.array([1.0, 2.0, 3.0]))


@pytest.mark.parametrize("v", [[1.0, 2.0], [-1.0, -2.0]])
def test_dict_state_in_branches(v):
    assert_matches_python(dict_state, F(0.5), jnp.array(v))


def assigned_in_one_branch(x):
    if x > 0:
        y = x * 2
    return y


def test_variable_assigned_in_one_traced_branch_is_unbound_after():
    # Read only where Python bound it: as Python; read where it did not, Python's error when
    # the program runs (`UnboundLocalError`: `UndefinedVariableError` subclasses it).
    assert_matches_python(assigned_in_one_branch, F(1.0))
    with pytest.raises(UnboundLocalError):
        assigned_in_one_branch(F(-1.0))
    with pytest.raises(jax.errors.JaxRuntimeError, match="UndefinedVariableError: `y` has no value"):
        jax.block_until_ready(autocond.jit(assigned_in_one_branch)(F(-1.0)))


# --- kinds of conditions ------------------------------------------------------------------------


def truthiness(c, x):
    if c:
        x = x + 1
    else:
        x = x - 1
    return x


@pytest.mark.parametrize(
    "c",
    [
        pytest.param(F(0.0), id="float-zero"),
        pytest.param(F(-2.5), id="float-nonzero"),
        pytest.param(jnp.int32(0), id="int-zero"),
        pytest.param(jnp.int32(3), id="int-nonzero"),
        pytest.param(jnp.bool_(True), id="bool-true"),
        pytest.param(jnp.bool_(False), id="bool-false"),
        pytest.param(jnp.array([True]), id="shape1-bool-true"),
        pytest.param(jnp.array([0.0]), id="shape1-float-zero"),
        pytest.param(jnp.array([7], dtype=jnp.int32), id="shape1-int-nonzero"),
    ],
)
def test_condition_truthiness(c):
    assert_matches_python(truthiness, c, F(1.5))


def bool_array_condition(v):
    if (v > 0).all():
        y = v * 2
    elif (v > 0).any():
        y = v + 1
    else:
        y = -v
    return y


@pytest.mark.parametrize("v", [[1.0, 2.0], [1.0, -2.0], [-1.0, -2.0]])
def test_reduced_bool_array_condition(v):
    assert_matches_python(bool_array_condition, jnp.array(v))


# --- a static condition's untaken branch is never traced ---------------------------------------

traced_untaken = []


def untaken_branch_fails(x, items, use_first):
    if use_first:
        y = x + items[0]
    else:
        traced_untaken.append("else")
        y = x + items[len(items)]  # IndexError if it were ever run
        raise AssertionError("the untaken branch ran")
    return y


def test_untaken_static_branch_is_never_traced():
    traced_untaken.clear()
    items = (F(1.0), F(2.0))
    with pytest.raises(IndexError):  # the branch really fails when taken
        untaken_branch_fails(F(0.0), items, False)
    traced_untaken.clear()
    assert_matches_python(untaken_branch_fails, F(3.0), items, True, static_argnames=("use_first",))
    assert traced_untaken == []


def untaken_branch_bad_shape(x, n):
    if x.shape[0] == n:
        y = x * 2
    else:
        y = x.reshape(n, n + 1)  # cannot trace: wrong number of elements
    return y


def test_untaken_shape_branch_is_never_traced():
    assert_matches_python(untaken_branch_bad_shape, jnp.ones(3), 3, static_argnames=("n",))
    with pytest.raises(TypeError):
        autocond.jit(untaken_branch_bad_shape, static_argnames=("n",))(jnp.ones(3), 2)


# --- the staged program ---------------------------------------------------------------------------


def test_traced_if_gives_one_cond():
    jaxpr = jax.make_jaxpr(autocond.convert(if_else))(F(1.0)).jaxpr
    assert [e.primitive.name for e in jaxpr.eqns].count("cond") == 1
    assert primitives(jaxpr).count("cond") == 1


def test_traced_if_elif_else_gives_nested_conds():
    jaxpr = jax.make_jaxpr(autocond.convert(if_elif_else))(F(1.0)).jaxpr
    assert [e.primitive.name for e in jaxpr.eqns].count("cond") == 1
    assert primitives(jaxpr).count("cond") == 2


def test_static_if_gives_no_cond():
    jaxpr = jax.make_jaxpr(autocond.convert(if_on_shape))(jnp.ones(3)).jaxpr
    assert primitives(jaxpr).count("cond") == 0


# --- tracing happens again only when a static argument changes ---------------------------------

traces = []


def thresholded(x, threshold):
    traces.append(threshold)
    if threshold > 0:
        if x > threshold:
            x = x - threshold
    else:
        x = x * 2
    return x


def test_retraced_only_when_static_argument_changes():
    traces.clear()
    fn = autocond.jit(thresholded, static_argnames=("threshold",))
    calls = [(2.0, 1.0), (5.0, 1.0), (0.5, 1.0), (3.0, -1.0), (4.0, -1.0), (7.0, 1.0)]
    for x, threshold in calls:
        got = fn(F(x), threshold=threshold)
        traces_so_far = list(traces)
        assert_same(thresholded(F(x), threshold), got)
        traces[:] = traces_so_far
    assert traces == [1.0, -1.0]


# --- flags set to Python bools: `|` and `&` instead of `select_n` -------------------------------


def set_if_true(c, flag):
    if c > 0:
        flag = True
    return flag


def cleared_if_true(c, flag):
    if c > 0:
        flag = False
    return flag


def set_if_false(c, flag):
    if c > 0:
        pass
    else:
        flag = True
    return flag


def cleared_if_false(c, flag):
    if c > 0:
        pass
    else:
        flag = False
    return flag


def set_or_cleared(c, flag):
    if c > 0:
        flag = True
    else:
        flag = False
    return flag


@pytest.mark.parametrize("fn", [set_if_true, cleared_if_true, set_if_false, cleared_if_false, set_or_cleared])
@pytest.mark.parametrize("c", [1.0, -1.0])
@pytest.mark.parametrize("flag", [True, False])
def test_a_flag_set_to_a_python_bool_in_a_branch(fn, c, flag):
    assert_matches_python(fn, F(c), jnp.asarray(flag))
    jaxpr = jax.make_jaxpr(autocond.convert(fn))(F(c), jnp.asarray(flag)).jaxpr
    assert not {"cond", "select_n"} & set(primitives(jaxpr))


def test_variable_deleted_then_assigned_in_if():
    def f(x):
        y = 1
        del y
        if x > 0:
            y = 2
        return y

    assert autocond.convert(f)(1) == 2
