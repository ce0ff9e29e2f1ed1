"""Stores to `nonlocal` and `global` names made while a branch or loop body is traced.

A traced construct runs its Python code once, at trace time, so a store to a variable of
another scope happens once instead of once per iteration (or whether or not the branch is
taken). Converted code announces each such store (`outer_store`) before making it. While a
body is traced (`recorded`), the stores are recorded; afterwards they are undone (a failed
attempt leaves no side effect behind), and `check` accepts only those to the cells the
construct carries as state (the closures' writes `converters` made it carry); any other is
an error.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import gc
import sys
import types
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from autocond import errors


@dataclasses.dataclass(frozen=True)
class Store:
    """A store to the variable `name`: a closure cell, or a module's global (`namespace`)."""

    name: str
    cell: types.CellType | None
    namespace: dict | None
    before: tuple  # its value before, or () where it had none
    where: str  # `file:line` of the store

    def undo(self) -> None:
        if self.cell is not None:
            if self.before:
                self.cell.cell_contents = self.before[0]
            elif _bound(self.cell):
                del self.cell.cell_contents
        elif self.before:
            self.namespace[self.name] = self.before[0]
        else:
            self.namespace.pop(self.name, None)


def _bound(cell: types.CellType) -> bool:
    try:
        _ = cell.cell_contents
    except ValueError:
        return False
    return True


_stores: contextvars.ContextVar[list[Store] | None] = contextvars.ContextVar("autocond_stores", default=None)


def outer_store(ref: Callable[[], Any]) -> None:
    """Converted code calls this before assigning a `nonlocal` or `global` name, as
    `ac__.outer_store(lambda: name)`: the lambda's closure holds the name's cell (a global
    has none). Outside a traced body it does nothing."""
    stores = _stores.get()
    if stores is None:
        return
    frame = sys._getframe(1)
    where = f"{frame.f_code.co_filename}:{frame.f_lineno}"
    if ref.__closure__:
        (cell,), name = ref.__closure__, ref.__code__.co_freevars[0]
        before = (cell.cell_contents,) if _bound(cell) else ()
        stores.append(Store(name, cell, None, before, where))
    else:
        name, namespace = ref.__code__.co_names[0], ref.__globals__
        before = (namespace[name],) if name in namespace else ()
        stores.append(Store(name, None, namespace, before, where))


@contextlib.contextmanager
def recorded() -> Iterator[list[Store]]:
    """Within it, the stores converted code announces are recorded; they are undone at the end."""
    stores: list[Store] = []
    token = _stores.set(stores)
    try:
        yield stores
    finally:
        _stores.reset(token)
        for store in reversed(stores):
            store.undo()


def cells(fns: Iterable[Callable], names: Sequence[str]) -> frozenset[int]:
    """The ids of the cells through which the generated functions `fns` carry `names`."""
    found = set()
    for fn in fns:
        code = getattr(fn, "__code__", None)
        if code is not None and fn.__closure__:
            found.update(id(c) for n, c in zip(code.co_freevars, fn.__closure__) if n in names)
    return frozenset(found)


def _outlives(store: Store, stores: Sequence[Store]) -> bool:
    """Whether the variable of `store` is still reachable from elsewhere than `stores` once the
    trace is over: a global, or a cell some live function holds. A cell of a function called
    (and returned) during the trace is not: changing it there changes nothing Python sees."""
    if store.cell is None:
        return True
    held = 1 + sum(s.cell is store.cell for s in stores)  # `getrefcount`'s argument, and `stores`
    if sys.getrefcount(store.cell) <= held:
        return False
    gc.collect()  # a closure of that function may hold it in a cycle (recursion)
    return sys.getrefcount(store.cell) > held


def check(stores: Sequence[Store], carried: frozenset[int], where: str) -> None:
    """Raise a clear error for the first store in `stores` to a variable that outlives the
    trace and that `where` (a traced construct) does not carry."""
    for store in stores:
        if (store.cell is None or id(store.cell) not in carried) and _outlives(store, stores):
            kind = "`nonlocal`" if store.cell is not None else "`global`"
            raise errors.StagingError(
                f"`{store.name}` ({kind}) is assigned at {store.where} while autocond traces {where}, "
                "which runs that code once, not each time Python would run it, so the variable "
                f"would end up with a wrong value. Return the new value to the caller instead "
                f"(`{store.name} = step({store.name})`); or, where a closure assigns a variable of "
                "the function running the construct, call it from statements (an `and`, `or` or "
                "`x if c else y` carries no variables); or make the condition static (e.g. with "
                "`static_argnames`).")
