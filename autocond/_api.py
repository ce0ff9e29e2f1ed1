"""The public entry points: `jit`, `convert`, `to_source`."""

from __future__ import annotations

import functools
import types
import weakref
from collections.abc import Callable
from typing import Any, Generic, ParamSpec, Protocol, TypeVar, overload

import jax

from autocond import _library, _transpiler, operators
from autocond.operators import effects, loops, lowerings
from autocond.pyct import loader, parsing

# Converted code by code object, weakly, so it lives as long as the user's code does. Code
# objects compare equal across files (equality ignores the file name), so conversions are
# kept per file name too. Only the code: the trees would be thousands of objects each for the
# garbage collector to scan, and `to_source` converts again.
_converted_code: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
# The converted function is kept on the user's function: it refers back to it (`__wrapped__`),
# so a global cache would keep both alive forever, while this cycle is collected with them.
_CONVERTED = "__autocond_converted__"

P = ParamSpec("P")
R = TypeVar("R", covariant=True)


class Jitted(Protocol, Generic[P, R]):
    """What `jit` gives: the `jax.jit` object of the converted function, called as it is."""

    @property
    def __wrapped__(self) -> Callable[P, R]: ...

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R: ...
    def lower(self, *args: Any, **kwargs: Any) -> Any: ...
    def trace(self, *args: Any, **kwargs: Any) -> Any: ...
    def eval_shape(self, *args: Any, **kwargs: Any) -> Any: ...


def _runs_converted_code(fn: types.FunctionType) -> bool:
    """Whether `fn` is converted already: by `convert` (the runtime is a cell of its closure)
    or by the command (a global of its module), so converting it again would convert what
    autocond generated."""
    code, closure = fn.__code__, fn.__closure__ or ()
    if loader.RUNTIME_NAME in code.co_freevars:
        try:
            return closure[code.co_freevars.index(loader.RUNTIME_NAME)].cell_contents is operators
        except ValueError:  # an empty cell: a user's variable of that name
            return False
    return loader.RUNTIME_NAME in code.co_names and fn.__globals__.get(loader.RUNTIME_NAME) is operators


def _function(fn: Any, api: str) -> types.FunctionType:
    if isinstance(fn, types.FunctionType):  # first: `jax.stages.Wrapped` is a Protocol, slow to check
        return fn
    if isinstance(fn, jax.stages.Wrapped):
        raise TypeError(
            f"autocond.{api} got {fn!r}, a function `jax.jit` has wrapped already: give autocond the "
            f"function itself (`autocond.{api}(f, ...)`, with the keywords of the `jax.jit`), or jit the "
            "converted one (`jax.jit(autocond.convert(f))`).")
    raise TypeError(f"autocond.{api} expects a Python function, got {fn!r} of type {type(fn).__name__}.")


def _converted(fn: Any, api: str) -> Callable:
    """`fn` converted, for `autocond.{api}`: a function, or a bound method, a
    `functools.partial` or a callable object (its `__call__`) around one."""
    wrapped = _library.through_wrappers(fn, lambda function: _converted(function, api))
    if wrapped is not None:
        return wrapped
    fn = _function(fn, api)
    if _runs_converted_code(fn):
        return fn  # converted once: as it is
    converted = fn.__dict__.get(_CONVERTED)
    if converted is None or converted.__wrapped__ is not fn:  # `functools.wraps` copies it
        converted = loader.make_function(_converted_code_of(fn), fn, operators)
        fn.__dict__[_CONVERTED] = converted
    return converted


def _converted_code_of(fn: types.FunctionType) -> types.CodeType:
    by_file = _converted_code.setdefault(fn.__code__, {})
    code = by_file.get(fn.__code__.co_filename)
    if code is None:
        code = by_file[fn.__code__.co_filename] = _transpiler.convert_function(fn)
    return code


def convert(fn: Callable[P, R], *, max_trips: int | None = None,
            warn_unrolled: int | None = None) -> Callable[P, R]:
    """`fn` with its control flow converted, not jitted: a function, or a bound method, a
    `functools.partial` or a callable object (an `equinox.Module`: its `__call__`) around one.

    The result runs eagerly, and composes with `jax.jit`, `jax.grad`, `jax.vmap` and the other
    transformations: each `if`, `while` and `for` picks, at trace time, plain Python (static
    values) or `lax.cond` / `lax.while_loop` / `lax.fori_loop` (traced values). It shares
    `fn`'s globals, closure, defaults and metadata; `__wrapped__` is `fn`. Converting is done
    once per function.

    `max_trips` bounds the loops whose trip count is traced (here and in the functions they
    call): each becomes a `scan` of that many trips that runs its body only while its
    condition holds, which `jax.grad` can differentiate (it cannot a `lax.while_loop`); a
    loop that needs more trips fails at run time.

    `warn_unrolled`: a loop that runs as Python for more than this many trips while traced
    (its body traced once per trip: the program grows with the trip count) warns, with an
    `autocond.errors.UnrolledLoopWarning` saying why it did not become one `lax` loop.
    """
    return _within(_converted(fn, "convert"), max_trips, warn_unrolled)


def _within(converted: Callable, max_trips: int | None, warn_unrolled: int | None) -> Callable:
    """`converted`, run with the options given (`convert`'s)."""
    if max_trips is None and warn_unrolled is None:
        return converted

    @functools.wraps(converted)
    def within(*args, **kwargs):
        with loops.max_trips(max_trips), lowerings.warn_unrolled(warn_unrolled):
            return converted(*args, **kwargs)

    return within


@overload
def jit(fn: Callable[P, R], /, *, max_trips: int | None = None, warn_unrolled: int | None = None,
        **jit_kwargs: Any) -> Jitted[P, R]: ...


@overload
def jit(fn: None = None, /, *, max_trips: int | None = None, warn_unrolled: int | None = None,
        **jit_kwargs: Any) -> Callable[[Callable[P, R]], Jitted[P, R]]: ...


def jit(fn: Callable | None = None, /, *, max_trips: int | None = None, warn_unrolled: int | None = None,
        **jit_kwargs: Any) -> Any:
    """A drop-in for `jax.jit` that first converts `fn`'s control flow (see `convert`, and
    its `max_trips` and `warn_unrolled`).

    Takes the same keywords as `jax.jit` (`static_argnums`, `static_argnames`,
    `donate_argnums`, shardings, ...), as `autocond.jit(fn, ...)`, `@autocond.jit` or
    `@autocond.jit(...)`; the result is the `jax.jit` object, with `.lower`, `.trace`,
    `.eval_shape` and `__wrapped__`.
    """
    if fn is None:
        return functools.partial(jit, max_trips=max_trips, warn_unrolled=warn_unrolled, **jit_kwargs)
    converted = _within(_converted(fn, "jit"), max_trips, warn_unrolled)
    if isinstance(fn, types.FunctionType):
        converted = effects.keeping_tracers_in(fn, converted)
    return jax.jit(converted, **jit_kwargs)


def to_source(fn: Callable) -> str:
    """The source of the code `convert(fn)` runs (`ac__` is `autocond.operators`)."""
    if isinstance(fn, types.MethodType):
        fn = fn.__func__
    fn = _function(fn, "to_source")
    if not _runs_converted_code(fn):
        return _transpiler.converted_source(fn)
    if loader.RUNTIME_NAME in fn.__code__.co_freevars:  # made by `convert`, from `__wrapped__`
        return to_source(fn.__dict__["__wrapped__"])
    return parsing.function_source(fn).text  # the command's output: it runs as written
