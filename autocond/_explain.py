"""`autocond.explain`: what each statement of a function became when `autocond.jit` traced it."""

from __future__ import annotations

import ast
import collections
import dataclasses
import inspect
import linecache
import os
import textwrap
import types
from collections.abc import Callable
from typing import Any

import jax
import jaxlib
from jax.extend.core import ClosedJaxpr, Jaxpr

from autocond import _api
from autocond.operators import lowerings
from autocond.operators.lowerings import Lowering

# The files whose frames are not the user's: an equation is the user's line's that called them.
_NOT_USERS = tuple(os.path.dirname(os.path.abspath(path)) + os.sep for path in (jax.__file__, jaxlib.__file__,
                                                                                 __file__))


@dataclasses.dataclass(frozen=True)
class Statement:
    """A line of the user's code (`file:line`, its code): what its constructs became
    (`lowerings`, each once, in the order first traced) and the equations it put in the
    program, by primitive (those of the bodies of its `if` or loop counted at their own lines)."""

    where: str
    code: str
    lowerings: tuple[Lowering, ...]
    equations: dict[str, int]


@dataclasses.dataclass(frozen=True)
class Explanation:
    """What `autocond.explain` found: the `statements` of the function (and of the functions it
    calls that made equations or constructs), the `jaxpr` traced, and the equations no line
    of the user's made (`unattributed`: the casts and counters autocond adds, by primitive).
    `str()` gives a table for a terminal; `to_dict()` the same as plain data."""

    function: str
    statements: tuple[Statement, ...]
    jaxpr: ClosedJaxpr
    unattributed: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {"function": self.function, "equations": _count(self.jaxpr.jaxpr),
                "statements": [dataclasses.asdict(s) for s in self.statements],
                "unattributed": self.unattributed}

    def __str__(self) -> str:
        lines = [f"{self.function}: {_count(self.jaxpr.jaxpr)} equations"]
        file = None
        for statement in self.statements:
            here, _, line = statement.where.rpartition(":")
            if here != file:
                file = here
                lines.append(f"  {file}")
            shown = ", ".join(f"{n} {p}" for p, n in statement.equations.items())
            became = "; ".join(dict.fromkeys(lowering.became for lowering in statement.lowerings))
            lines.append(f"  {line:>5}  {statement.code:<44.44} {became:<15} {shown}".rstrip())
            for lowering in statement.lowerings:
                trips = f" ({lowering.trips} trips)" if lowering.trips else ""
                lines += textwrap.wrap(f"{lowering.became}{trips}: {lowering.why}", 100,
                                       initial_indent=" " * 9 + "↳ ", subsequent_indent=" " * 11)
        if self.unattributed:
            lines.append("  autocond's own (casts, counters): "
                         + ", ".join(f"{n} {p}" for p, n in self.unattributed.items()))
        return "\n".join(lines)


def explain(fn: Callable, *args: Any, **kwargs: Any) -> Explanation:
    """Trace `fn` on `args` and `kwargs` as `autocond.jit(fn)` would, and report what each of
    its statements became: plain Python (and why), `lax.cond`, `lax.switch`,
    `lax.while_loop`, `lax.scan`, or a loop unrolled (and why: a Python counter, a body that
    needs a concrete index...), with the equations each put in the program.

    `fn` is a function, or what `autocond.jit(f, static_argnames=...)` gave (traced with its
    options; its cache of traces is cleared, so the next call traces again). Nothing is
    compiled or run.
    """
    jitted = fn if isinstance(fn, jax.stages.Wrapped) else _api.jit(fn)
    jitted.clear_cache()  # else a trace made before would not run the function's Python
    with lowerings.recording() as record:
        jaxpr = jitted.trace(*args, **kwargs).jaxpr
    equations: dict[str | None, collections.Counter] = collections.defaultdict(collections.Counter)
    _by_line(jaxpr.jaxpr, equations)
    made: dict[str, list[Lowering]] = collections.defaultdict(list)
    for lowering in record:
        if lowering not in made[lowering.where]:
            made[lowering.where].append(lowering)
    user = inspect.unwrap(getattr(jitted, "__wrapped__", fn))
    where = sorted(set(made) | set(equations) - {None} | set(_statements(user)), key=_place)
    statements = tuple(Statement(w, _code(w), tuple(made.get(w, ())), dict(equations.get(w, {})))
                       for w in where)
    name = getattr(user, "__qualname__", repr(user))
    return Explanation(name, statements, jaxpr, dict(equations.get(None, {})))


def _count(jaxpr: Jaxpr) -> int:
    return sum(1 + sum(_count(j) for j in _inner(eqn)) for eqn in jaxpr.eqns)


def _inner(eqn: Any) -> list[Jaxpr]:
    """The jaxprs in an equation's parameters (branches, loop bodies)."""
    found = []
    for value in eqn.params.values():
        for v in value if isinstance(value, (tuple, list)) else (value,):
            if isinstance(v, ClosedJaxpr):
                found.append(v.jaxpr)
            elif isinstance(v, Jaxpr):
                found.append(v)
    return found


def _by_line(jaxpr: Jaxpr, equations: dict) -> None:
    """Count the equations of `jaxpr` and those inside them by the user's line making each."""
    for eqn in jaxpr.eqns:
        equations[_user_line(eqn)][eqn.primitive.name] += 1
        for inner in _inner(eqn):
            _by_line(inner, equations)


def _user_line(eqn: Any) -> str | None:
    """`file:line` of the innermost frame of the user's code tracing `eqn`; None if none."""
    traceback = getattr(eqn.source_info, "traceback", None)
    for frame in traceback.frames if traceback is not None else ():
        if not frame.file_name.startswith(_NOT_USERS) and not frame.file_name.startswith("<frozen "):
            return f"{frame.file_name}:{frame.line_num}"
    return None


def _statements(fn: Any) -> list[str]:
    """`file:line` of each statement of the function `fn` (none where its source is unknown)."""
    if not isinstance(fn, types.FunctionType):
        return []
    try:
        lines, first = inspect.getsourcelines(fn)
        tree = ast.parse(textwrap.dedent("".join(lines)))
    except (OSError, TypeError, SyntaxError):
        return []
    file = fn.__code__.co_filename
    return [f"{file}:{first + node.lineno - 1}" for node in ast.walk(tree)
            if isinstance(node, ast.stmt) and not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]


def _place(where: str) -> tuple[str, int]:
    file, _, line = where.rpartition(":")
    return file, int(line)


def _code(where: str) -> str:
    file, line = _place(where)
    return linecache.getline(file, line).rstrip()
