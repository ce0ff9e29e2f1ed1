"""Runtime of Python containers read with traced values: comprehensions filtered by a
traced `if`, membership (`n in (1, 3)`) and items picked by a traced index (`TABLE[n % 4]`).

Where nothing is traced each is Python's own operation. Where a value is traced, Python
would raise (`TracerBoolConversionError`, `TracerIntegerConversionError`); these compute
what Python would, the choice made at run time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from autocond import errors
from autocond.operators import checks, staging


def both(a: Any, b: Any) -> Any:
    """`a and b` of truths that are Python bools or traced bools."""
    if not staging.is_traced(a):
        return b if a else False
    if not staging.is_traced(b):
        return a if b else False
    return a & b


def truth(value: Any, where: str) -> Any:
    """`bool(value)`: a traced bool where `value` is traced (`where` names the construct)."""
    return staging.predicate(value, where) if staging.is_traced(value) else bool(value)


class _Kept:
    """An item of a comprehension kept where the traced bool `mask` holds."""

    def __init__(self, mask: jax.Array, value: Any):
        self.mask, self.value = mask, value


def keep(kept: Any, test: Any) -> tuple:
    """A comprehension's `if test`, after the filters before it gave `kept` (True, or a
    traced bool): no item where `test` is false in Python, else the mask of the item."""
    if not staging.is_traced(test):
        return (kept,) if test else ()
    test = staging.predicate(test, "the traced `if` of a comprehension")
    return (test if kept is True else kept & test,)


def item(kept: Any, value: Any) -> Any:
    """A comprehension's item, `value` itself where every filter held in Python."""
    return value if kept is True else _Kept(kept, value)


def filtered(items: Any) -> Any:
    """What a list comprehension or generator expression with filters gives: the list of
    its values, or the generator, as Python's; where a traced filter decides, a `Filtered`."""
    where = staging.site()
    if isinstance(items, list):
        if not any(isinstance(i, _Kept) for i in items):
            return items
        return Filtered(items, f"The list comprehension at {where}", generator=False)
    return Filtered(items, f"The generator expression at {where}", generator=True)


class Filtered:
    """The items of a comprehension some of which a traced `if` keeps or drops at run time.
    `sum`, `any`, `all`, `max`, `min` and `len` count only the items kept; anything else
    that needs the items one by one (indexing, iterating) gets a clear error where it meets
    one whose keeping is traced."""

    def __init__(self, items: Iterable, what: str, generator: bool):
        self._items, self._what, self.generator = iter(items), what, generator

    def masked(self) -> Iterator[tuple[Any, Any]]:
        """The items, each as the pair (whether it is kept: True or a traced bool, value)."""
        for i in self._items:
            yield (i.mask, i.value) if isinstance(i, _Kept) else (True, i)

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        i = next(self._items)
        if isinstance(i, _Kept):
            raise self._error()
        return i

    def __len__(self) -> int:
        raise self._error("object of type 'generator' has no len()")

    def __getitem__(self, index: Any) -> Any:
        raise self._error("'generator' object is not subscriptable")

    def __bool__(self) -> bool:
        if self.generator:
            return True  # as every generator
        raise self._error()

    def __contains__(self, value: Any) -> bool:
        for item in self:  # an error where it meets an item a traced `if` keeps
            equal = item is value or item == value
            if staging.is_traced(equal):
                raise errors.StagingError(
                    f"`in` reads {self._what[0].lower()}{self._what[1:]} up to an item equal to a traced "
                    "value, so how many items it reads is known only when the program runs. Use a "
                    "list comprehension.")
            if equal:
                return True
        return False

    def _error(self, of_a_generator: str | None = None) -> Exception:
        """Autocond's error for reading the items one by one, or of a generator the `TypeError`
        `of_a_generator`, Python's."""
        if self.generator and of_a_generator is not None:
            return TypeError(of_a_generator)
        return errors.StagingError(
            f"{self._what} keeps items where a traced `if` holds, so which items it has is known "
            "only when the compiled program runs. `sum`, `any`, `all`, `max`, `min` and `len` "
            "can read it; for anything else compute on every item with `jnp.where(condition, "
            "value, 0)`, or make the condition static.")


def in_(value: Any, container: Any) -> Any:
    """`value in container` as Python computes it::

        def in_(value, container):
            for item in container:        # a dict's keys; an array's rows
                if item is value or item == value:
                    return True
            return False

    Where an equality is traced, the result is the `|` of the equalities from there on (a
    traced bool). A traced 1-D array `container` gives `(container == value).any()`, as JAX's.
    """
    if staging.is_traced(container) and jnp.ndim(container) == 1:  # else JAX's error
        return jnp.any(container == value)
    # (a concrete array compared while JAX traces gives a traced bool too)
    if not isinstance(container, (tuple, list, set, frozenset, dict)) or not (
            isinstance(value, jax.Array) or any(isinstance(item, jax.Array) for item in container)):
        return value in container
    where = f"the traced `in` at {staging.site()}"
    found = False
    for item in container:
        if item is value:
            return True
        equal = truth(item == value, where)
        if not staging.is_traced(equal):
            if equal:
                return True
        else:
            found = equal if found is False else found | equal
    return found


def not_in(value: Any, container: Any) -> Any:
    """`value not in container`: `not in_(value, container)`."""
    found = in_(value, container)
    return ~found if staging.is_traced(found) else not found


def lookup(sequence: Any, index: Any) -> Any:
    """`sequence[index]`. A tuple or list of numbers, or of arrays (or pytrees of them) of one
    shape, indexed by a traced int gives the item the index picks when the program runs,
    with Python's negative indices; an index out of range raises `IndexError` then."""
    if not (isinstance(sequence, (tuple, list)) and staging.is_traced(index)):
        return sequence[index]
    kind, here = type(sequence).__name__, staging.site()
    if index.shape != () or not (index.dtype == bool or jnp.issubdtype(index.dtype, jnp.integer)):
        raise TypeError(f"{kind} indices must be integers or slices, not a traced array of type "
                        f"{index.dtype}{list(index.shape)} (at {here})")
    items = [staging.flatten(item) for item in sequence]
    trees = {tree for _, tree in items}
    leaves = [leaf for leaves, _ in items for leaf in leaves]
    if len(trees) != 1 or not all(staging.is_traced(x) or staging.is_constant(x) or isinstance(x, jax.Array)
                                  for x in leaves) or len({jnp.shape(x) for x in leaves}) > 1:
        raise errors.StagingError(
            f"The traced index at {here} picks an item of a {kind} whose items are not "
            "numbers or arrays of one structure and shape, so it cannot be picked when the program "
            "runs. Make the index static, or make the items arrays of one shape.")
    n = len(sequence)
    if n == 0:
        raise IndexError(f"{kind} index out of range")
    index = index.astype(jnp.int32) if index.dtype == bool else index
    checks.check((index >= -n) & (index < n), IndexError(f"{kind} index out of range (at {here})"))
    position = jnp.clip(jnp.where(index < 0, index + n, index), 0, n - 1)
    (tree,) = trees
    return tree.unflatten([lax.dynamic_index_in_dim(_stacked(column, kind, here), position, keepdims=False)
                           for column in zip(*(leaves for leaves, _ in items))])


def _stacked(column: Sequence[Any], kind: str, here: str) -> jax.Array:
    """The items of `column` as one array, which must hold each Python int exactly (ints
    beside floats become floats: float32 holds ints only up to 2**24), and no Python bool
    (an int in Python)."""
    if any(type(x) is bool for x in column):
        raise errors.StagingError(
            f"The traced index at {here} picks an item of a {kind} of Python bools, which Python "
            "counts as ints (`True + True == 2`) but JAX gives as a bool array (`+` is a logical or). "
            f"Make it an array to compute as JAX does (`jnp.asarray(...)[i]`), or make the index static.")
    stacked = jnp.stack(column)
    lost = next((x for x in column if type(x) is int and np.asarray(x, stacked.dtype).item() != x), None)
    if lost is not None:
        raise errors.StagingError(
            f"The traced index at {here} picks an item of a {kind} holding the int {lost}, "
            f"which its items as one array of {stacked.dtype} cannot hold exactly. Make the items all "
            "ints, or make the index static.")
    return stacked
