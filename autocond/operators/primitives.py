"""The one module that uses JAX's private internals (`jax._src`): tracing to jaxprs, and
`lax` loops and `cond`s of jaxprs traced already (other modules read and edit jaxprs
through the public `jax.extend.core`).

`lax.cond` and the loops trace the functions they are given, but autocond has traced them
already, to learn the types of what they produce (`staging`); calling `lax` on functions
evaluating those jaxprs traces every equation a second time, and `jax.make_jaxpr` costs more
than the trace itself. So autocond traces with JAX's own tracer
(`jax._src.interpreters.partial_eval`) and binds the public `cond`, `while` and `scan`
primitives on the jaxprs directly. On first use, a probe checks that this gives the jaxprs
the public functions give; if not (a JAX release changed them), autocond uses the public
functions from then on, tracing twice, and `tests/test_primitives.py` fails.

It also registers autocond's files with JAX's traceback filtering, as JAX and equinox do
theirs: an error raised through `jax.jit` shows the user's frames (the line of the branch
or loop body, the function around it), not the operators' in between
(`JAX_TRACEBACK_FILTERING=off` shows them all).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from typing import Any

import jax
import numpy as np
from jax import lax

# The one weak-type-preserving cast (`lax.convert_element_type` makes its result strong).
from jax._src.lax.lax import _convert_element_type as convert_element_type  # noqa: F401
from jax.extend.core import ClosedJaxpr, Var, jaxpr_as_fun
from jax.extend.core.primitives import cond_p, scan_p, while_p

try:
    from jax._src import core as _core
    from jax._src.interpreters import partial_eval as _pe
    from jax._src.tree_util import FlatTree as _FlatTree
except ImportError:  # pragma: no cover - a JAX release without them uses the fallbacks
    _pe = None

try:
    from jax._src import traceback_util as _traceback_util

    _traceback_util.register_exclusion(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
except (ImportError, AttributeError):  # pragma: no cover - tracebacks then show autocond's frames
    pass


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


def then(jaxpr: ClosedJaxpr, fn: Callable[..., list]) -> ClosedJaxpr:
    """The jaxpr of `fn` applied to the outputs of `jaxpr`, tracing only `fn` (on the types
    of those outputs: a few casts and constants, where `jaxpr` is a whole branch)."""
    outvars = jaxpr.jaxpr.outvars
    if not internals():
        return trace(lambda *args: fn(*jaxpr_as_fun(jaxpr)(*args)), [v.aval for v in jaxpr.jaxpr.invars])
    return _then(jaxpr, _trace(fn, [v.aval for v in outvars]))


def _then(first: ClosedJaxpr, second: ClosedJaxpr) -> ClosedJaxpr:
    """`second` on the outputs of `first`, one jaxpr: the equations of both, those of
    `second` reading the outputs of `first` for its inputs."""
    a, b = first.jaxpr, second.jaxpr
    inputs = dict(zip(b.invars, a.outvars))

    def read(atom):
        return inputs.get(atom, atom) if isinstance(atom, Var) else atom

    eqns = [*a.eqns, *(e.replace(invars=[read(v) for v in e.invars]) for e in b.eqns)]
    jaxpr = a.replace(constvars=[*a.constvars, *b.constvars], eqns=eqns, outvars=[read(v) for v in b.outvars],
                      effects=a.effects | b.effects)
    return ClosedJaxpr(jaxpr, [*first.consts, *second.consts])


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
    # Every branch takes the consts of all (each once, by identity), then the operands: its
    # own consts become inputs, the others' inputs it ignores.
    keyed = [{key: (v, c) for key, v, c in _const_keys(b)} for b in branches]
    consts = {key: c for own in keyed for key, (_, c) in own.items()}
    inputs = [*consts.values(), *operands]
    jaxprs = [b.jaxpr.replace(constvars=[], invars=[
        *(own[key][0] if key in own else Var(jax.typeof(c)) for key, c in consts.items()), *b.jaxpr.invars])
        for b, own in zip(branches, keyed)]
    # An output every branch passes through from the same input is that input (as in `lax`).
    forwarded = [_forwarded(jaxprs[0], k) for k in range(len(jaxprs[0].outvars))]
    forwarded = [f if all(_forwarded(j, k) == f for j in jaxprs[1:]) else None
                 for k, f in enumerate(forwarded)]
    kept = [k for k, f in enumerate(forwarded) if f is None]
    closed = tuple(ClosedJaxpr(j.replace(outvars=[j.outvars[k] for k in kept]), []) for j in jaxprs)
    results = iter(cond_p.bind(index, *inputs, branches=closed))
    return [next(results) if f is None else inputs[f] for f in forwarded]


def while_loop(cond: ClosedJaxpr, body: ClosedJaxpr, init: Sequence[Any]) -> list:
    """`lax.while_loop` of `jaxpr_as_fun(cond)` (giving a bool) and `jaxpr_as_fun(body)`,
    both taking the carried values, from `init` (of the types `body` gives)."""
    if internals() and not (cond.effects or body.effects):
        return _while_loop(cond, body, init)
    return lax.while_loop(lambda c: jaxpr_as_fun(cond)(*c)[0], lambda c: jaxpr_as_fun(body)(*c), list(init))


def _while_loop(cond: ClosedJaxpr, body: ClosedJaxpr, init: Sequence[Any]) -> list:
    return while_p.bind(*cond.consts, *body.consts, *init, cond_nconsts=len(cond.consts),
                        cond_jaxpr=_hoisted(cond), body_nconsts=len(body.consts), body_jaxpr=_hoisted(body))


def scan(body: ClosedJaxpr, init: Sequence[Any], length: int, xs: Sequence[Any] = ()) -> tuple[list, list]:
    """`lax.scan` of `length` trips of `jaxpr_as_fun(body)`, which takes the carried values
    (from `init`, of the types it gives first), then a row of each of `xs`, and gives the
    carried values, then the rows it stacks: the carried values and the stacked rows."""
    if internals() and not body.effects:
        return _scan(body, init, length, xs)

    def step(carry, x):
        out = jaxpr_as_fun(body)(*carry, *x)
        return out[:len(init)], out[len(init):]

    return lax.scan(step, list(init), list(xs), length=length)


def _scan(body: ClosedJaxpr, init: Sequence[Any], length: int, xs: Sequence[Any]) -> tuple[list, list]:
    out = scan_p.bind(*body.consts, *init, *xs, jaxpr=_hoisted(body), length=length, reverse=False,
                      num_consts=len(body.consts), num_carry=len(init), unroll=1)
    return out[:len(init)], out[len(init):]


def _hoisted(closed: ClosedJaxpr) -> ClosedJaxpr:
    """`closed` taking its consts as its first inputs."""
    jaxpr = closed.jaxpr
    return ClosedJaxpr(jaxpr.replace(constvars=[], invars=[*jaxpr.constvars, *jaxpr.invars]), [])


def _const_keys(closed: ClosedJaxpr) -> list[tuple[tuple[int, int], Any, Any]]:
    """Each const of `closed` with its constvar, keyed by its identity and how many times it
    came before (a jaxpr may read one value through two constvars)."""
    seen: dict[int, int] = {}
    keys = []
    for v, c in zip(closed.jaxpr.constvars, closed.consts):
        seen[id(c)] = seen.get(id(c), -1) + 1
        keys.append(((id(c), seen[id(c)]), v, c))
    return keys


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
    """Trace a small `cond`, `while_loop` and `scan`, and two jaxprs made one (`then`), both
    ways, and compare the jaxprs."""

    def branches(y):  # reading a value of the enclosing trace, passing one input through
        return [lambda a, b: [a + 1.0, b], lambda a, b: [a * y, b]]

    def cond(a, b):
        return [b < 3]

    def body(y):
        return lambda a, b, *row: [a * y + sum(row), b + 1, a[0]]

    def public(x, b, y):
        first = lax.cond(x[0] > 0, *branches(y)[::-1], x, b)
        loop = lax.while_loop(lambda c: cond(*c)[0], lambda c: body(y)(*c)[:2], first)

        def step(carry, row):
            out = body(y)(*carry, row)
            return out[:2], out[2]

        return lax.scan(step, loop, np.zeros((3, 3), np.float32))

    def internal(x, b, y):
        avals = [jax.typeof(x), jax.typeof(b)]
        traced = [_trace(f, avals) for f in branches(y)]
        first = _switch(lax.convert_element_type(x[0] > 0, np.int32), traced, [x, b])
        loop = _while_loop(_trace(cond, avals), _trace(lambda a, b: body(y)(a, b)[:2], avals), first)
        return _scan(_trace(body(y), [*avals, avals[0]]), loop, 3, [np.zeros((3, 3), np.float32)])

    def cast(a, b):  # a weak-typed int made a float, a constant, a value passed through
        return [lax.convert_element_type(b, np.float32) * a, np.zeros(2, np.float32), True, a]

    def composed(x, b, y):
        avals = [jax.typeof(x), jax.typeof(b)]
        traced = _trace(lambda a, b: [a * y, b + 1], avals)
        return jaxpr_as_fun(_then(traced, _trace(cast, [v.aval for v in traced.jaxpr.outvars])))(x, b)

    def retraced(x, b, y):
        return cast(x * y, b + 1)

    args = (np.ones(3, np.float32), np.int32(1), np.float32(2.0))
    return all(str(jax.make_jaxpr(f)(*args)) == str(jax.make_jaxpr(g)(*args))
               for f, g in [(public, internal), (retraced, composed)])
