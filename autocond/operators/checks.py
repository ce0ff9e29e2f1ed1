"""Checks that Python makes while running, made at run time when their condition is traced."""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Callable, Iterator
from typing import Any

import jax
import numpy as np

# Under `vmap`, a `lax.cond` or `lax.switch` on a batched test runs every branch for every
# element and keeps each element's own results, so a branch also runs for the elements that
# do not take it, on values Python never computes. The traced bool under which the code
# being traced is reached (the tests of the staged branches around it, joined by `&`; None
# outside any) makes a check there pass, and a loop there stop at once, for such elements.
# It is built only where something reads it: a function computing it, in the trace reading it.
_reached: contextvars.ContextVar[Callable[[], Any] | None] = contextvars.ContextVar(
    "autocond_reached", default=None)


def reached() -> Any:
    """The traced bool under which the code being traced runs, or None where it always does."""
    test = _reached.get()
    return None if test is None else test()


@contextlib.contextmanager
def reached_only_if(test: Callable[[], Any]) -> Iterator[None]:
    """Within it, the code traced runs only where the traced bool `test()` also holds."""
    outer = _reached.get()
    token = _reached.set(test if outer is None else lambda: outer() & test())
    try:
        yield
    finally:
        _reached.reset(token)


def check(ok: Any, error: Exception | Callable[..., Exception], *values: Any) -> None:
    """Raise `error` unless `ok`, as Python would; `error` may also be a function making
    it from `values` (when the program runs, from their values there).

    A traced `ok` is checked when the compiled program runs, by a `jax.debug.callback`
    (only where the program reaches it: not in the untaken branch of a `lax.cond`); under
    `jax.jit` the call then fails with a `JaxRuntimeError` carrying `error`'s message, and
    under `vmap` if the check fails for any element that reaches it (`reached`).
    """
    if isinstance(ok, jax.core.Tracer):
        where = reached()
        if where is not None:
            ok = ok | ~where
        jax.debug.callback(functools.partial(_raise_unless, error), ok, *values, ordered=True)
    elif not ok:
        raise _made(error, values)


def fail(error: Exception | Callable[..., Exception], *values: Any) -> None:
    """Raise `error` (or the one `error` makes from `values`, as `check` does) when the
    compiled program reaches the code being traced (a traced branch or loop body, run only
    where its test holds: `reached`)."""
    where = reached()
    jax.debug.callback(functools.partial(_raise_unless, error), np.False_ if where is None else ~where,
                       *values, ordered=True)


def _raise_unless(error: Exception | Callable[..., Exception], ok: np.ndarray, *values: Any) -> None:
    if not np.all(ok):  # under `vmap`, one element per call
        raise _made(error, values)


def _made(error: Exception | Callable[..., Exception], values: tuple) -> Exception:
    return error if isinstance(error, BaseException) else error(*values)
