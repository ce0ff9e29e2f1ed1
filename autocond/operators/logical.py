"""Runtime of logical operators and conditional expressions on possibly traced values.

Where the deciding operand is a Python value or a concrete array, each runs exactly as
Python does, short-circuit included. Where it is traced, Python would raise
(`TracerBoolConversionError`); these instead evaluate the operand Python might skip (its
Python code runs while tracing) and let `lax.cond` pick the value at run time.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import jax.numpy as jnp

from autocond import errors
from autocond.operators import conditionals, containers, lowerings, staging

_COMPARISONS = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
    ">=": operator.ge, "is": operator.is_, "is not": operator.is_not,
    "in": containers.in_, "not in": containers.not_in,
}


def if_exp(test: Any, if_true: Callable[[], Any], if_false: Callable[[], Any]) -> Any:
    """A conditional expression, as Python evaluates it::

        def if_exp(test, if_true, if_false):
            return if_true() if test else if_false()

    With `test` traced, both are traced and `lax.cond` picks one (not `jnp.where`, whose
    gradient would see the untaken side's NaNs); they must agree in structure and shape, and
    dtypes are promoted as `jnp` would.
    """
    if not staging.is_traced(test):
        if lowerings.wanted():
            lowerings.static(staging.site(), "conditional expression", test)
        return if_true() if test else if_false()
    return pick(test, if_true, if_false, f"the traced conditional expression at {staging.site()}",
                staging.stored_in())


def pick(test: Any, if_true: Callable[[], Any], if_false: Callable[[], Any], where: str,
         target: str = "") -> Any:
    """`if_true() if test else if_false()`; with `test` traced, both traced and picked by
    `lax` at run time (`where` names the construct in errors, and `target` the variable its
    value is assigned to, if one)."""
    if not staging.is_traced(test):
        return if_true() if test else if_false()
    return conditionals.staged(test, (if_true, if_false), (), (target or "the value",), where,
                               ("the value if true", "the value if false"))


def and_(value: Any, *rest: Callable[[], Any]) -> Any:
    """`value and rest[0]() and rest[1]() ...`, as Python evaluates it: the first falsy
    operand, or the last one; later operands are evaluated only when needed."""
    where = f"the traced `and` at {staging.site()}"
    for operand in rest:
        if not staging.is_traced(value) and not value:
            return value
        value = pick(value, operand, lambda v=value: v, where)
    return value


def or_(value: Any, *rest: Callable[[], Any]) -> Any:
    """`value or rest[0]() or rest[1]() ...`, as Python evaluates it: the first truthy
    operand, or the last one; later operands are evaluated only when needed."""
    where = f"the traced `or` at {staging.site()}"
    for operand in rest:
        if not staging.is_traced(value) and value:
            return value
        value = pick(value, lambda v=value: v, operand, where)
    return value


def compare(left: Any, *rest: Any) -> Any:
    """A chained comparison `left op1 right1 op2 right2 ...` (`rest` alternates operator
    symbols and functions computing the operands), as Python evaluates it: each operand
    once, the comparisons joined by `and`."""
    where = f"the traced comparison at {staging.site()}"
    result = None
    for symbol, operand in zip(rest[::2], rest[1::2]):
        if result is not None and not staging.is_traced(result) and not result:
            return result
        right = operand()
        value = _COMPARISONS[symbol](left, right)
        result = value if result is None else pick(result, lambda v=value: v, lambda r=result: r, where)
        left = right
    return result


def not_(value: Any, int_use: int | None = None) -> Any:
    """Negates as Python does::

        def not_(value):
            return not value

    A traced value gives a traced bool (`jnp.logical_not`), with Python's truth rules for
    numbers; it must have one element. That is not Python's bool where the function computes
    with it as an int (`int_use`, the line doing it): an error there (`counted`).
    """
    if not staging.is_traced(value):
        return not value
    if int_use is not None:
        raise _counted_error("`not`", staging.site(), int_use, "`jnp.logical_not(...)` to compute as JAX "
                             "does, or `jnp.int32(not ...)` to count as Python does")
    return jnp.logical_not(staging.predicate(value, "`not`"))


def counted(value: Any, what: str, int_use: int) -> Any:
    """`value`, given by `what` (`in`, `bool(...)`...), which gives a Python bool in Python,
    and computed with as an int by the function at line `int_use`. A traced value is a bool
    array here, which JAX adds as a logical or: an error."""
    if staging.is_traced(value):
        raise _counted_error(what, staging.site(), int_use, "`jnp.int32(...)` around it to count as "
                             "Python does")
    return value


def _counted_error(what: str, here: str, int_use: int, fix: str) -> errors.StagingError:
    return errors.StagingError(
        f"{what} at {here} gives a Python bool in Python, but its operand is traced, so it gives a "
        f"bool array here, and the function computes with it as an int at {here.rpartition(':')[0]}:"
        f"{int_use}: Python counts a bool as the int it is (`True + True == 2`) but JAX adds bool "
        f"arrays as a logical or. Use {fix}.")
