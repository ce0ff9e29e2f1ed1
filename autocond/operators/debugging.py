"""Runtime of converted `assert` statements and `print` calls."""

from __future__ import annotations

import builtins
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
