"""Runtime of the builtins that ask the truth or the order of values (`max`, `min`, `any`,
`all`, `sum`, `len`, `int`, `float`, `bool`).

Converted code calls a builtin through `ac__.call`, which gives the function here in its
place. On static values each is the builtin itself. Where a value is traced, the builtin
would raise (`TracerBoolConversionError`); these compute what Python would, in Python's
order of comparisons (NaN included), and `lax` picks the values at run time. The reductions
also read a comprehension filtered by a traced `if` (`containers.Filtered`), counting only
the items kept.
"""

from __future__ import annotations

import builtins
import operator
from collections.abc import Callable, Iterator
from typing import Any

import jax
import jax.numpy as jnp

from autocond import _library
from autocond.operators import checks, containers, logical, primitives, staging
from autocond.operators.containers import Filtered

_NONE = object()  # an argument not given


def _masked(iterable: Any) -> Iterator[tuple[Any, Any]]:
    return iterable.masked() if isinstance(iterable, Filtered) else ((True, v) for v in iterable)


def _select(test: Any, if_true: Any, if_false: Any, where: str) -> Any:
    return logical.pick(test, lambda: if_true, lambda: if_false, where)


def _rows(name: str, array: jax.Array) -> None:
    """Python's builtins compare the items of an array: rows, for more than one dimension."""
    if array.ndim > 1:
        raise ValueError(
            f"`{name}` at {staging.site(3)} reads the rows of a traced array of shape {array.shape}: "
            f"the truth value of an array with more than one element is ambiguous. Use "
            f"`jnp.{name}(x, axis=0)` or `jnp.{name}(x)`.")


def max_(*args: Any, key: Callable | None = None, default: Any = _NONE) -> Any:
    """`max` as Python computes it::

        def max_(*args, key=lambda v: v, default=...):
            items = iter(args[0]) if len(args) == 1 else iter(args)
            best = next(items)            # or `default`, or ValueError, if there is none
            for item in items:
                if key(item) > key(best):
                    best = item
            return best

    So of equal items the first wins, a NaN first is kept and a NaN later never picked.
    Where a comparison is traced, `lax` picks the item at run time. Over a traced 1-D array
    (its elements, as Python iterates it) the result is computed for all elements at once.
    Over a comprehension filtered by a traced `if` only the items kept count; where none may
    be, the result is `default`, or without one the compiled program raises `ValueError`.
    """
    return _extreme("max", operator.gt, args, key, default)


def min_(*args: Any, key: Callable | None = None, default: Any = _NONE) -> Any:
    """`min` as Python computes it: `max_` with `key(item) < key(best)`."""
    return _extreme("min", operator.lt, args, key, default)


def _extreme(name: str, better: Callable, args: tuple, key: Callable | None, default: Any) -> Any:
    builtin = getattr(builtins, name)
    options = {} if default is _NONE else {"default": default}
    if key is not None:
        options["key"] = key
    if len(args) != 1:
        if not args or default is not _NONE:
            return builtin(*args, **options)  # Python's TypeError
        items = args
    elif isinstance(args[0], jax.core.Tracer) and key is None and args[0].ndim > 0:
        return _array_extreme(name, args[0], default)
    elif isinstance(args[0], Filtered):
        items = args[0]
    else:
        items = list(args[0])
    # (a concrete array compared while JAX traces gives a traced bool too)
    traced = isinstance(items, Filtered) or any(isinstance(x, jax.Array) for x in jax.tree.leaves(items))
    if key is None and not traced:
        return builtin(items, **options)
    where = f"the traced `{name}` at {staging.site(3)}"
    seen, best, best_key = False, None, None  # seen: True, False or a traced bool
    for kept, value in _masked(items):
        k = value if key is None else key(value)
        if seen is False:
            take = kept
        else:
            beats = better(k, best_key)
            take = containers.both(kept, beats if seen is True else ~seen | containers.truth(beats, where))
        if seen is False or not staging.is_traced(take):
            if take is not False and (staging.is_traced(take) or take):
                best, best_key = value, k
        else:
            best, best_key = _select(take, (value, k), (best, best_key), where)
        seen = True if kept is True or seen is True else (kept if seen is False else seen | kept)
    if seen is False:
        return builtin((), **options)  # `default`, or Python's ValueError
    if seen is not True:
        if default is not _NONE:
            return _select(seen, best, default, where)
        checks.check(seen, ValueError(f"{name}() arg is an empty sequence: no item of the "
                                      f"comprehension read by {where} was kept"))
    return best


def _array_extreme(name: str, x: jax.Array, default: Any) -> Any:
    """`max`/`min` of the elements of a traced 1-D array, as `_extreme` folds them."""
    _rows(name, x)
    if x.shape[0] == 0:
        return getattr(builtins, name)((), **({} if default is _NONE else {"default": default}))
    arg = jnp.argmax if name == "max" else jnp.argmin
    if not jnp.issubdtype(x.dtype, jnp.floating):
        return x[arg(x)]
    # A NaN first stays; a NaN later is never picked; of equal elements the first is.
    ignored = jnp.where(jnp.isnan(x), -jnp.inf if name == "max" else jnp.inf, x)
    return jnp.where(jnp.isnan(x[0]), x[0], x[arg(ignored)])


def any_(iterable: Any) -> Any:
    """`any` as Python computes it::

        def any_(iterable):
            for item in iterable:
                if item:
                    return True
            return False

    A traced item's truth is known at run time: the result is then the `|` of the truths
    (the items after it are still read, and their Python code runs while tracing). Over a
    comprehension filtered by a traced `if`, only the items kept count.
    """
    return _quantified(iterable, True)


def all_(iterable: Any) -> Any:
    """`all` as Python computes it: `any_` of the items' negations, negated."""
    return _quantified(iterable, False)


def _quantified(iterable: Any, wanted: bool) -> Any:
    """`any` (`wanted` True) or `all` (False): whether some item kept has that truth."""
    name = "any" if wanted else "all"
    if isinstance(iterable, jax.core.Tracer) and iterable.ndim > 0:
        _rows(name, iterable)
        return (jnp.any if wanted else jnp.all)(iterable != 0)
    where = f"the traced `{name}` at {staging.site(3)}"
    found = False  # whether an item kept has the truth `wanted`
    for kept, value in _masked(iterable):
        truth = containers.truth(value, where)
        hit = containers.both(kept, truth if wanted else (~truth if staging.is_traced(truth) else not truth))
        if not staging.is_traced(hit):
            if hit:
                return wanted
        else:
            found = hit if found is False else found | hit
    if wanted:
        return found
    return True if found is False else ~found


def sum_(iterable: Any, /, start: Any = 0) -> Any:
    """`sum` as Python computes it::

        def sum_(iterable, start=0):
            total = start
            for item in iterable:
                total = total + item
            return total

    Over a comprehension filtered by a traced `if`, an item is added where it is kept (a
    `select` between `total + item` and `total`).
    """
    if not isinstance(iterable, Filtered):
        return builtins.sum(iterable, start)
    where = f"the traced `sum` at {staging.site()}"
    total = start
    for kept, value in iterable.masked():
        total = total + value if kept is True else _select(kept, total + value, total, where)
    return total


def len_(obj: Any) -> Any:
    """`len(obj)`; of a comprehension filtered by a traced `if`, the number of items kept
    (a traced int)."""
    if not isinstance(obj, Filtered) or obj.generator:
        return builtins.len(obj)  # a generator's TypeError
    count = 0
    for kept, _ in obj.masked():
        count = count + (1 if kept is True else kept.astype(int))
    return count


def _scalar(name: str, x: jax.Array) -> jax.Array:
    """`x` as the scalar `name` converts, with the errors JAX gives for a concrete array."""
    if x.ndim if name != "bool" else x.size != 1:
        only = "a scalar array converts" if name != "bool" else "an array of one element has a truth value"
        raise TypeError(f"`{name}` at {staging.site(3)} got a traced array of shape {x.shape}: only {only}, "
                        "as for a concrete array.")
    if jnp.issubdtype(x.dtype, jnp.complexfloating) and name != "bool":
        raise TypeError(f"`{name}` at {staging.site(3)} got a traced complex number, which Python "
                        f"cannot convert to {name} either.")
    return x.reshape(())


def int_(*args: Any, **kwargs: Any) -> Any:
    """`int` as Python computes it: toward zero, of a traced number too.

    A traced number gives a traced int of JAX's default int type (weak-typed, like a Python
    int's value in `jnp`). Python raises for NaN and infinity, and its ints have no limit:
    the compiled program raises (`ValueError`) where the number is NaN, infinite or beyond
    the int type's range.
    """
    if len(args) != 1 or kwargs or not staging.is_traced(args[0]):
        return builtins.int(*args, **kwargs)
    x = _scalar("int", args[0])
    dtype = jax.dtypes.canonicalize_dtype(int)
    floating = jnp.issubdtype(x.dtype, jnp.floating)
    if floating or x.dtype != bool and jnp.iinfo(x.dtype).max > jnp.iinfo(dtype).max:
        x = jnp.trunc(x) if floating else x
        low, high, where = jnp.iinfo(dtype).min, jnp.iinfo(dtype).max, staging.site()
        # (`high` rounds up to `-low` as a float; an unsigned int is never below `low`)
        ok = (x >= low) & (x < float(-low)) if floating else x <= high
        checks.check(ok, lambda value: ValueError(
            f"`int` at {where} got {value}, which is not an int of {dtype} (Python raises for NaN "
            "and infinity, and has ints of any size)."), x)
    return primitives.convert_element_type(x, dtype, weak_type=True)


def float_(*args: Any, **kwargs: Any) -> Any:
    """`float` as Python computes it; a traced number gives a traced float of JAX's default
    float type (weak-typed, like a Python float's value in `jnp`)."""
    if len(args) != 1 or kwargs or not staging.is_traced(args[0]):
        return builtins.float(*args, **kwargs)
    return primitives.convert_element_type(_scalar("float", args[0]), jax.dtypes.canonicalize_dtype(float),
                                           weak_type=True)


def bool_(*args: Any, **kwargs: Any) -> Any:
    """`bool` as Python computes it; a traced number gives a traced bool (nonzero, NaN
    included, is true)."""
    if len(args) != 1 or kwargs or not staging.is_traced(args[0]):
        return builtins.bool(*args, **kwargs)
    x = _scalar("bool", args[0])
    return x if x.dtype == bool else x != 0


# The builtins `ac__.call` replaces: `max` by `max_`...
REPLACED = {getattr(builtins, name): globals()[name + "_"] for name in _library.REPLACED_BUILTINS}
