"""Shared test helpers: plain Python is the oracle for converted code."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import jax
import jax.extend.core
import numpy as np

import autocond


def assert_same(want: Any, got: Any) -> None:
    """`got` has `want`'s structure and values. Where `want` is a JAX or NumPy array its dtype
    must match too; a Python number may come back as an array of the dtype JAX gives it."""
    want_leaves, want_tree = jax.tree_util.tree_flatten(want)
    got_leaves, got_tree = jax.tree_util.tree_flatten(got)
    assert want_tree == got_tree, f"structure: want {want_tree}, got {got_tree}"
    for w, g in zip(want_leaves, got_leaves):
        if isinstance(w, (jax.Array, np.ndarray, np.generic)):
            assert np.asarray(g).dtype == np.asarray(w).dtype, f"dtype: want {w!r}, got {g!r}"
            assert np.shape(g) == np.shape(w), f"shape: want {w!r}, got {g!r}"
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-6, atol=1e-6)


def assert_matches_python(fn: Callable, *args: Any, jit: bool = True,
                          static_argnames: tuple[str, ...] = (), **kwargs: Any) -> Any:
    """Run `fn` as plain Python, converted, and (unless `jit=False`) converted under `jax.jit`
    with `static_argnames`; all must agree. Returns the plain-Python result."""
    want = fn(*args, **kwargs)
    assert_same(want, autocond.convert(fn)(*args, **kwargs))
    if jit:
        assert_same(want, autocond.jit(fn, static_argnames=static_argnames)(*args, **kwargs))
    return want


def line_of(fn: Callable, text: str) -> int:
    """The file line of the first line of `fn`'s source that contains `text`."""
    lines, start = inspect.getsourcelines(fn)
    for offset, line in enumerate(lines):
        if text in line:
            return start + offset
    raise AssertionError(f"{text!r} is not in the source of {fn.__name__}")


def primitives(jaxpr: Any) -> list[str]:
    """The names of a jaxpr's equations, sub-jaxprs (branches, loop bodies) included."""
    names = []
    for eqn in jaxpr.eqns:
        names.append(eqn.primitive.name)
        for sub in jax.extend.core.jaxprs_in_params(eqn.params):
            names.extend(primitives(sub))
    return names
