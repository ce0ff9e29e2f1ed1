"""Changes to state outside a branch or loop body made while the body is traced.

A traced construct runs its Python code once, at trace time, so a store to a variable of
another scope, or to an object that outlives the trace, happens once instead of once per
iteration (or whether or not the branch is taken). Converted code announces each such store
before making it (`outer_store`, `attr_store`, `item_store`, `object_change`; see
`converters.stores`). While a body is traced (`recorded`), the stores are recorded; afterwards
they are undone (a failed attempt leaves no side effect behind), and `check` accepts only those
to the cells the construct carries as state, or to what the trace itself created; any other is
an error.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import dis
import functools
import gc
import sys
import types
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import jax

from autocond import errors


@dataclasses.dataclass(frozen=True)
class Store:
    """A change of `target`: a closure cell, a module's namespace, or another object."""

    target: Any
    what: str  # for errors: "`count` (`nonlocal`)", "the attribute `calls` of a Counter"...
    where: str  # `file:line` of the store
    restore: Callable[[Any], None]  # puts `target` back as it was, given it

    def undo(self) -> None:
        self.restore(self.target)


_MISSING = object()


def _cell_value(cell: types.CellType) -> Any:
    try:
        return cell.cell_contents
    except ValueError:
        return _MISSING


def _restore_cell(cell: types.CellType, value: Any) -> None:
    if value is not _MISSING:
        cell.cell_contents = value
    elif _cell_value(cell) is not _MISSING:
        del cell.cell_contents


def _restore_attr(obj: Any, attr: str, value: Any) -> None:
    if value is not _MISSING:
        setattr(obj, attr, value)
    elif hasattr(obj, attr):
        delattr(obj, attr)


def _restore_item(obj: Any, key: Any, value: Any) -> None:
    if value is not _MISSING:
        obj[key] = value
    elif isinstance(obj, dict):
        obj.pop(key, None)


def _restore_contents(obj: Any, contents: Any) -> None:
    if isinstance(obj, (dict, set)):
        obj.clear()
        obj.update(contents)
    else:
        obj[:] = contents


_stores: contextvars.ContextVar[list[Store] | None] = contextvars.ContextVar("autocond_stores", default=None)


def _record(target: Any, what: str, restore: Callable[..., None], *args: Any, depth: int = 2) -> None:
    """Record a store about to be made by the converted code `depth` frames up."""
    frame = sys._getframe(depth)
    _stores.get().append(Store(target, what, f"{frame.f_code.co_filename}:{frame.f_lineno}",
                               functools.partial(_restored, restore, args)))


def _restored(restore: Callable[..., None], args: tuple, target: Any) -> None:
    restore(target, *args)


def outer_store(ref: Callable[[], Any]) -> None:
    """Converted code calls this before assigning a `nonlocal` or `global` name, as
    `ac__.outer_store(lambda: name)`: the lambda's closure holds the name's cell (a global
    has none). Outside a traced body it does nothing."""
    if _stores.get() is None:
        return
    if ref.__closure__:
        (cell,), name = ref.__closure__, ref.__code__.co_freevars[0]
        _record(cell, f"`{name}` (`nonlocal`)", _restore_cell, _cell_value(cell))
    else:
        name, namespace = ref.__code__.co_names[0], ref.__globals__
        _record(namespace, f"`{name}` (`global`)", _restore_item, name, namespace.get(name, _MISSING))


def attr_store(obj: Any, attr: str, depth: int = 2) -> None:
    """Converted code calls this before assigning (or deleting) `obj.attr`."""
    if _stores.get() is not None:
        _record(obj, f"the attribute `{attr}` of a {type(obj).__name__}", _restore_attr, attr,
                getattr(obj, attr, _MISSING), depth=depth)


def item_store(obj: Any, key: Any) -> None:
    """Converted code calls this before assigning (or deleting) `obj[key]`."""
    if _stores.get() is not None:
        try:
            before = obj[key]
        except (KeyError, IndexError, TypeError):
            before = _MISSING
        _record(obj, f"the item {key!r} of a {type(obj).__name__}", _restore_item, key, before)


def object_change(obj: Any) -> None:
    """Converted code calls this before a method changing a container in place (`xs.append`)."""
    if _stores.get() is not None and isinstance(obj, (list, dict, set, bytearray)):
        _record(obj, f"a {type(obj).__name__}", _restore_contents, obj.copy())


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


def keeping_tracers_in(fn: types.FunctionType, converted: Callable) -> Callable:
    """`converted` (`fn` converted), for `jax.jit` to trace as its whole program: the cells of
    enclosing functions that `fn` or a function nested in it assigns through `nonlocal` must
    not hold a traced value when it returns, which would leak out of the compiled program (a
    traced `if` assigning one gives it one). They are put back as they were, and it is an
    error."""
    stored = _stored_cells(fn.__code__)
    assigned = [(name, cell) for name, cell in zip(fn.__code__.co_freevars, fn.__closure__ or ())
                if name in stored]
    if not assigned:
        return converted

    @functools.wraps(converted)
    def checked(*args, **kwargs):
        before = [_cell_value(cell) for _, cell in assigned]
        result = converted(*args, **kwargs)
        leaked = [name for name, cell in assigned if isinstance(_cell_value(cell), jax.core.Tracer)]
        if leaked:
            for (_, cell), value in zip(assigned, before):
                _restore_cell(cell, value)
            code = fn.__code__
            raise errors.StagingError(
                f"`{leaked[0]}` (`nonlocal`) holds a traced value when `{fn.__qualname__}` "
                f"({code.co_filename}:{code.co_firstlineno}), which autocond.jit compiles, returns: "
                "a value computed in the compiled program cannot leave it through a variable of an "
                f"enclosing function. Return it instead (`return ..., {leaked[0]}`).")
        return result

    return checked


def _stored_cells(code: types.CodeType) -> set[str]:
    """The names of cells that `code` or the code nested in it assigns."""
    stored = {i.argval for i in dis.get_instructions(code) if i.opname == "STORE_DEREF"}
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            stored |= _stored_cells(const)
    return stored


def _outlives(store: Store, stores: Sequence[Store]) -> bool:
    """Whether what `store` changed is still reachable from elsewhere than `stores` once the
    trace is over. What a function called during the trace made (its own cells, the objects it
    created) is not: changing it there changes nothing Python sees."""
    held = 1 + sum(s.target is store.target for s in stores)  # `getrefcount`'s argument, `stores`
    if sys.getrefcount(store.target) <= held:
        return False
    gc.collect()  # a closure or method of that function may hold it in a cycle
    return sys.getrefcount(store.target) > held


def check(stores: Sequence[Store], carried: frozenset[int], where: str) -> None:
    """Raise a clear error for the first store in `stores` to something that outlives the
    trace and that `where` (a traced construct) does not carry."""
    for store in stores:
        if id(store.target) not in carried and _outlives(store, stores):
            raise errors.StagingError(
                f"{store.what} is assigned at {store.where} while autocond traces {where}, "
                "which runs that code once, not each time Python would run it, so it would end "
                "up with a wrong value. Keep the state in variables of the function running the "
                "construct (autocond carries them, and the attributes that function assigns), "
                "passing it to the code that changes it and back (`x, calls = step(x, calls)`); "
                "call a closure that assigns one from statements, not from an `and`, `or` or "
                "`x if c else y` (which carry nothing); or make the condition static (e.g. with "
                "`static_argnames`).")
