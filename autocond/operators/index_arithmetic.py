"""Whether a rolled loop computes with its index exactly as Python does.

Unrolled, `for i in range(N)` gives the body Python ints; rolled into `lax.fori_loop`, a
traced int32. Wherever `i` meets an array the two agree, since JAX converts the Python int
to int32 there anyway. But arithmetic on the index and constants alone is exact in Python:
`2 ** -i` is 0.25 there and 0 in int32, and `i * 10**9` overflows int32. `exact` follows
the index through the body's jaxpr, bounding each integer value it alone determines by
interval arithmetic over the range's values, and says whether all of them are exact. So
for the Python ints a traced loop carries (`k = 0 ... k += 1` in a `while`): Python keeps
them ints, the loop carries int32 arrays.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from jax.extend.core import ClosedJaxpr, Jaxpr, Literal

_Interval = tuple[int, int]
_INT32 = (-(2**31), 2**31 - 1)


class _Inexact(Exception):
    pass


def _corners(op: Callable[[int, int], int], a: _Interval, b: _Interval) -> _Interval:
    values = [op(x, y) for x, y in itertools.product(a, b)]
    return min(values), max(values)


def _nonzero(b: _Interval) -> _Interval:
    if b[0] <= 0 <= b[1]:
        raise _Inexact  # a division by zero: Python raises, XLA does not
    return b


def _magnitude(*intervals: _Interval) -> int:
    return max(abs(v) for interval in intervals for v in interval)


def _integer_pow(a: _Interval, y: int) -> _Interval:
    if y < 0:
        raise _Inexact
    values = [a[0] ** y, a[1] ** y] + ([0] if a[0] < 0 < a[1] else [])
    return min(values), max(values)


_BOOL = (0, 1)
# For each primitive on values the index alone determines: the interval of its result.
_RULES: dict[str, Callable[..., _Interval]] = {
    "add": lambda a, b: (a[0] + b[0], a[1] + b[1]),
    "sub": lambda a, b: (a[0] - b[1], a[1] - b[0]),
    "mul": lambda a, b: _corners(lambda x, y: x * y, a, b),
    "neg": lambda a: (-a[1], -a[0]),
    "abs": lambda a: (0 if a[0] <= 0 <= a[1] else min(map(abs, a)), _magnitude(a)),
    "sign": lambda a: (-1, 1),
    "max": lambda a, b: (max(a[0], b[0]), max(a[1], b[1])),
    "min": lambda a, b: (min(a[0], b[0]), min(a[1], b[1])),
    "div": lambda a, b: (-_magnitude(a), _magnitude(a)) if _nonzero(b) else None,
    "rem": lambda a, b: (-(_magnitude(_nonzero(b)) - 1), _magnitude(b) - 1),
    "integer_pow": _integer_pow,
    "and": lambda a, b: (-2 * _magnitude(a, b) - 2, 2 * _magnitude(a, b) + 1),
    "or": lambda a, b: (-2 * _magnitude(a, b) - 2, 2 * _magnitude(a, b) + 1),
    "xor": lambda a, b: (-2 * _magnitude(a, b) - 2, 2 * _magnitude(a, b) + 1),
    "not": lambda a: (-a[1] - 1, -a[0] - 1),
    "shift_right_arithmetic": lambda a, b: (min(a[0], 0), max(a[1], 0)),
    "select_n": lambda predicate, *cases: (min(c[0] for c in cases), max(c[1] for c in cases)),
    "clamp": lambda low, a, high: (min(low[0], a[0]), max(high[1], a[1])),
    **{name: (lambda *args: _BOOL) for name in ("eq", "ne", "lt", "le", "gt", "ge")},
    **{name: (lambda a: a) for name in ("convert_element_type", "reshape", "squeeze",
                                        "broadcast_in_dim", "expand_dims", "copy", "copy_p")},
}


def _rule(eqn: Any) -> Callable[..., _Interval]:
    name = eqn.primitive.name
    if name == "integer_pow":
        return lambda a: _integer_pow(a, eqn.params["y"])
    if name == "shift_right_logical":  # Python's >> is arithmetic: they agree from 0 up
        return lambda a, b: (0, a[1]) if a[0] >= 0 else _raise()
    if name not in _RULES:
        raise _Inexact
    return _RULES[name]


def _raise():
    raise _Inexact


def _literal(value: Any) -> _Interval | None:
    value = np.asarray(value)
    if value.shape != () or value.dtype.kind not in "biu":
        return None
    return int(value), int(value)


def _is_integer(var: Any) -> bool:
    return np.dtype(var.aval.dtype).kind in "biu"


def _walk(jaxpr: Jaxpr, intervals: Sequence[_Interval | None], bounded: bool) -> list[_Interval | None]:
    """Intervals of `jaxpr`'s outputs given those of its inputs (None: not the index's alone).
    Unless `bounded` (the index's own interval is only its sign), overflow is not checked."""
    env = {v: iv for v, iv in zip(jaxpr.invars, intervals) if iv is not None}

    def interval(v):
        return _literal(v.val) if isinstance(v, Literal) else env.get(v)

    for eqn in jaxpr.eqns:
        ins = [interval(v) for v in eqn.invars]
        if not any(iv is not None and not isinstance(v, Literal) for v, iv in zip(eqn.invars, ins)):
            continue  # the index does not reach this equation
        if eqn.primitive.name == "while":
            # Its consts, then the carried values: any value of int32 after some trips, where the
            # index reaches them (a literal start is not the index's), and so its results.
            conds, bodies = eqn.params["cond_nconsts"], eqn.params["body_nconsts"]
            carried = [None if iv is None or isinstance(v, Literal) else _INT32
                       for v, iv in zip(eqn.invars[conds + bodies:], ins[conds + bodies:])]
            _walk(eqn.params["cond_jaxpr"].jaxpr, [*ins[:conds], *carried], bounded)
            _walk(eqn.params["body_jaxpr"].jaxpr, [*ins[conds:conds + bodies], *carried], bounded)
            for v in eqn.outvars:
                if _is_integer(v):
                    env[v] = _INT32
            continue
        subjaxprs = _subjaxprs(eqn, bounded)
        if subjaxprs is not None:
            outs = [_walk(inner, [ins[k] for k in positions], bounded) for inner, positions in subjaxprs]
            for k, v in enumerate(eqn.outvars):
                branch = [o[k] for o in outs]
                if branch and all(b is not None for b in branch):
                    env[v] = (min(b[0] for b in branch), max(b[1] for b in branch))
            continue
        if any(iv is None for iv in ins) or not all(map(_is_integer, eqn.outvars)):
            continue  # it meets an array or makes a float: JAX semantics either way
        if not eqn.outvars:
            continue  # an effect (a run-time check, a print) of values bounded already
        result = _rule(eqn)(*ins)  # each rule's primitive has one result
        (out,) = eqn.outvars
        if not (_INT32[0] <= result[0] and result[1] <= _INT32[1]):
            if bounded:
                raise _Inexact  # Python's int would not overflow
            result = (max(result[0], _INT32[0]), min(result[1], _INT32[1]))
        env[out] = result
    return [interval(v) for v in jaxpr.outvars]


def _subjaxprs(eqn: Any, bounded: bool) -> list[tuple[Jaxpr, list[int]]] | None:
    """The jaxprs a call-like or `cond` equation runs, with the positions of their inputs.
    Another equation with jaxprs is not followed: its values are inexact if `bounded`, and
    unknown otherwise (a traced range cannot fall back to unrolling, so it is not refused)."""
    if eqn.primitive.name == "cond":
        return [(b.jaxpr, list(range(1, len(eqn.invars)))) for b in eqn.params["branches"]]
    for key in ("jaxpr", "call_jaxpr"):
        inner = eqn.params.get(key)
        if isinstance(inner, ClosedJaxpr):
            inner = inner.jaxpr
        if isinstance(inner, Jaxpr) and len(inner.invars) == len(eqn.invars):
            return [(inner, list(range(len(eqn.invars))))]
    if any(isinstance(p, (ClosedJaxpr, Jaxpr))
           or (isinstance(p, tuple) and p and isinstance(p[0], ClosedJaxpr)) for p in eqn.params.values()):
        if bounded:
            raise _Inexact
        return []
    return None


def exact(jaxpr: ClosedJaxpr, inputs: Mapping[int, _Interval], bounded: bool = True,
          feedback: Mapping[int, int] = {}) -> bool:
    """Whether `jaxpr`, given ints in the intervals `inputs` (by position: a loop's index, the
    Python ints a loop carries), computes every value they alone determine as Python's ints
    would; unless `bounded` (the intervals are not known, only signs), overflow is not
    counted: negative powers and divisions by a value that may be 0 are. For a loop body
    giving input `k`'s next value as output `feedback[k]`, each interval widens (to the
    int32 bound on the side it grows) until it holds the values of every iteration."""
    intervals = dict(inputs)
    while True:  # each interval widens at most once on each side
        try:
            outs = _walk(jaxpr.jaxpr, [intervals.get(k) for k in range(len(jaxpr.jaxpr.invars))], bounded)
        except _Inexact:
            return False
        widened = dict(intervals)
        for k, out in feedback.items():
            (low, high), after = intervals[k], outs[out]
            if after is not None:
                widened[k] = (low if after[0] >= low else _INT32[0], high if after[1] <= high else _INT32[1])
        if widened == intervals:
            return True
        intervals = widened


def signs(start: Any, step: Any) -> tuple[int, int]:
    """What is known of the values of a traced range's index: from a static `start` up for a
    static positive `step`, down for a negative one."""
    if isinstance(start, int) and isinstance(step, int):
        return (start, _INT32[1]) if step > 0 else (_INT32[0], start)
    return _INT32
