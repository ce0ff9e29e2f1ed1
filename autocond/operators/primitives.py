"""The one module that uses JAX internals: tracing to jaxprs, and `cond`s of jaxprs traced.

`lax.cond` traces the branches it is given, but autocond has traced them already, to learn
the types of what they produce (`staging`); calling `lax.cond` on functions evaluating those
jaxprs traces every equation a second time, and `jax.make_jaxpr` costs more than the trace
itself. So autocond traces with JAX's own tracer (`jax._src.interpreters.partial_eval`) and
binds the public `cond` primitive on the jaxprs directly. On first use, a probe checks that
both give the jaxpr the public functions give; if not (a JAX release changed them), autocond
uses the public functions from then on, tracing twice, and `tests/test_primitives.py` fails.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import jax
import numpy as np
from jax import lax
from jax.extend.core import ClosedJaxpr, Var, jaxpr_as_fun
from jax.extend.core.primitives import cond_p

try:
    from jax._src import core as _core
    from jax._src.interpreters import partial_eval as _pe
    from jax._src.tree_util import FlatTree as _FlatTree
except ImportError:  # pragma: no cover - a JAX release without them uses the fallbacks
    _pe = None

# The one weak-type-preserving cast: `lax.convert_element_type` makes its result strong.
from jax._src.lax.lax import _convert_element_type as convert_element_type  # noqa: E402, F401


def trace(fn: Callable[..., list], avals: Sequence[Any]) -> ClosedJaxpr:
    """`jax.make_jaxpr(fn)` on arguments of types `avals`, for a `fn` returning a list of
    arrays; values of an enclosing trace that `fn` reads are the jaxpr's `consts`."""
    if internals():
        return _trace(fn, avals)
    specs = [jax.ShapeDtypeStruct(a.shape, a.dtype, weak_type=a.weak_type) for a in avals]
    return jax.make_jaxpr(fn)(*specs)


def _trace(fn: Callable[..., list], avals: Sequence[Any]) -> ClosedJaxpr:
    debug = _core.DebugInfo("autocond", getattr(fn, "__name__", "fn"), ("",) * len(avals), None)
    jaxpr, _ = _pe.trace_to_jaxpr(fn, _FlatTree.flatten((tuple(avals), {})), debug)
    return jaxpr


def switch(index: Any, branches: Sequence[ClosedJaxpr], operands: Sequence[Any]) -> list:
    """`lax.switch(index, [jaxpr_as_fun(b) for b in branches], *operands)` for an `index`
    in range (a bool for two branches, False for the first), without tracing the branches
    again. The branches take `operands`, read their own `consts`, and produce outputs of the
    same types."""
    index = lax.convert_element_type(index, np.int32)
    if internals() and not any(b.effects for b in branches):
        return _switch(index, branches, operands)
    return lax.switch(index, [jaxpr_as_fun(b) for b in branches], *operands)


def _switch(index: Any, branches: Sequence[ClosedJaxpr], operands: Sequence[Any]) -> list:
    # Every branch takes the consts of all, then the operands: a branch's own consts become
    # inputs, the others' inputs it ignores.
    consts = [c for b in branches for c in b.consts]
    inputs = [*consts, *operands]
    jaxprs, offset = [], 0
    for b in branches:
        own = b.jaxpr.constvars
        ignored = [Var(jax.typeof(c)) for c in consts]
        invars = [*ignored[:offset], *own, *ignored[offset + len(own):], *b.jaxpr.invars]
        jaxprs.append(b.jaxpr.replace(constvars=[], invars=invars))
        offset += len(own)
    # An output every branch passes through from the same input is that input (as in `lax`).
    forwarded = [_forwarded(jaxprs[0], k) for k in range(len(jaxprs[0].outvars))]
    forwarded = [f if all(_forwarded(j, k) == f for j in jaxprs[1:]) else None
                 for k, f in enumerate(forwarded)]
    kept = [k for k, f in enumerate(forwarded) if f is None]
    closed = tuple(ClosedJaxpr(j.replace(outvars=[j.outvars[k] for k in kept]), []) for j in jaxprs)
    results = iter(cond_p.bind(index, *inputs, branches=closed))
    return [next(results) if f is None else inputs[f] for f in forwarded]


def _forwarded(jaxpr: Any, k: int) -> int | None:
    """The position of the input the `k`th output of `jaxpr` is, if it is one."""
    out = jaxpr.outvars[k]
    return next((j for j, v in enumerate(jaxpr.invars) if v is out), None) if isinstance(out, Var) else None


@functools.cache
def internals() -> bool:
    """Whether JAX's internals give the jaxprs the public functions give (checked once)."""
    if _pe is None:
        return False
    try:
        return _probe()
    except Exception:
        return False


def _probe() -> bool:
    """Trace a small `cond` both ways and compare the jaxprs."""

    def branches(y):  # reading a value of the enclosing trace, passing one input through
        return [lambda a, b: [a + 1.0, b], lambda a, b: [a * y, b]]

    def public(x, b, y):
        return lax.cond(x[0] > 0, *branches(y)[::-1], x, b)

    def internal(x, b, y):
        avals = [jax.typeof(x), jax.typeof(b)]
        traced = [_trace(f, avals) for f in branches(y)]
        return _switch(lax.convert_element_type(x[0] > 0, np.int32), traced, [x, b])

    args = (np.ones(3, np.float32), np.int32(1), np.float32(2.0))
    return str(jax.make_jaxpr(public)(*args)) == str(jax.make_jaxpr(internal)(*args))
