"""Runtime of calls in converted code: the user's functions are converted too."""

from __future__ import annotations

import contextlib
import functools
import inspect
import types
from collections.abc import Iterator
from typing import Any

import jax

from autocond import _library, errors
from autocond.operators import builtin_functions

# The wrapper `_as_is` made for a function, kept on it as `autocond.convert` keeps a converted
# one, so a function without source is not read again at every call.
_AS_IS = "__autocond_as_is__"
# What JAX raises when Python code needs the value of a traced array.
_NEEDS_VALUE = (jax.errors.ConcretizationTypeError, jax.errors.TracerIntegerConversionError,
                jax.errors.TracerArrayConversionError)
_STATIC = "make the value static (e.g. with `static_argnames`)."


def call(fn: Any) -> Any:
    """What converted code calls for `fn(...)`: `fn` converted when it is the user's Python
    function (also as a bound method, a `functools.partial`, a callable object's `__call__`
    (an `equinox.Module`'s), or a `functools.wraps` wrapper,
    which is converted and calls the wrapped function through `call` in turn); otherwise
    `fn` itself. Library functions (the standard library, installed packages, unless
    `convert_module` names them), functions marked with `do_not_convert` (or in a module it
    names), generators, coroutines and functions whose source cannot be read are called as
    they are; if such a call needs the value of a traced array, the error names it and says
    why it was not converted. Each function is converted once. The builtins that ask the
    truth or order of values (`max`, `int`...) are replaced by versions that also take
    traced values (`builtin_functions`).
    """
    if type(fn) in (types.BuiltinFunctionType, type):
        return builtin_functions.REPLACED.get(fn, fn)
    wrapped = _library.through_wrappers(fn, call)
    if wrapped is not None:
        return wrapped
    if not isinstance(fn, types.FunctionType) or not _library.converted(fn):
        return fn
    flags = fn.__code__.co_flags
    if flags & inspect.CO_ASYNC_GENERATOR:
        return fn
    as_is = fn.__dict__.get(_AS_IS)
    if as_is is not None and as_is.__wrapped__ is fn:  # `functools.wraps` copies it
        return as_is
    name = f"`{fn.__qualname__}` ({fn.__code__.co_filename}:{fn.__code__.co_firstlineno})"
    if flags & inspect.CO_GENERATOR:
        return _as_is(fn, f"{name} is a generator function, which autocond cannot convert.",
                      f"Collect its values in a list instead, or {_STATIC}")
    if flags & inspect.CO_COROUTINE:
        return _as_is(fn, f"{name} is an `async def` function, which autocond cannot convert.",
                      f"Make it a plain `def`, or {_STATIC}")
    # The one call from run time into compile time: the converter, imported here, as it
    # imports the operators.
    from autocond import _api

    try:
        return _api.convert(fn)
    except errors.SourceError as e:  # a lambda, or code from `exec`: as it is
        return _as_is(fn, str(e), f"Or {_STATIC}")


def _as_is(fn: types.FunctionType, why: str, fix: str) -> Any:
    """`fn`, called as it is (`why`), but with a clear error where its Python control flow
    needs the value of a traced array."""
    if fn.__code__.co_flags & inspect.CO_GENERATOR:
        def as_is(*args, **kwargs):
            with _explained(fn, why, fix):
                return (yield from fn(*args, **kwargs))
    elif fn.__code__.co_flags & inspect.CO_COROUTINE:
        async def as_is(*args, **kwargs):
            with _explained(fn, why, fix):
                return await fn(*args, **kwargs)
    else:
        def as_is(*args, **kwargs):
            with _explained(fn, why, fix):
                return fn(*args, **kwargs)
    fn.__dict__[_AS_IS] = functools.wraps(fn)(as_is)
    return fn.__dict__[_AS_IS]


@contextlib.contextmanager
def _explained(fn: types.FunctionType, why: str, fix: str) -> Iterator[None]:
    """Turns JAX's error for Python code in `fn` that needs a traced value into autocond's."""
    try:
        yield
    except _NEEDS_VALUE as e:
        lines = [tb.tb_lineno for tb in _traceback(e.__traceback__) if tb.tb_frame.f_code is fn.__code__]
        at = f" at {fn.__code__.co_filename}:{lines[-1]}" if lines else ""
        raise errors.NotConvertedError(
            f"{why} It ran as plain Python, and its code{at} needed the value of a traced array "
            f"({str(e).splitlines()[0].rstrip('.')}). {fix}") from e


def _traceback(tb: types.TracebackType | None) -> Iterator[types.TracebackType]:
    while tb is not None:
        yield tb
        tb = tb.tb_next
