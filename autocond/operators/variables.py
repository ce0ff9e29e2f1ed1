"""Placeholders for variables that are unbound on some path through converted code."""

from __future__ import annotations

import sys
import types
from collections.abc import Sequence
from typing import Any

import jax

from autocond import errors
from autocond.operators import checks, effects


class Undefined:
    """The value of a variable that has no value on some path reaching this point.

    Python raises `UnboundLocalError` when such a variable is read. Converted code must pass
    the variable into and out of branch and loop functions before anyone reads it, so it
    carries this placeholder instead, and any use of the placeholder raises the error.
    """

    __slots__ = ("name", "reason")

    def __init__(self, name: str, reason: str | None = None):
        self.name = name
        self.reason = reason

    def __repr__(self) -> str:
        return f"<undefined `{self.name}`>"

    def error(self, frame: types.FrameType | None = None) -> errors.UndefinedVariableError:
        here = f"at {frame.f_code.co_filename}:{frame.f_lineno}" if frame else "here"
        why = self.reason or "it is not assigned on every path that reaches this use"
        return errors.UndefinedVariableError(f"`{self.name}` has no value {here}: {why}.")

    def _raise(self, *args, **kwargs):
        raise self.error(sys._getframe(1))

    # Any use of the value is an error; identity, repr and pytree flattening are not.
    __bool__ = __index__ = __int__ = __float__ = __complex__ = __len__ = __iter__ = _raise
    __call__ = __getitem__ = __setitem__ = __contains__ = __jax_array__ = __array__ = _raise
    __neg__ = __pos__ = __abs__ = __invert__ = _raise
    __lt__ = __le__ = __gt__ = __ge__ = _raise
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _raise
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = _raise
    __pow__ = __rpow__ = __matmul__ = __rmatmul__ = _raise
    __and__ = __rand__ = __or__ = __ror__ = __xor__ = __rxor__ = __lshift__ = __rshift__ = _raise

    def __getattr__(self, attr: str):
        raise self.error(sys._getframe(1))


class MaybeUnbound:
    """A variable unbound on some paths that only the program's run decides: first assigned
    inside a traced loop that may run zero times, or in some branches of a traced `if`. Its
    value where bound, and a traced bool `bound`, false where it is unbound.

    Python would raise `UnboundLocalError` on reading the variable where it is unbound; a
    read (`ld`, or any use of the value) therefore checks `bound` at run time, with a
    `jax.debug.callback` that raises `UndefinedVariableError` when it is false. Passing the
    variable along (into and out of branch and loop functions) is not a read: it carries
    both, so the check happens where, and only if, the program reads it. `reasons` say how
    it may have been left unbound, for the error.
    """

    __slots__ = ("value", "bound", "name", "reasons")

    def __init__(self, value: Any, bound: Any, name: str, reasons: tuple[str, ...]):
        self.value, self.bound, self.name, self.reasons = value, bound, name, reasons

    def __repr__(self) -> str:
        return f"<`{self.name}`, unless {'; or '.join(self.reasons)}>"

    def read(self, frame: types.FrameType) -> Any:
        checks.check(self.bound, Undefined(self.name, "; or ".join(self.reasons)).error(frame))
        return self.value


def _reading(method: str):
    def use(self: MaybeUnbound, *args):
        value = self.read(sys._getframe(1))
        return value if method == "__jax_array__" else getattr(value, method)(*args)
    return use


# Any other use of the value reads it too (a closure reads the variable without `ld`).
for _method in ("bool index int float complex len iter getitem contains jax_array neg pos abs "
                "invert lt le gt ge add radd sub rsub mul rmul truediv rtruediv floordiv "
                "rfloordiv mod rmod pow rpow matmul rmatmul and rand or ror xor rxor").split():
    setattr(MaybeUnbound, f"__{_method}__", _reading(f"__{_method}__"))
del _method


def getattr_(obj: Any, attr: str) -> Any:
    """`obj.attr` before a branch or loop that assigns it, or a placeholder if it has none."""
    try:
        return getattr(obj, attr)
    except AttributeError:
        return Undefined(attr)


def restore_attr(obj: Any, attr: str, value: Any) -> None:
    """`obj.attr = value` where a function generated for a branch or loop body starts: the
    attribute as the construct (or the iteration) found it. If it had none (the placeholder
    `getattr_` gave), it has none again, whatever a branch traced before this one set."""
    if type(value) is not Undefined or value.reason is not None:
        setattr(obj, attr, value)
    elif hasattr(obj, attr):
        delattr(obj, attr)


def setattr_(obj: Any, attr: str, value: Any, outermost: bool = True) -> None:
    """`obj.attr = value` after a branch or loop that assigns it, unless it still holds the
    placeholder `getattr_` gave (never assigned). A value the loop may have left unassigned
    (`MaybeUnbound`) is checked first, as a read would be: the attribute cannot carry the check.
    After the `outermost` construct carrying it, it is a store like any other (`effects`)."""
    if type(value) is Undefined and value.reason is None:
        return
    if isinstance(value, MaybeUnbound):
        value = value.read(sys._getframe(1))
    if outermost:
        effects.attr_store(obj, attr, depth=3)
    setattr(obj, attr, value)


def align_bound(values: Sequence[Any]) -> list:
    """One variable's values on several paths (branches; before and after a loop body): if it
    may be unbound on one (`MaybeUnbound`), it is so on all, bound where it has a plain value."""
    maybe = [v for v in values if isinstance(v, MaybeUnbound)]
    if not maybe:
        return list(values)
    reasons = tuple(sorted({reason for v in maybe for reason in v.reasons}))
    return [v if isinstance(v, Undefined) or getattr(v, "reasons", None) == reasons else
            MaybeUnbound(v.value, v.bound, v.name, reasons) if isinstance(v, MaybeUnbound) else
            MaybeUnbound(v, True, maybe[0].name, reasons) for v in values]


def ld(value: Any) -> Any:
    """A read of a variable that may be unbound here: Python raises `UnboundLocalError`, and so
    does this (an `UndefinedVariableError`, which subclasses it) when the value is a
    placeholder, or (at run time) a `MaybeUnbound` whose loop did not run. Otherwise the value
    itself."""
    if isinstance(value, Undefined):
        raise value.error(sys._getframe(1))
    if isinstance(value, MaybeUnbound):
        return value.read(sys._getframe(1))
    return value


class StackedList(list):
    """The list a traced loop appended to: `prefix` (its items before the loop), then one item
    per iteration, the rows of the loop's stacked outputs `columns` (`tree` gives each
    item's structure). It is a `list`, filled on first use, so that `stacked` can hand
    `jnp.stack(xs)` the stacked array without one slice per item in the program."""

    def __init__(self, prefix: list, columns: list, tree: Any, length: int):
        super().__init__()
        self._pending = (prefix, columns, tree, length)

    def stacked(self) -> Any:
        """The stacked items, if the list is as the loop left it, not empty, with no prefix,
        and its items arrays; else None."""
        if self._pending is None:
            return None
        prefix, columns, tree, length = self._pending
        whole = not prefix and length and tree.num_leaves == 1 and tree.num_nodes == 1
        return columns[0] if whole else None

    def _fill(self) -> StackedList:
        if self._pending is not None:
            prefix, columns, tree, length = self._pending
            self._pending = None
            super().extend(prefix + [tree.unflatten([c[j] for c in columns]) for j in range(length)])
        return self


def _filling(method: str):
    def use(self: StackedList, *args, **kwargs):
        return getattr(list, method)(self._fill(), *args, **kwargs)
    return use


for _method in ("__len__ __iter__ __reversed__ __getitem__ __setitem__ __delitem__ __contains__ "
                "__eq__ __ne__ __lt__ __le__ __gt__ __ge__ __add__ __iadd__ __mul__ __rmul__ "
                "__imul__ __repr__ __reduce_ex__ __sizeof__ append extend insert pop remove index "
                "count sort reverse copy clear").split():
    setattr(StackedList, _method, _filling(_method))
del _method


class UndefinedReturnValue(Undefined):
    """The return value before any `return` ran.

    After return statements are lowered to a flag, the value is read only where the flag is
    set, so where one branch of a traced `if` returns and the other does not, the other may
    carry zeros of the same type instead (`staging.merge`).
    """

    def __init__(self):
        super().__init__("return value", "no `return` statement ran")


# Undefined values are pytrees without leaves: returned from `jax.jit` they come back as
# placeholders that raise on use, as reading the unbound variable would have.
jax.tree_util.register_pytree_node(
    Undefined, lambda u: ((), (u.name, u.reason)), lambda aux, _: Undefined(*aux)
)
jax.tree_util.register_pytree_node(
    UndefinedReturnValue, lambda u: ((), None), lambda aux, _: UndefinedReturnValue()
)
jax.tree_util.register_pytree_node(
    MaybeUnbound, lambda m: ((m.value, m.bound), (m.name, m.reasons)),
    lambda aux, children: MaybeUnbound(*children, *aux)
)
jax.tree_util.register_pytree_node(
    StackedList, lambda s: (list(s), None), lambda _, items: list(items)
)
