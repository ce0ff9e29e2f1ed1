"""Runtime of converted `assert` statements and `print` calls."""

from __future__ import annotations

import builtins
import copy
import functools
from collections.abc import Callable
from typing import Any

import jax

from autocond.operators import checks, staging


def assert_(test: Any, message: Callable[[], Any] | None = None) -> None:
    """Asserts as Python does::

        def assert_(test, message=None):
            assert test, message()   # or without a message

    A traced `test` is checked when the compiled program runs (`checks.check`): the call
    fails with an `AssertionError` naming the `assert`'s `file:line` and the message, which
    is computed while tracing (a traced value in it shows as a tracer).
    """
    if not staging.is_traced(test):
        if not test:
            raise AssertionError(*(() if message is None else (message(),)))
        return
    where = f"the `assert` at {staging.site()}"
    text = f"{where} failed" + ("" if message is None else f": {message()}")
    checks.check(staging.predicate(test, where), AssertionError(text))


def raise_(exception: Any, *cause: Any) -> None:
    """Raises as Python does::

        def raise_(exception, *cause):
            raise exception from cause[0]   # `raise exception` without a cause

    Inside a traced branch or loop body (`staging.tracing()`), whether the statement is
    reached is known only when the compiled program runs: it raises then (`checks.fail`;
    under `vmap`, if any element reaches it), the exception's message followed by the
    `raise`'s `file:line`, and the values its traced arguments have then (a traced value
    formatted into a message while tracing shows as a tracer). Under `jax.jit` the call
    fails with a `JaxRuntimeError` whose message ends with the exception's type and message;
    no `except` inside the function can catch it.
    """
    if isinstance(exception, type) and issubclass(exception, BaseException):
        exception = exception()  # `raise ValueError`, as Python instantiates it
    if not isinstance(exception, BaseException):
        raise TypeError("exceptions must derive from BaseException")
    if not staging.tracing():
        if cause:
            raise exception from cause[0]
        raise exception
    exception = copy.copy(exception)  # the user's object (a module's `ERR`) stays as it is
    exception.__notes__ = list(getattr(exception, "__notes__", ()))
    if cause:
        exception.__cause__, exception.__suppress_context__ = cause[0], True
    where = f"raised by the `raise` at {staging.site()} when the compiled program reached it"
    if len(exception.args) == 1 and isinstance(exception.args[0], str):
        exception.args = (f"{exception.args[0]} ({where})",)
    else:
        exception.add_note(where[0].upper() + where[1:] + ".")
    traced = [k for k, arg in enumerate(exception.args) if staging.is_traced(arg)]
    checks.fail(functools.partial(_with_values, exception, traced), *(exception.args[k] for k in traced))


def _with_values(exception: BaseException, traced: list[int], *values: Any) -> BaseException:
    """`exception` with the values its traced arguments have when the program runs."""
    args = list(exception.args)
    for k, value in zip(traced, values):
        args[k] = value.item() if value.ndim == 0 else value
    exception.args = tuple(args)
    return exception


def print_(fn: Callable, *args: Any, **kwargs: Any) -> Any:
    """`fn(*args, **kwargs)`, where `fn` is what the name `print` means in the user's code.

    When it is the builtin and an argument is traced, Python would print the tracer once,
    while tracing; this prints the values instead, when the compiled program runs, once each
    time it reaches the call (as `jax.debug.print`), formatted as `print` formats NumPy
    values. Prints of static values stay prints at trace time.
    """
    leaves, tree = jax.tree_util.tree_flatten((args, kwargs))
    traced = [staging.is_traced(leaf) for leaf in leaves]
    if fn is not builtins.print or not any(traced):
        return fn(*args, **kwargs)
    static = [None if t else leaf for leaf, t in zip(leaves, traced)]
    jax.debug.callback(functools.partial(_print, tree, static, traced),
                       *(leaf for leaf, t in zip(leaves, traced) if t))
    return None


def _print(tree: Any, static: list, traced: list, *values: Any) -> None:
    values = iter(values)
    args, kwargs = tree.unflatten([next(values) if t else s for s, t in zip(static, traced)])
    builtins.print(*args, **kwargs)
