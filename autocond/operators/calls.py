"""Runtime of calls in converted code: the user's functions are converted too."""

from __future__ import annotations

import functools
import inspect
import os
import sysconfig
import types
from typing import Any

from autocond import errors

_DO_NOT_CONVERT = "__autocond_do_not_convert__"
# Library code, called as it is: the standard library, installed packages, autocond itself.
_LIBRARY_DIRS = tuple(os.path.join(os.path.realpath(p), "") for p in {
    *(sysconfig.get_path(k) for k in ("stdlib", "platstdlib", "purelib", "platlib")),
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
} if p)
_NOT_CONVERTIBLE = inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR


# Module name prefixes whose functions are (`True`) or are not (`False`) converted, whatever
# their location; set by `do_not_convert("pkg")` and `convert_module("pkg")`.
_MODULES: dict[str, bool] = {}


def do_not_convert(fn: Any) -> Any:
    """Mark `fn` to be called as it is from converted code (and return it). Given a module
    name (`"mypkg"`, or `"mypkg.kernels"`), the same for every function of that module and
    its submodules."""
    if isinstance(fn, str):
        _MODULES[fn] = False
    else:
        setattr(fn, _DO_NOT_CONVERT, True)
    return fn


def convert_module(name: str) -> None:
    """Convert the functions of module `name` (and its submodules) that converted code
    calls, although it is library code (an installed package)."""
    _MODULES[name] = True


def _chosen(module: str | None) -> bool | None:
    """Whether a `do_not_convert`/`convert_module` prefix decides for `module` (the longest
    one wins), or None."""
    parts = (module or "").split(".")
    for k in range(len(parts), 0, -1):
        choice = _MODULES.get(".".join(parts[:k]))
        if choice is not None:
            return choice
    return None


def call(fn: Any) -> Any:
    """What converted code calls for `fn(...)`: `fn` converted when it is the user's Python
    function (also as a bound method, a `functools.partial`, or a `functools.wraps` wrapper,
    which is converted and calls the wrapped function through `call` in turn); otherwise
    `fn` itself. Library functions (the standard library, installed packages, unless
    `convert_module` names them), functions marked with `do_not_convert` (or in a module it
    names), generators, coroutines and functions whose source cannot be read are called as
    they are. Each function is converted once.
    """
    if isinstance(fn, types.MethodType):
        function = call(fn.__func__)
        return fn if function is fn.__func__ else types.MethodType(function, fn.__self__)
    if isinstance(fn, functools.partial):
        function = call(fn.func)
        return fn if function is fn.func else functools.partial(function, *fn.args, **fn.keywords)
    if not isinstance(fn, types.FunctionType) or getattr(fn, _DO_NOT_CONVERT, False):
        return fn
    chosen = _chosen(fn.__module__)
    if fn.__code__.co_flags & _NOT_CONVERTIBLE or chosen is False:
        return fn
    if chosen is None and _library(fn.__code__.co_filename):
        return fn
    from autocond import _api  # the converter; imported here, as it imports the operators

    try:
        return _api.convert(fn)
    except errors.SourceError:
        return fn  # a lambda, or code from `exec`: as it is


@functools.cache
def _library(filename: str) -> bool:
    return os.path.realpath(filename).startswith(_LIBRARY_DIRS)


def library_module(module: types.ModuleType) -> bool:
    """Whether `module` is library code (built in, or in a library directory)."""
    filename = getattr(module, "__file__", None)
    return filename is None or _library(filename)
