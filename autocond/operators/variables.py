"""Placeholders for variables that are unbound on some path through converted code."""

from __future__ import annotations

import sys
import types
from typing import Any

import jax

from autocond import errors


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


def ld(value: Any) -> Any:
    """A read of a variable that may be unbound here: Python raises `UnboundLocalError`, and so
    does this (an `UndefinedVariableError`, which subclasses it) when the value is a
    placeholder. Otherwise the value itself."""
    if isinstance(value, Undefined):
        raise value.error(sys._getframe(1))
    return value


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
