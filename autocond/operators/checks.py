"""Checks that Python makes while running, made at run time when their condition is traced."""

from __future__ import annotations

import functools
from typing import Any

import jax
import numpy as np


def check(ok: Any, error: Exception) -> None:
    """Raise `error` unless `ok`, as Python would.

    A traced `ok` is checked when the compiled program runs, by a `jax.debug.callback`
    (only where the program reaches it: not in the untaken branch of a `lax.cond`); under
    `jax.jit` the call then fails with a `JaxRuntimeError` carrying `error`'s message, and
    under `vmap` if the check fails for any element.
    """
    if isinstance(ok, jax.core.Tracer):
        jax.debug.callback(functools.partial(_raise_unless, error), ok)
    elif not ok:
        raise error


def _raise_unless(error: Exception, ok: np.ndarray) -> None:
    if not np.all(ok):  # under `vmap`, one element per call
        raise error
