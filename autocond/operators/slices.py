"""Runtime of converted changes to local containers: `x[i] = v`, `x[i] op= v`, `xs.append(v)`."""

from __future__ import annotations

import linecache
import operator
import sys
import types
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from autocond import errors
from autocond.operators import staging
from autocond.operators.variables import StackedList

index = np.s_  # `index[i, 1:]` is the key `(i, slice(1, None))`, written as in a subscript

# The in-place operator of each augmented assignment, and the `.at[...]` method doing the
# same on a JAX array, where one exists.
_OPERATORS = {
    "+": (operator.iadd, "add"), "-": (operator.isub, "subtract"), "*": (operator.imul, "multiply"),
    "/": (operator.itruediv, "divide"), "**": (operator.ipow, "power"), "//": (operator.ifloordiv, None),
    "%": (operator.imod, None), "@": (operator.imatmul, None), "&": (operator.iand, None),
    "|": (operator.ior, None), "^": (operator.ixor, None), "<<": (operator.ilshift, None),
    ">>": (operator.irshift, None),
}


def setitem(target: Any, index: Any, value: Any, op: str | None = None, owned: bool = False) -> Any:
    """Assigns an item as Python does, and returns `target`::

        def setitem(target, index, value, op=None):
            if op is not None:        # `target[index] op= value`: the item read once
                value = _OPERATORS[op][0](target[index], value)
            target[index] = value
            return target

    The converter rebinds the variable to the result (`x = ac__.setitem(x, i, v)`). A list,
    dict or NumPy array changes in place, as in Python. A JAX array cannot: the result is
    the updated copy, `target.at[index].set(value)`, or with `op` the matching `.at[index]`
    method (`add`, `multiply`...) when `index` picks each element at most once, and
    otherwise `.at[index].set(target[index] op value)`, which is what Python would compute
    (an element picked twice is updated once). The value is cast to the array's dtype, as
    NumPy casts it (`x[0] = 2.5` on integers stores 2). A boolean mask of `target`'s shape with a
    scalar `value` becomes `jnp.where`, so the mask may be traced.

    Inside a traced branch or loop body, a container is a copy of the variable's value
    (autocond passes values in and out). `owned` says no other reference to it exists (the
    converter's `_owned`): then the change reaches every reader, and branches may assign
    keys, which must then agree. Otherwise the change could not reach the others: that
    raises a clear error.
    """
    if isinstance(target, jax.Array):
        return _update_array(target, index, value, op)
    if staging.tracing() and not owned:
        raise _in_place_error(target, sys._getframe(1))
    if op is None:
        target[index] = value
    else:
        target[index] = _OPERATORS[op][0](target[index], value)
    return target


def append(target: Any, value: Any) -> Any:
    """Appends as Python does, and returns `target`::

        def append(target, value):
            target.append(value)
            return target

    The converter rebinds the variable to the result (`xs = ac__.append(xs, v)`). Inside a
    traced branch or loop body a list is a copy of the variable's value (autocond passes
    values in and out), so the append reaches the variable and no other reference to the
    list; a traced loop stacks what each iteration appends. Another object with `append`
    cannot change there: that raises a clear error.
    """
    if staging.tracing() and not isinstance(target, list):
        raise _in_place_error(target, sys._getframe(1))
    target.append(value)
    return target


def stacked(fn: Callable, items: Any) -> Any:
    """`fn(items)`, where `fn` is what `jnp.stack`, `jnp.array` or `jnp.asarray` means in the
    user's code. On the list a traced loop appended arrays to, the same result computed from
    the loop's stacked output, without a slice per item in the program."""
    if fn in (jnp.stack, jnp.array, jnp.asarray) and isinstance(items, StackedList):
        array = items.stacked()
        if array is not None:
            return array  # what each of them makes of the rows
    return fn(items)


def _in_place_error(target: Any, frame: types.FrameType) -> errors.NotConvertedError:
    statement = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
    return errors.NotConvertedError(
        f"`{statement}` at {frame.f_code.co_filename}:{frame.f_lineno} changes a "
        f"{type(target).__name__} in place inside a traced branch or loop, which autocond "
        "traces on a copy, so the change could not reach other references to it. Use a JAX "
        "array (its items are updated as `.at[...]`), or rebind the variable to a new "
        "container (`d = {**d, k: v}`, `xs = xs[:i] + [v] + xs[i + 1:]`).")


def _update_array(target: jax.Array, index: Any, value: Any, op: str | None) -> jax.Array:
    if _is_full_mask(target, index) and jnp.ndim(value) == 0:
        new = value if op is None else _OPERATORS[op][0](target, value)
        return jnp.where(index, new, target).astype(target.dtype)
    method = _OPERATORS[op][1] if op else None
    if method and _each_element_once(index) and jnp.result_type(target, value) == target.dtype:
        return getattr(target.at[index], method)(value)
    if op is not None:
        value = _OPERATORS[op][0](target[index], value)
    # Cast as NumPy's assignment does (`.at[...].set` would warn of an unsafe cast).
    return target.at[index].set(jnp.asarray(value).astype(target.dtype))


def _is_full_mask(target: jax.Array, index: Any) -> bool:
    return (isinstance(index, (jax.Array, np.ndarray)) and index.dtype == bool
            and index.shape == target.shape)


def _each_element_once(index: Any) -> bool:
    """Whether an index picks no element twice: it has no integer arrays (ints, slices,
    `None`, `...` and scalar arrays only)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, slice) or p is None or p is Ellipsis or jnp.ndim(p) == 0
               for p in parts)
