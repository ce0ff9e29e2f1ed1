"""Which functions converted code converts: the user's, not library code.

Below both compile time (converting a live function keeps calls into the library modules of
its globals as they are) and run time (`operators.calls.call` converts the user's callees),
so neither imports the other. (The command decides from the source alone: `_source`.)
"""

from __future__ import annotations

import functools
import os
import sysconfig
import types
from collections.abc import Callable
from typing import Any

_DO_NOT_CONVERT = "__autocond_do_not_convert__"
# Library code, called as it is: the standard library, installed packages, autocond itself.
_LIBRARY_DIRS = tuple(os.path.join(os.path.realpath(p), "") for p in {
    *(sysconfig.get_path(k) for k in ("stdlib", "platstdlib", "purelib", "platlib")),
    os.path.dirname(os.path.abspath(__file__)),
} if p)
# The builtins converted code calls a replacement of (`operators.builtin_functions`): those
# that ask the truth or the order of values, and `len` of a comprehension.
REPLACED_BUILTINS = frozenset({"max", "min", "any", "all", "sum", "len", "int", "float", "bool"})
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


def converted(fn: types.FunctionType) -> bool:
    """Whether converted code converts `fn` when it calls it: not marked `do_not_convert`,
    and either in a module `convert_module` names or not library code."""
    if getattr(fn, _DO_NOT_CONVERT, False):
        return False
    chosen = _chosen(fn.__module__)
    return chosen if chosen is not None else not library_file(fn.__code__.co_filename)


def through_wrappers(fn: Any, convert: Callable[[types.FunctionType], Any]) -> Any:
    """For a bound method, a `functools.partial` or a callable object (its class's `__call__`,
    bound to it): the same wrapper around `convert` of the function inside (`fn` itself where
    that gives the function back); for anything else, None."""
    if isinstance(fn, types.MethodType):
        inner, wrap = fn.__func__, lambda function: types.MethodType(function, fn.__self__)
    elif isinstance(fn, functools.partial):
        inner, wrap = fn.func, lambda function: functools.partial(function, *fn.args, **fn.keywords)
    elif not isinstance(fn, (types.FunctionType, type)) and isinstance(type(fn).__call__, types.FunctionType):
        inner, wrap = type(fn).__call__, lambda function: types.MethodType(function, fn)
    else:
        return None
    function = convert(inner)
    return fn if function is inner else wrap(function)


def _chosen(module: str | None) -> bool | None:
    """Whether a `do_not_convert`/`convert_module` prefix decides for `module` (the longest
    one wins), or None."""
    parts = (module or "").split(".")
    for k in range(len(parts), 0, -1):
        choice = _MODULES.get(".".join(parts[:k]))
        if choice is not None:
            return choice
    return None


@functools.cache
def library_file(filename: str) -> bool:
    return os.path.realpath(filename).startswith(_LIBRARY_DIRS)


def library_module(module: types.ModuleType) -> bool:
    """Whether `module` is library code (built in, or in a library directory)."""
    filename = getattr(module, "__file__", None)
    return filename is None or library_file(filename)
