"""Runtime of converted loops: plain Python, or a traced `while_loop` or `scan`."""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import functools
import itertools
import operator
import traceback
import types
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
from jax import lax
from jax.extend.core import ClosedJaxpr, Var

from autocond import errors
from autocond.operators import checks, conditionals, effects, index_arithmetic, lowerings, primitives, staging
from autocond.operators.variables import (
    MaybeUnbound,
    StackedList,
    Undefined,
    UndefinedReturnValue,
    align_bound,
)

# Each variable first assigned in the body is filled in once, and a weak type promoted at
# most twice (int, then float, then complex): at most this many traces beyond one per variable.
_MAX_REFINEMENTS = 3
# The names errors give the value of a `while` test, and the trip counter of a `range`, that
# a traced loop carries with the variables.
_TEST = "the loop's test"
_COUNTER = "the loop's counter"


@dataclasses.dataclass(frozen=True)
class TracedRange:
    """`range(start, stop, step)` where some argument is traced."""

    start: Any
    stop: Any
    step: Any


def range_(range_fn: Callable, *args: Any) -> Any:
    """`range_fn(*args)`, or a `TracedRange` when `range_fn` is `range` and an argument is traced.

    The converter passes the name `range` as the user's code sees it, so a shadowed `range`
    keeps its meaning.
    """
    if range_fn is not range or not any(staging.is_traced(a) for a in args):
        return range_fn(*args)
    for a in args:
        if not staging.is_traced(a):
            operator.index(a)  # Python's rule for a static bound (a bool is an int)
        elif not jnp.issubdtype(a.dtype, jnp.integer):
            raise TypeError(f"`range` needs integer arguments, got a traced {a.dtype} (at {staging.site()}).")
    args = [a if staging.is_traced(a) else operator.index(a) for a in args]
    start, stop, step = (0, *args, 1) if len(args) == 1 else (*args, 1)[:3]
    if not staging.is_traced(step) and operator.index(step) == 0:
        raise ValueError("range() arg 3 must not be zero")
    return TracedRange(start, stop, step)


def python_range(reason: str, range_fn: Callable, *args: Any, **kwargs: Any) -> Any:
    """`range_fn(*args)` for a `for` loop autocond keeps as plain Python (`reason` says why):
    a traced bound raises a clear error instead of JAX's `TracerIntegerConversionError`."""
    if range_fn is range and any(staging.is_traced(a) for a in args):
        raise errors.NotConvertedError(
            f"The `range` at {staging.site()} has a traced bound, but autocond keeps this `for` loop "
            f"as plain Python because {reason}. Make the bound static (e.g. with `static_argnames`), "
            "or restructure the code.")
    return range_fn(*args, **kwargs)


@dataclasses.dataclass(frozen=True)
class Count:
    """`enumerate`'s counter among the parts of `Items`."""

    start: int


@dataclasses.dataclass(frozen=True)
class Items:
    """The items of JAX arrays iterated along their leading axis (`for x in xs`, and through
    `enumerate`, `zip` and `reversed`). `parts` is a pytree of arrays and `Count`s: item `k`
    has row `k` of each array and `start + k` for each count."""

    parts: Any
    length: int

    def item(self, k: Any, rows: Sequence[Any] | None = None) -> Any:
        """Item `k`; with `rows`, the rows `k` of the arrays, in the order of `arrays`."""
        given = None if rows is None else iter(rows)
        return jax.tree_util.tree_map(
            lambda p: p.start + k if isinstance(p, Count) else p[k] if given is None else next(given),
            self.parts)

    def arrays(self, r: range) -> list:
        """The arrays among the parts, their rows at the positions `r` only."""
        return [p if r == range(len(p)) else p[r.start:r.stop:r.step]
                for p in jax.tree_util.tree_leaves(self.parts) if not isinstance(p, Count)]

    def __iter__(self):
        return (self.item(k) for k in range(self.length))

    def traced(self) -> bool:
        return any(map(staging.is_traced, jax.tree_util.tree_leaves(self.parts)))


def _parts(value: Any) -> Any:
    """The `Items` parts of a JAX array or `Items`; None for any other iterable."""
    if isinstance(value, Items):
        return value.parts
    if isinstance(value, jax.Array) and value.ndim:
        return value
    return None


def iterate(fn: Callable, *args: Any) -> Any:
    """`fn(*args)`, where `fn` is what the name `enumerate`, `zip` or `reversed` means in the
    user's code; when it is that builtin over JAX arrays, their `Items` (which `for_stmt`
    can run as one traced loop)."""
    parts = [_parts(a) for a in args]
    if args and all(p is not None for p in parts):
        lengths = [a.length if isinstance(a, Items) else len(a) for a in args]
        if fn is enumerate and len(args) == 1:
            return Items((Count(0), parts[0]), lengths[0])
        if fn is zip:
            return Items(tuple(parts), min(lengths))
        if fn is reversed and len(args) == 1 and isinstance(args[0], jax.Array):
            return Items(args[0][::-1], lengths[0])
    return fn(*args)


def _stopped(state: tuple, names: Sequence[str], stop: Sequence[str]) -> Any:
    """Whether one of the loop's `break`/`return` flags is set: a Python bool, or a traced
    one as soon as one flag is traced."""
    flags = [state[names.index(flag)] for flag in stop]
    if not any(map(staging.is_traced, flags)):
        return any(flags)
    return functools.reduce(jnp.logical_or, flags)


def _unset(state: tuple, names: Sequence[str], stop: Sequence[str]) -> tuple:
    """`state` with the `break`/`return` flags `stop` False, as they are wherever a traced loop
    runs its body (its condition includes them): the body tests them as Python bools."""
    return tuple(False if name in stop else value for name, value in zip(names, state)) if stop else state


def while_stmt(test: Callable, body: Callable, inputs: tuple, names: Sequence[str],
               stop: Sequence[str] = (), test_state: bool = False,
               int_operands: Mapping[str, int] = {}) -> Any:
    """Loops as Python does::

        def while_stmt(test, body, inputs, names, stop=(), test_state=False):
            state = inputs                  # the variables in `names`, as a tuple
            while not any(state[names.index(f)] for f in stop):
                going = test(*state)
                if test_state:              # the test assigns variables: it gives them back
                    going, state = going
                if not going:
                    break
                state = staging.as_tuple(body(*state), names)   # it gives one bare
            return staging.from_tuple(state, names)             # one bare, several as a tuple

    `stop` names the flags lowered `break` and `return` statements set.

    While the condition is a Python value or a concrete array, that is exactly what runs (so
    a loop over a Python counter unrolls, as under `jax.jit`). From the first test that is
    traced, the rest of the loop runs as one `lax.while_loop`; so it does from the start
    where the test holds, the variables hold traced values and Python numbers, and the body
    makes the numbers traced (`_rolled_while`: `t = 0.0; while t < 2.0: t = t + dt`, `dt`
    traced). Then each variable keeps its structure and shape across iterations; Python
    numbers are carried as arrays; a weakly typed value (from a Python number) is promoted
    once before the loop to the type the body gives it, while other dtype changes are errors;
    values that are not arrays or numbers must be left unchanged by the body; a variable the
    function computes with as an int (`q + q`; `int_operands` gives the line doing it) must
    not be a Python bool before the loop, nor a bool array on some iterations only; and the
    body must compute with the Python ints the loop carries as Python would (`2 ** -k` is an
    error). The body sees the `stop` flags as Python False (`_unset`). The first test
    that is traced is traced apart to find out that it is, and left out of the program
    (`_test_value`), unless it changes Python state; the `while_loop` computes it. A test
    with `test_state` is not computed again: the `lax.while_loop` carries its value, and
    each trip runs the body, then the test (the first test it gives, found traced, is
    computed before the loop).
    """
    here = staging.site()
    where, int_uses = f"the traced `while` loop at {here}", conditionals.int_uses(int_operands, here)
    state, going, asked, trips = inputs, None, test_state, 0
    while True:
        stopped = _stopped(state, names, stop)
        if staging.is_traced(stopped):
            break
        if stopped:
            _ran_as_python(here, "`while` loop", trips, "a `break` or `return` that is not traced ended it",
                           state)
            return staging.from_tuple(state, names)
        going = test(*state) if test_state else _test_value(test, state)
        if test_state:
            going, state = going
        if going is _TRACED or staging.is_traced(going):
            break
        if not going:
            _ran_as_python(here, "`while` loop", trips, "its condition is not traced on any trip", state)
            return staging.from_tuple(state, names)
        if not asked:  # once: may it roll from here, its Python numbers carried as arrays?
            asked, run = True, _rolled_while(test, body, state, names, stop, where, int_uses)
            if run:
                _rolled_at(here, "`while` loop", lowerings.WHILE, trips, "its variables start as Python "
                           "numbers that the body makes traced")
                return run()
        state, trips = staging.as_tuple(body(*state), names), trips + 1
    _rolled_at(here, "`while` loop", lowerings.WHILE, trips, "its condition is traced" if going is _TRACED
               or staging.is_traced(going) else "a `break` or `return` in it is traced")
    if test_state:
        return _while_with_state(test, body, state, going, names, stop, where, int_uses)

    def runs() -> Any:  # whether it runs at all
        return staging.predicate(test(*state), where)

    def traced_from(s: tuple) -> Any:  # the loop from the state `s`, traced
        return _traced_while(test, body, s, names, stop, where, int_uses)[1]()

    try:
        return traced_from(state)
    except KeyError as error:  # maybe a key an earlier iteration sets first
        return _key_first(error, runs, body, traced_from, state, names, where)
    except errors.UndefinedVariableError:  # read before the iteration that first assigns it
        if stop or not any(type(v) is Undefined for v in state):
            raise
        return _first_apart(runs(), body, traced_from, state, names, where, (test, body))


def _traced_while(test: Callable, body: Callable, state: tuple, names: Sequence[str], stop: Sequence[str],
                  where: str, int_uses: Mapping[str, str], at_least_once: bool = False):
    """The traced rest of a `while` from `state`: the `_Loop` and the function running it."""
    loop = _Loop(lambda *s: body(*_unset(s, names, stop)), state, names, where, effects.cells((body,), names),
                 int_uses, at_least_once, functions=(test, body))
    _check_python_ints(loop)

    def cond_fn(carry):
        current = loop.rebuild(carry)
        with effects.recorded() as stores:  # the test carries nothing
            going = staging.predicate(test(*current), where)
        effects.check(stores, frozenset(), where)
        return going & ~_stopped(current, names, stop) if stop else going

    loop.check_no_appends("its trip count is traced")
    return loop, lambda: loop.finish(_while_loop(cond_fn, loop, where))


def _rolled_while(test: Callable, body: Callable, state: tuple, names: Sequence[str], stop: Sequence[str],
                  where: str, int_uses: Mapping[str, str]) -> Callable[[], Any] | None:
    """The traced `while` from `state`, whose test holds, where its variables hold traced
    values and Python numbers and rolled it keeps Python's results (`_verdict`: the body makes
    the numbers traced, as `t = t + dt` does where `dt` is, and so the test, `t < 2.0`), and
    the test holds on the values the loop starts from as it does on Python's (in float32 too:
    `t < 1.0 + 1e-8` does not); None to run an iteration as Python."""
    leaves = staging.flatten(state)[0]
    if not (any(map(staging.is_traced, leaves)) and any(map(staging.is_constant, leaves))):
        return None
    with lowerings.trial() as kept:  # what the body's constructs became, if it rolls
        run = _roll_while(test, body, state, names, stop, where, int_uses)
        kept[0] = run is not None
    return run


def _roll_while(test: Callable, body: Callable, state: tuple, names: Sequence[str], stop: Sequence[str],
                where: str, int_uses: Mapping[str, str]) -> Callable[[], Any] | None:
    """`_rolled_while`, keeping what it records of the constructs of the body it traces."""
    try:
        loop, run = _traced_while(test, body, state, names, stop, where, int_uses, at_least_once=True)
        with jax.ensure_compile_time_eval(), effects.recorded():  # computed now, its stores undone
            start = [jnp.broadcast_to(staging.cast(jnp.asarray(x), t), t.shape)
                     for x, t in zip(loop.carried(), loop.types)]
            going = test(*loop.rebuild(start))
            holds = not staging.is_traced(going) and bool(going)
    except Exception:
        return None  # run as Python, it raises where Python does
    return run if holds and _verdict(loop, True)[0] is _ROLL else None


_TRACED = object()  # `_test_value` of a traced test


def _test_value(test: Callable, state: tuple) -> Any:
    """`test(*state)`, or `_TRACED` where it is traced. Where `state` holds traced values,
    the test is traced apart first, so that a traced test (which the `while_loop` computes)
    leaves no unused equations in the program; it runs again only if it changes variables."""
    leaves, tree = staging.flatten(state)
    traced = [staging.is_traced(x) for x in leaves]
    if any(traced):
        values = []

        def probe(*operands):
            given = iter(operands)
            values.append(test(*tree.unflatten([next(given) if t else x for x, t in zip(leaves, traced)])))
            return [values[0]] if isinstance(values[0], jax.Array) else []

        with effects.recorded() as stores:  # undone at the end
            jaxpr = primitives.trace(probe, [jax.typeof(x) for x, t in zip(leaves, traced) if t])
        if not stores and not isinstance(values[0], jax.Array):
            return values[0]
        if not stores and _reads_traced(jaxpr):
            return _TRACED
    return test(*state)  # it reads concrete arrays only (traced apart, they made one traced)


def _reads_traced(closed: ClosedJaxpr) -> bool:
    """Whether the first output of `closed` depends on its inputs or on a traced value."""
    jaxpr = closed.jaxpr
    tainted = {*jaxpr.invars, *(v for v, c in zip(jaxpr.constvars, closed.consts) if staging.is_traced(c))}
    for eqn in jaxpr.eqns:
        if any(isinstance(v, Var) and v in tainted for v in eqn.invars):
            tainted.update(eqn.outvars)
    return isinstance(jaxpr.outvars[0], Var) and jaxpr.outvars[0] in tainted


def _while_with_state(test: Callable, body: Callable, state: tuple, going: Any, names: Sequence[str],
                      stop: Sequence[str], where: str, int_uses: Mapping[str, str]) -> Any:
    """The traced rest of a `while` whose test gives back variables: a `lax.while_loop`
    carrying the test's value with them, whose trips run the body, then the test (unless a
    `break`/`return` flag is set). `going` is the test's value on `state`, or None if the
    test has not run on it (a flag is traced)."""

    carried = effects.cells((test, body), names)

    def advance(*current):
        """`(going, *state)` after the test, run on `current` unless a flag is set there."""
        def tested(*s):
            value, s = test(*s)
            return (staging.predicate(value, where), *s)
        stopped = _stopped(current, names, stop)
        if not staging.is_traced(stopped):
            return (False, *current) if stopped else tested(*current)
        return staging.as_tuple(conditionals.staged(
            stopped, (lambda *s: (False, *s), tested), current, (_TEST, *names), where,
            ("the exit", "the test"), carried=carried), (_TEST, *names))

    start = advance(*state) if going is None else (staging.predicate(going, where), *state)
    loop = _Loop(lambda _, *s: advance(*staging.as_tuple(body(*s), names)), start, (_TEST, *names), where,
                 carried, int_uses, functions=(test, body))
    loop.check_no_appends("its trip count is traced")
    _check_python_ints(loop)
    carry = _while_loop(lambda carry: loop.rebuild(carry)[0], loop, where)
    return staging.from_tuple(staging.as_tuple(loop.finish(carry), (_TEST, *names))[1:], names)


def for_stmt(iterable: Any, body: Callable, inputs: tuple, names: Sequence[str],
             stop: Sequence[str] = (), int_operands: Mapping[str, int] = {}) -> Any:
    """Iterates as Python does::

        def for_stmt(iterable, body, inputs, names, stop=()):
            state = inputs                  # the variables in `names`, as a tuple
            for item in iterable:
                if any(state[names.index(f)] for f in stop):
                    break
                state = staging.as_tuple(body(item, *state), names)   # it gives one bare
            return staging.from_tuple(state, names)                   # one bare, several as a tuple

    `stop` names the flags lowered `break` and `return` statements set; a range loop with
    them is a `lax.while_loop` whose condition includes them, and once a flag is traced the
    remaining iterations of another iterable each run under a traced `cond`.

    A `range` with a traced argument runs as one `while_loop` (as `lax.fori_loop` would),
    with the rules of `while_stmt` for the carried variables. A static `range` of more than
    `_UNROLLED_TRIPS` trips, or of any number if its body runs loops of its own (unrolled, their
    copies would multiply), whose carried variables are all arrays and numbers, with something
    traced (`_python_first`), runs (after a first iteration or two as Python, where a number
    becomes an array of another shape or a flag becomes traced) as one `scan` over a
    static trip count (as `lax.fori_loop` would: compile time does not grow with the length, and it can be
    reverse-differentiated) when the body traces with a traced index and computes with it as
    Python's ints would (`index_arithmetic`); otherwise (it indexes a Python list, needs a
    concrete shape, computes `2 ** -i`...) it is unrolled as Python. Other iterables are
    iterated by Python.
    """
    here = staging.site()
    where, int_uses = f"the traced `for` loop at {here}", conditionals.int_uses(int_operands, here)
    carried = effects.cells((body,), names)
    if isinstance(iterable, TracedRange):
        r = iterable
        first = functools.partial(body, r.start)

        def runs() -> Any:  # whether it runs at all
            return jnp.where(r.step > 0, r.start < r.stop, r.start > r.stop)

        def rolled_rest(state: tuple) -> Any:  # the iterations after the first
            rest = TracedRange(r.start + r.step, r.stop, r.step)
            return _range_loop(rest, body, state, names, where, stop, carried, int_uses)[1]()

        _rolled_at(here, "`for` loop", lowerings.WHILE, 0, "its trip count is traced")
        try:
            _, run = _range_loop(iterable, body, inputs, names, where, stop, carried, int_uses)
        except KeyError as error:  # maybe a key an earlier iteration sets first
            return _key_first(error, runs, first, rolled_rest, inputs, names, where)
        except errors.UndefinedVariableError:  # read before the iteration that first assigns it
            if not any(type(v) is Undefined for v in inputs):
                raise
            return _first_apart(runs(), first, rolled_rest, inputs, names, where, (body,))
        return run()
    items_traced = False
    if _parts(iterable) is not None:  # a loop over the indices of the items
        items = iterable if isinstance(iterable, Items) else Items(iterable, len(iterable))
        items_traced, iterable = items.traced(), range(items.length)
        body = _ItemBody(items, body)
    why, peeled = _unrolled_why(iterable, body, inputs, names, stop), 0
    if why is None:
        for peeled in range(_MAX_PEELED + 1):  # the first iterations show the arrays numbers become
            verdict, run, why = _rolled(iterable, body, inputs, names, where, stop, carried, int_uses,
                                        items_traced)
            if run:
                _rolled_at(here, "`for` loop", lowerings.WHILE if stop else lowerings.SCAN, peeled,
                           f"it carries values over a static range of {len(iterable)} trips"
                           + (", and a `break` or `return` may end it" if stop else ""))
                return run()
            if verdict is not _PEEL or stop or len(iterable) < 2 or peeled == _MAX_PEELED:
                break
            inputs = staging.as_tuple(body(iterable[0], *inputs), names)
            iterable = iterable[1:]
    state, trips = inputs, peeled
    items = iter(iterable)
    for k, item in enumerate(items):
        stopped = _stopped(state, names, stop)
        if staging.is_traced(stopped):  # the rest as one traced loop, or under `cond`s
            rest = iterable[k:] if isinstance(iterable, range) else None
            run = rest is not None and _rolled(rest, body, state, names, where, stop, carried, int_uses)[1]
            _rolled_at(here, "`for` loop", lowerings.WHILE if run else lowerings.COND, trips,
                       "a `break` or `return` in it is traced" + ("" if run else ": each trip after it "
                                                                   "runs under a `lax.cond`"))
            if run:
                return run()
            return _guarded(itertools.chain([item], items), body, state, names, stop, where, carried,
                            int_uses)
        if stopped:
            break
        state, trips = staging.as_tuple(body(item, *state), names), trips + 1
    _ran_as_python(here, "`for` loop", trips, why, state)
    return staging.from_tuple(state, names)


def _unrolled_why(iterable: Any, body: Callable, inputs: tuple, names: Sequence[str],
                  stop: Sequence[str]) -> str | None:
    """Why a `for` over `iterable` runs as Python without asking `_rolled`; None to ask."""
    if not isinstance(iterable, range):
        return f"Python iterates a {type(iterable).__name__}"
    if len(iterable) <= _UNROLLED_TRIPS and not _runs_loops(body):
        return f"a static range of at most {_UNROLLED_TRIPS} trips runs as Python (it compiles faster)"
    if not _rollable(inputs, names, stop):
        return "a variable it carries is not an array or a number"
    return None


def _ran_as_python(where: str, construct: str, trips: int, why: str, state: tuple) -> None:
    """The loop at `where` ran `trips` trips as Python, because `why`: unrolled, if its
    variables (`state`, after it) hold traced values."""
    if lowerings.wanted():
        unrolled = trips and any(map(staging.is_traced, staging.flatten(state)[0]))
        lowerings.lowered(where, construct, lowerings.UNROLLED if unrolled else lowerings.PYTHON, why, trips)


def _rolled_at(where: str, construct: str, became: str, trips: int, why: str) -> None:
    """The loop at `where` became `became` after `trips` trips as Python, because `why`."""
    if lowerings.wanted():
        ran = "" if not trips else "; its first trip ran as Python" if trips == 1 else \
            f"; its first {trips} trips ran as Python"
        lowerings.lowered(where, construct, became, why + ran)


def _key_first(error: KeyError, runs: Callable[[], Any], first: Callable, rest: Callable[[tuple], Any],
               inputs: tuple, names: Sequence[str], where: str) -> Any:
    """A traced loop whose body raised `error` reading a key of a dict it carries that an
    earlier iteration sets first (`if k == 0: d["a"] = x else: d["a"] = d["a"] + x`): its first
    iteration `first` runs apart, then `rest` the others from the state it leaves. A dict
    cannot hold a key only where the loop ran, so the program fails if it runs zero times (the
    traced bool `runs()`). Any other `KeyError` is raised as it is."""
    key = error.args[0] if error.args else None
    name = next((n for n, v in zip(names, inputs) if isinstance(v, dict) and key not in v), None)
    if name is None:
        raise error
    read = traceback.extract_tb(error.__traceback__)[-1]
    fix = f"Set `{name}[{key!r}]` before the loop, or make the trip count static."
    checks.check(runs(), errors.StagingError(
        f"{where[0].upper()}{where[1:]} ran zero times, so `{name}` has no key {key!r}, which only an "
        f"iteration sets (its body reads it at {read.filename}:{read.lineno}): autocond gives `{name}` "
        f"the keys it has after the loop's first iteration. {fix}"))
    try:
        return rest(staging.as_tuple(first(*inputs), names))
    except KeyError as again:  # not set by the first iteration either
        raise errors.StagingError(
            f"`{name}` has no key {key!r} before {where}, and the body reads it at {read.filename}:"
            f"{read.lineno}: a traced loop carries the same keys on every iteration, and its first "
            f"iteration does not set it. {fix}") from again


def _first_apart(runs: Any, first: Callable, rest: Callable[[tuple], Any], inputs: tuple,
                 names: Sequence[str], where: str, functions: tuple[Callable, ...]) -> Any:
    """A traced loop whose body reads a variable an earlier iteration assigns first (`if k ==
    0: a = x else: a = a + x`): its first iteration `first` runs apart, as a traced `if` on
    whether the loop runs (`runs`), then `rest` runs the others as one loop from the state
    it leaves. A variable the first iteration binds is bound for the rest, which runs only
    after it; after the loop it is `MaybeUnbound`, unbound where the loop ran zero times (the
    error then names the user's statements in the loop's `functions` that assign it)."""
    state = staging.as_tuple(conditionals.staged(
        runs, (first, lambda *state: staging.from_tuple(state, names)), inputs, names, where,
        ("the first iteration", "no iteration")), names)
    bound = {k: v.bound for k, (v, before) in enumerate(zip(state, inputs))
             if type(before) is Undefined and isinstance(v, MaybeUnbound)}
    state = staging.as_tuple(rest(tuple(v.value if k in bound else v for k, v in enumerate(state))), names)
    return staging.from_tuple(tuple(
        MaybeUnbound(v, bound[k], names[k], _unbound_reasons(names[k], where, functions)) if k in bound else v
        for k, v in enumerate(state)), names)


def _unbound_reasons(name: str, where: str, functions: tuple[Callable, ...]) -> tuple[str]:
    """Why `name`, first assigned in the loop `where` (by the user's statements in its
    `functions`), may be unbound after it."""
    shown = staging.assigning(functions, name)
    return (f"it is first assigned inside {where}{f' (by {shown})' if shown else ''}, which ran zero "
            f"times. Assign `{name}` before the loop",)


@dataclasses.dataclass(frozen=True)
class _ItemBody:
    """The body of a loop over `items`, as a function of the index of the item; a traced
    loop over a static range of them scans the rows of their arrays instead (`_range_loop`)."""

    items: Items
    body: Callable

    def __call__(self, k: Any, *state: Any) -> Any:
        return self.body(self.items.item(k), *state)


def _rolled(r: range, body, inputs, names, where, stop, carried, int_uses,
            items_traced: bool = False) -> tuple[str, Callable[[], Any] | None, str]:
    """The verdict on rolling the loop over a static range from here (`_verdict`), with the
    traced loop where it is `_ROLL`: where the body traces with a traced index, computes
    with it as Python's ints would, and rolled keeps Python's results. `_PEEL` where running
    an iteration as Python may change that (the body makes a Python number an array of
    another shape, a type the loop cannot carry from the start); `items_traced`: the items
    iterated over are traced. Last, why it does not roll (for `autocond.explain`)."""
    with lowerings.trial() as kept:  # what the body's constructs became, if it rolls
        verdict, run, why = _roll(r, body, inputs, names, where, stop, carried, int_uses, items_traced)
        kept[0] = run is not None
    return verdict, run, why


def _roll(r: range, body, inputs, names, where, stop, carried, int_uses,
          items_traced: bool) -> tuple[str, Callable[[], Any] | None, str]:
    """`_rolled`, keeping what it records of the constructs of the body it traces."""
    leaves = staging.flatten(inputs)[0]
    traced = items_traced or any(map(staging.is_traced, leaves))
    numbers = any(map(staging.is_constant, leaves))
    unbound = any(type(x) is Undefined for x in leaves)  # the body gives its type
    if not len(r):
        return _UNROLL, None, "it runs zero times"
    if not (traced or numbers or unbound):
        return _UNROLL, None, "nothing it carries is traced"
    if numbers and _reads_types(body):
        return _UNROLL, None, "its body asks for the type of a Python number it carries (`isinstance`)"
    try:
        loop, run = _range_loop(r, body, inputs, names, where, stop, carried, int_uses)
    except errors.StagingError as error:  # a rule of carried values, which the first iterations may meet
        return (_PEEL if any(map(staging.is_constant, leaves)) else _UNROLL), None, f"rolled, {error}"
    except errors.UndefinedVariableError:  # read before the iteration that first assigns it
        return ((_PEEL if any(type(v) is Undefined for v in inputs) else _UNROLL), None,
                "its body reads a variable before an iteration assigns it")
    except Exception as error:  # the body needs a concrete index, or assigns state the loop cannot carry
        return _UNROLL, None, f"traced with a traced index, its body raised {type(error).__name__}: {error}"
    lower, upper, _ = _counter(r.start, r.stop, r.step)
    verdict, why = _verdict(loop, traced)
    if verdict is _ROLL and not index_arithmetic.exact(loop.traced.jaxpr, {0: (lower, upper - 1)}):
        verdict, why = _UNROLL, "its body computes with the index as only a Python int can (`2 ** -i`...)"
    return verdict, run if verdict is _ROLL else None, why


# `_verdict`s: the loop may roll from here; run an iteration as Python and ask again; unroll.
_ROLL, _PEEL, _UNROLL = "roll", "peel", "unroll"


def _verdict(loop: _Loop, traced: bool) -> tuple[str, str]:
    """Whether the traced `loop`, which carries Python numbers as arrays, keeps Python's
    results, where unrolled the body would compute with them as Python numbers until it
    mixes them with traced values. `_ROLL` if something is traced (`traced`: the loop's
    variables or items; or a value the body reads) and each Python number is left unchanged
    or becomes traced, on some iteration, as an array would (it depends on the traced
    values, on the index, or on a number that becomes traced); then rolled and unrolled the
    loop computes the same values. `_UNROLL` where the body keeps one a Python number that
    changes (`count += 1`: Python's result is a Python int); `_PEEL` where it gives one
    another Python number (`started = True`: after an iteration it may be unchanged). With
    it, why not `_ROLL`."""
    closed = loop.traced.jaxpr
    if not (traced or any(map(staging.is_traced, closed.consts))):
        return _UNROLL, "nothing it carries or reads is traced"
    jaxpr, initial = closed.jaxpr, loop.carried()
    python = [k for k, x in enumerate(initial) if staging.is_constant(x)]
    tainted = {*jaxpr.constvars, *(v for k, v in enumerate(jaxpr.invars) if k not in python)}
    while True:  # through the iterations, until no other number becomes traced
        for eqn in jaxpr.eqns:
            if any(_in(v, tainted) for v in eqn.invars):
                tainted.update(eqn.outvars)
        becomes = {jaxpr.invars[k] for k in python if isinstance(loop.sources[k], staging.Out)
                   and _in(jaxpr.outvars[loop.sources[k].index], tainted)} - tainted
        if not becomes:
            break
        tainted |= becomes
    verdict, why = _ROLL, ""
    for k in python:
        out = loop.sources[k]
        if not isinstance(out, staging.Out):
            if not staging.same_static(initial[k], out):
                verdict, why = _PEEL, f"`{loop.paths[k]}` becomes another Python value"
        elif jaxpr.outvars[out.index] is not jaxpr.invars[k] and not _in(jaxpr.outvars[out.index], tainted):
            return _UNROLL, (f"`{loop.paths[k]}` stays a Python number that the body changes (a Python "
                             "counter): start it as an array (`jnp.int32(0)`) to roll the loop")
    return verdict, why


def _in(v: Any, variables: set) -> bool:
    """Whether `v`, a jaxpr variable or literal, is one of `variables`."""
    return isinstance(v, Var) and v in variables


def _guarded(items, body: Callable, state: tuple, names: Sequence[str], stop: Sequence[str], where: str,
             carried: frozenset[int], int_uses: Mapping[str, str]) -> Any:
    """The remaining iterations of a Python iterable once the `break` flag is traced: each
    runs under a traced `cond` on the flag."""
    for item in items:
        state = staging.as_tuple(conditionals.staged(
            ~_stopped(state, names, stop), (lambda *s, item=item: body(item, *_unset(s, names, stop)),
                                             lambda *s: staging.from_tuple(s, names)),
            state, names, where, ("the iteration", "the rest after the `break`"), int_uses=int_uses,
            carried=carried), names)
    return staging.from_tuple(state, names)


def _rollable(inputs: tuple, names: Sequence[str], stop: Sequence[str]) -> bool:
    """Whether the variables are all arrays or numbers (lists that grow are stacked; the
    `break`/`return` flags, autocond's own, may be Python bools: carrying them as arrays
    changes nothing), or unbound before the loop (carried from the value the body gives)."""
    leaves, _ = staging.flatten(tuple(v for n, v in zip(names, inputs) if n not in stop))
    leaves = [x for x in leaves if not isinstance(x, Undefined)]
    return all(isinstance(x, jax.Array) or staging.is_constant(x) for x in leaves)


_MAX_PEELED = 2  # iterations of a static range run as Python to find a rolled rest
# Static ranges of at most this many trips run as Python: unrolled, they compile faster than
# a `scan` (benchmarks: the two cost the same at about 6 to 12 trips of a small body) and run
# without a loop's overhead.
_UNROLLED_TRIPS = 4


def _names(body: Callable) -> frozenset[str]:
    """The names the code of a converted loop body, and of the branch functions in it, holds."""
    return _held((body.body if isinstance(body, _ItemBody) else body).__code__)


@functools.cache  # each loop's code, asked on every run of the loop
def _held(code: types.CodeType) -> frozenset[str]:
    inner = (_held(c) for c in code.co_consts if isinstance(c, types.CodeType))
    return frozenset(code.co_names).union(*inner)


def _runs_loops(body: Callable) -> bool:
    """Whether a converted loop body runs loops of its own (it calls `ac__.for_stmt` or
    `ac__.while_stmt`)."""
    return not {"for_stmt", "while_stmt"}.isdisjoint(_names(body))


def _reads_types(body: Callable) -> bool:
    """Whether a converted loop body asks for the types of values (`isinstance`, `type`): of
    a Python number it carries, Python's answer is not the array's a rolled static range
    would give (a loop whose trip count is traced has no other way)."""
    return not {"isinstance", "type"}.isdisjoint(_names(body))


def _counter(start: Any, end: Any, step: Any) -> tuple[Any, Any, Callable[[Any], Any]]:
    """The bounds of the counter a traced loop over `range(start, end, step)` counts up by
    one, and the index for a value of the counter."""
    if not staging.is_traced(step) and step == 1:
        return start, end, lambda k: k
    if staging.is_traced(step):
        trips = jnp.where(step > 0, _ceil_div(end - start, step), _ceil_div(start - end, -step))
    elif step > 0:
        trips = _ceil_div(end - start, step)
    else:
        trips = _ceil_div(start - end, -step)
    return 0, jnp.maximum(trips, 0) if staging.is_traced(trips) else max(trips, 0), lambda k: start + k * step


def _range_loop(r: range | TracedRange, body, inputs, names, where, stop: Sequence[str],
                carried: frozenset[int], int_uses: Mapping[str, str]):
    """The loop over `r`, traced: a `scan` of a static trip count, else a `while_loop`,
    whose condition includes the `break` flags if any. The loop carries a counter first."""
    start, end, step = r.start, r.stop, r.step
    lower, upper, index = _counter(start, end, step)
    dtype = jnp.result_type(lower, upper)
    if staging.is_traced(upper):
        upper = jnp.asarray(upper, dtype)
    index_type = functools.reduce(staging.join, map(jax.typeof, (start, end, step)))
    at_least_once = isinstance(r, range) and len(r) > 0 and _stopped(inputs, names, stop) is False
    counted_names = (_COUNTER, *names)
    # A `scan` over the items of arrays takes their rows as its inputs instead of indexing them.
    rows = body.items.arrays(r) if isinstance(body, _ItemBody) and isinstance(r, range) and not stop else []

    def counted(k, *args):
        state, row = args[:len(names)], args[len(names):]
        k_index = staging.cast(index(k), index_type)
        state = _unset(state, names, stop)
        value = body.body(body.items.item(k_index, row), *state) if rows else body(k_index, *state)
        return staging.from_tuple((k + 1, *staging.as_tuple(value, names)), counted_names)

    counter = jnp.asarray(lower, dtype)
    if index_type.dtype == dtype:  # weakly typed as the index is, so that it is no cast
        counter = staging.cast(counter, index_type)
    loop = _Loop(counted, (counter, *inputs), counted_names, where, carried, int_uses, at_least_once,
                 [_row_type(x) for x in rows], functions=(getattr(body, "body", body),))
    if not isinstance(r, range):
        _check_python_ints(loop, index_arithmetic.signs(lower, 1))

    def finish(*args):
        return staging.from_tuple(staging.as_tuple(loop.finish(*args), counted_names)[1:], names)

    if loop.appended:  # the appended items are the stacked outputs of a `scan`
        if stop:
            loop.check_no_appends("it may be left early (`break`, `return`)")
        if not isinstance(r, range):
            loop.check_no_appends("its trip count is traced")
        return loop, lambda: finish(*_scan_loop(loop, len(r), rows, stacked=True), len(r))
    if not stop and isinstance(r, range):
        return loop, lambda: finish(_scan_loop(loop, len(r), rows)[0])

    def cond_fn(carry):
        going = carry[0] < upper
        return going & ~_stopped(loop.rebuild(carry), counted_names, stop) if stop else going

    return loop, lambda: finish(_while_loop(cond_fn, loop, where))


def _scan_loop(loop: _Loop, length: int, rows: Sequence[Any], stacked: bool = False) -> tuple[list, list]:
    """The `scan` of `loop`, whose first carried value is its counter; without it where
    nothing reads it but its next value (a loop over the rows of arrays may not)."""
    jaxpr = loop.jaxpr(stacked)
    inner, counter = jaxpr.jaxpr, jaxpr.jaxpr.invars[0]
    readers = [e for e in inner.eqns if any(v is counter for v in e.invars)]
    if len(readers) != 1 or readers[0].outvars != [inner.outvars[0]] or any(
            v is inner.outvars[0] for e in inner.eqns for v in e.invars) or any(
            v is counter for v in inner.outvars[1:]):
        return primitives.scan(jaxpr, loop.init, length, rows)
    eqns = [e for e in inner.eqns if e is not readers[0]]
    uncounted = ClosedJaxpr(inner.replace(invars=inner.invars[1:], outvars=inner.outvars[1:], eqns=eqns),
                            jaxpr.consts)
    carry, stacked_rows = primitives.scan(uncounted, loop.init[1:], length, rows)
    return [loop.init[0], *carry], stacked_rows  # the counter's last value: never read


_max_trips: contextvars.ContextVar[int | None] = contextvars.ContextVar("autocond_max_trips", default=None)


@contextlib.contextmanager
def max_trips(trips: int | None) -> Iterator[None]:
    """Within it, a loop whose trip count is traced runs as a `scan` of at most `trips` trips
    (see `_while_loop`); None is `lax.while_loop`."""
    token = _max_trips.set(trips)
    try:
        yield
    finally:
        _max_trips.reset(token)


def _while_loop(cond_fn: Callable, loop: _Loop, where: str) -> list:
    """The `while_loop` of `loop`'s body while `cond_fn` (of the carried values) holds, or
    under `max_trips` a `lax.scan` of that many trips, each running the body only while
    `cond_fn` holds: reverse-differentiable (`jax.grad`), unlike `while_loop`. A loop that
    would run longer fails at run time, as its result would not be Python's. In a staged
    branch, the loop also stops where the branch is not taken (`checks.reached`): under
    `vmap`, its test may hold for ever there."""
    reached = checks.reached()
    test = cond_fn if reached is None else lambda carry: cond_fn(carry) & reached
    trips = _max_trips.get()
    if trips is None:
        cond = primitives.trace(lambda *carry: [test(carry)], loop.types)
        return primitives.while_loop(cond, loop.jaxpr(), loop.init)

    def step(carry, _):
        return lax.cond(test(carry), loop.step, lambda c: list(c), carry), None

    carry, _ = lax.scan(step, list(loop.init), None, length=trips)
    checks.check(~test(carry), RuntimeError(
        f"{where} needs more than its maximum of {trips} trips (`max_trips`); raise `max_trips`."))
    return carry


def _check_python_ints(loop: _Loop, index: tuple[int, int] | None = None) -> None:
    """Raise unless the body of a traced loop computes with its index (of values in the
    interval `index`, if any) and the Python ints it carries as int32 arrays, as Python
    computes with them as ints (`index_arithmetic`)."""
    inputs, feedback, names = loop.python_ints()
    if index is not None:
        inputs[0] = index
    if inputs and not index_arithmetic.exact(loop.traced.jaxpr, inputs, bounded=False, feedback=feedback):
        what = " or ".join(["the loop index"] * (index is not None) + [f"`{n}`" for n in names])
        raise errors.StagingError(
            f"The body of {loop.where} computes with {what} in a way Python's ints would not (a "
            "negative power such as `2 ** -i`, or a division by a value that may be 0): the traced "
            "loop makes them int32 arrays. Compute with floats (`2.0 ** -i`), or make the trip count "
            "static (e.g. with `static_argnames`).")


def _row_type(array: Any) -> Any:
    aval = jax.typeof(array)
    return aval.update(shape=aval.shape[1:])


def _ceil_div(a, b):
    return -((-a) // b)


class _Loop:
    """A loop body traced once on the carried variables' types, ready for `lax`.

    The body is traced to a jaxpr; if it turns a weakly typed variable into a wider type,
    or a scalar into an array (`_broadcast`), the initial value is promoted and the body
    traced again, or, where it only makes a weak type strong, the jaxpr retyped where that
    gives what a new trace would (`_retyped`: no Python runs again, nor loops nested in the
    body). A variable the body assigns that is unbound before the loop is carried from zeros
    of the type it gives it (`_first_value`), the body traced again, or for the return value
    the jaxpr given an input it does not read (`_adopted`).
    """

    def __init__(self, body, inputs, names, where, carried, int_uses, at_least_once=False, rows=(),
                 functions=()):
        """`body` takes the variables, then for a `scan` over arrays the `rows` (their types);
        `functions` are those generated for the loop, which errors look in for the user's
        statements."""
        self.names, self.where, self.at_least_once, self.int_uses = names, where, at_least_once, int_uses
        self.functions = functions
        self._start(inputs)
        refinements = _MAX_REFINEMENTS + 2 * len(names)

        def traced(*args):
            n = len(self.types)
            return staging.as_tuple(body(*self.state.rebuild(args[:n]), *args[n:]), names)

        retyped, broadcast, expected = False, False, None
        for _ in range(refinements):
            if not retyped:
                self.traced = staging.trace(traced, [*self.types, *rows], where, carried)
            retyped = False
            # All at once: a broadcast value is of full shape when another is checked alone. And
            # the trace with values newly broadcast must be the last one retyped so: else the
            # Python of the body reads their shapes (`jnp.ndim(x) == 0`).
            kept = _broadcast_keeps(self.traced.jaxpr.jaxpr, set(self.scalars)) and (
                not broadcast or (expected is not None and str(expected) == str(self.traced.jaxpr)))
            unkept = set() if kept else set(self.scalars)
            for k in unkept:  # carried as the scalars they are: then their shape changes
                self.types[k] = self.scalars.pop(k)
            self.unbroadcast |= unkept
            if unkept:
                continue
            state, scalars, changed = self.state, set(self.scalars), self._check()
            if not changed:
                break
            broadcast = state is self.state and bool(set(self.scalars) - scalars)  # values newly broadcast
            if broadcast:
                expected = _retyped(self.traced.jaxpr, [*self.types, *rows], shapes=True)
            elif state is self.state:  # types changed, no variable added: the jaxpr retyped if it may be
                jaxpr = _retyped(self.traced.jaxpr, [*self.types, *rows])
                if jaxpr is not None:
                    leaves, tree = staging.flatten(self.traced.outputs)
                    outputs = tree.unflatten([staging.Out(y.index, jaxpr.out_avals[y.index])
                                              if isinstance(y, staging.Out) else y for y in leaves])
                    self.traced, retyped = staging.Traced(jaxpr, outputs), True
            elif (adopted := _adopted(self.traced, state, self.state)) is not None:
                self.traced, retyped = adopted, True
        else:
            raise errors.StagingError(f"The types carried by {where} did not settle after "
                                      f"{refinements} traces of its body.")
        self.init = [jnp.broadcast_to(staging.cast(x, t), t.shape)  # a scalar may be broadcast
                     for x, t in zip(self.state.operands, self.types)]
        # Python numbers the body passes through unchanged stay Python numbers after the loop.
        jaxpr = self.traced.jaxpr.jaxpr
        self.python = {k: x for k, (x, out) in enumerate(zip(self.carried(), self.sources))
                       if staging.is_constant(x) and isinstance(out, staging.Out)
                       and jaxpr.outvars[out.index] is jaxpr.invars[k]}

    def carried(self) -> list:
        """The initial values of the leaves the loop carries (Python numbers as they were)."""
        return [x for x, d in zip(self.state.leaves, self.state.dynamic) if d]

    def python_ints(self) -> tuple[dict[int, tuple[int, int]], dict[int, int], list[str]]:
        """The Python ints the loop carries (as int32 arrays): their positions among the body's
        inputs with their values (as intervals), the positions of the outputs giving their next
        values, and their names."""
        inputs, feedback, names = {}, {}, []
        for k, (x, out, path) in enumerate(zip(self.carried(), self.sources, self.paths)):
            if type(x) is int:
                inputs[k] = (x, x)
                names.append(path)
                if isinstance(out, staging.Out):
                    feedback[k] = out.index
        return inputs, feedback, names

    def _start(self, inputs: tuple) -> None:
        self.state = staging.State(inputs, carry_constants=True)
        self.types = [jax.typeof(x) for x in self.state.operands]
        self.scalars: dict[int, Any] = {}  # the carried values broadcast: their scalar types
        self.unbroadcast: set[int] = set()  # and those the body does not keep so

    def _check(self) -> bool:
        """Match the body's outputs to the carried variables; True if the body must be traced
        again (a type was promoted, or a return value filled in). Each variable that breaks a
        rule of carried values is named in one error."""
        self.sources, self.paths, self.unbound_after, self.appended = [], [], {}, {}
        promoted = False
        paths, problems = staging.Paths(self.where, ("before the loop", "after one iteration"), loop=True,
                                        functions=self.functions), \
            staging.Problems(self.where)
        # The position of each leaf's carried value, and the first leaf of each variable.
        positions = list(itertools.accumulate(self.state.dynamic, initial=0))
        firsts = itertools.accumulate((len(staging.flatten(v)[0]) for v in self.state.values), initial=0)
        variables = zip(self.names, self.state.values, self.traced.outputs, firsts)
        for k, (name, before, after, first) in enumerate(variables):
            if isinstance(before, Undefined):
                if not isinstance(after, Undefined):
                    self._restart(k, self._first_value(name, before, after))
                    return True
                if not staging.same_static(before, after):  # unbound on some path of the body
                    self.unbound_after[name] = after
                continue
            before, after = align_bound([before, after])
            if before is not self.state.values[k]:  # may be unbound after the body, not before
                self._restart(k, before)
                return True
            if _appended_to(before, after):  # carried without its new item, which is stacked
                self.appended[name] = staging.flatten(after[-1])
                for leaf in self.appended[name][0]:
                    if not (isinstance(leaf, staging.Out) or staging.is_constant(leaf)):
                        problems.add(f"`{name}` gets {staging.describe(leaf)} appended in {self.where}. "
                                     "A traced loop can stack only arrays and numbers; append the "
                                     "others in a Python loop.")
                after = after[:-1]
            (in_leaves, in_tree), (out_leaves, out_tree) = staging.flatten(before), staging.flatten(after)
            problem = staging.structure_problem(name, (before, after), (in_tree, out_tree), paths)
            if problem:
                problems.add(problem)
                continue
            for j, (path, x, y) in enumerate(zip(staging.leaf_paths(name, before), in_leaves, out_leaves)):
                problem = staging.static_problem(path, (x, y), paths)
                if problem is None and self.state.dynamic[first + j]:
                    k = positions[first + j]
                    self.sources.append(y)
                    self.paths.append(path)
                    problem = self._leaf_problem(path, k, y, paths) or staging.int_kind_problem(
                        path, (x, y), paths, self.types[k], self.int_uses.get(name))
                promoted |= problem is True
                if isinstance(problem, str):
                    problems.add(problem)
        problems.check()
        return promoted

    def _first_value(self, name: str, before: Undefined, after: Any) -> Any:
        """The value a variable the body assigns first is carried from: zeros of the type the
        body gives it, which no one reads. A return value is read only where the return flag
        is set; another variable, if the loop may run zero times, is `MaybeUnbound`."""
        zeros = jax.tree_util.tree_map(
            lambda y: staging.cast(staging.resolve(staging.Zeros(y.aval), ()), y.aval)
            if isinstance(y, staging.Out) else y, after)
        if isinstance(before, UndefinedReturnValue) or self.at_least_once or isinstance(zeros, MaybeUnbound):
            return zeros
        return MaybeUnbound(zeros, False, name, _unbound_reasons(name, self.where, self.functions))

    def _restart(self, k: int, value: Any) -> None:
        """Carry `value` as the initial value of the `k`th variable instead."""
        self._start(self.state.values[:k] + (value,) + self.state.values[k + 1:])

    def _broadcast(self, k: int, aval: Any) -> None:
        """Carry the `k`th value, a scalar, broadcast to the shape of `aval` (its dtype joined
        with `aval`'s); `_broadcast_keeps` checks the trace that follows."""
        self.scalars[k] = self.types[k]
        self.types[k] = staging.join(self.types[k], aval.update(shape=())).update(shape=aval.shape)

    def _leaf_problem(self, path: str, k: int, out: Any, paths: staging.Paths) -> bool | str | None:
        """What breaks the rules for the `k`th carried leaf, `out` after one iteration; True
        if its type is promoted instead (a weak type to the body's, a scalar broadcast to the
        body's shape where that keeps the results: `_broadcast_keeps`)."""
        carried, after = self.types[k], staging.aval_of(out)
        leaves = (staging.Out(k, carried), out)  # as the body takes it, and gives it
        # Only where the loop runs at least once: run zero times, it leaves the scalar.
        if (after.shape != carried.shape and not carried.shape and self.at_least_once
                and k not in self.unbroadcast):
            self._broadcast(k, after)
            return True
        problem = staging.shape_problem(path, leaves, paths)
        if problem:
            return problem
        joined = staging.join(carried, after)
        if joined == carried:
            return None
        if carried.weak_type:
            self.types[k] = joined
            return True
        return staging.dtype_problem(path, leaves, paths)

    def rebuild(self, carry) -> tuple:
        return self.state.rebuild(carry)

    def step(self, carry):
        """The carried values after one iteration."""
        return staging.evaluate(self.traced, self.sources, self.types, carry)

    def jaxpr(self, stacked: bool = False) -> ClosedJaxpr:
        """The body as `lax` runs it: from the carried values to their values after one
        iteration, then with `stacked` the items appended."""
        leaves = [leaf for _, (leaves, _) in self.appended.items() for leaf in leaves] if stacked else []
        types = [staging.aval_of(leaf) for leaf in leaves]
        return staging.closed(self.traced, self.sources + leaves, self.types + types)

    def check_no_appends(self, why: str) -> None:
        for name in self.appended:
            raise errors.StagingError(
                f"`{name}` grows by one item per iteration of {self.where}, but {why}, so the "
                "list would have a traced length. Preallocate an array of the largest length "
                f"before the loop and assign items (`{name}[i] = value`), or make the trip "
                "count static.")

    def finish(self, carry, stacked=(), length=0) -> Any:
        values = list(self.rebuild([self.python.get(k, c) for k, c in enumerate(carry)]))
        rows = iter(stacked)
        for k, name in enumerate(self.names):
            if name in self.unbound_after:
                values[k] = self.unbound_after[name]
            if name in self.appended:
                leaves, tree = self.appended[name]
                values[k] = StackedList(values[k], [next(rows) for _ in leaves], tree, length)
        return staging.from_tuple(values, self.names)


# Primitives computing elementwise, a scalar operand broadcast to the others' shape.
_ELEMENTWISE = frozenset("""
    abs acos acosh add add_any and asin asinh atan atan2 atanh cbrt ceil clamp complex conj
    convert_element_type copy cos cosh digamma div eq erf erf_inv erfc exp exp2 expm1 floor ge
    gt imag integer_pow is_finite le lgamma log log1p logistic lt max min mul ne neg nextafter
    not or pow real rem round rsqrt select_n sign sin sinh sqrt square sub tan tanh xor
""".split())


def _broadcast_keeps(jaxpr: Any, inputs: set[int]) -> bool:
    """Whether `jaxpr` computes the same values when its `inputs` are given broadcast from
    scalars as when given the scalars (where Python's results are the scalars'): the
    values whose shape comes from them (they, and what elementwise equations make of them
    with no operand of their result's shape) are read only by elementwise equations (or
    carried into a `scan` whose body keeps them so: a nested loop), and none is an output."""
    shaped = {jaxpr.invars[k] for k in inputs}
    for eqn in jaxpr.eqns:
        read = {p for p, v in enumerate(eqn.invars) if isinstance(v, Var) and v in shaped}
        if not read:
            continue
        if eqn.primitive.name == "scan":
            carries = range(eqn.params["num_consts"], eqn.params["num_consts"] + eqn.params["num_carry"])
            if read <= set(carries) and _broadcast_keeps(eqn.params["jaxpr"].jaxpr, read):
                continue
            return False
        if eqn.primitive.name not in _ELEMENTWISE:
            return False
        shape = eqn.outvars[0].aval.shape
        if not any(not (isinstance(v, Var) and v in shaped) and v.aval.shape == shape for v in eqn.invars):
            shaped.update(eqn.outvars)
    return not any(isinstance(v, Var) and v in shaped for v in jaxpr.outvars)


class _Unsafe(Exception):
    """An equation that, bound again on values of other types, may not give what a new trace of
    the Python that made it would give (`_retyped`)."""


def _retyped(closed: ClosedJaxpr, avals: Sequence[Any], shapes: bool = False) -> ClosedJaxpr | None:
    """`closed` on inputs of the types `avals`, which only make weak types strong, without
    running the Python that traced it, where that gives what a new trace would: each
    equation reading a value of another type computes elementwise on operands of one dtype
    (so no promotion rule reads the type), is the cast to a strong type it no longer needs
    (which `jnp` would not make), or is a `scan` carrying the value or a `cond` taking it
    whose bodies are so. The other equations are kept as they are; those reading values of
    other types get the types JAX's rules give them (`abstract_eval`). None elsewhere: where
    a dtype or (unless `shapes`: scalars broadcast) a shape changes (Python may read those:
    `jnp.floor` of an int is no equation, `jnp.ndim(x) == 0` a static test), and where JAX's
    internals are not used (`primitives.internals`)."""
    if not primitives.internals() or any(a.dtype != v.aval.dtype or (a.shape != v.aval.shape and not shapes)
                                         for v, a in zip(closed.jaxpr.invars, avals)):
        return None
    try:
        return ClosedJaxpr(_retype(closed.jaxpr, avals), closed.consts)
    except Exception:  # `_Unsafe`, or an equation JAX's rules refuse so: traced again
        return None


def _retype(jaxpr: Any, avals: Sequence[Any]) -> Any:
    """`jaxpr` with inputs of the types `avals` (see `_retyped`), also for the body of a
    `scan` or `cond` in it."""
    renamed: dict[Var, Any] = {}  # each variable of another type: its new variable (or input)

    def read(v):
        return renamed.get(v, v) if isinstance(v, Var) else v

    def typed(v, aval):
        if aval == v.aval:
            return v
        renamed[v] = Var(aval)
        return renamed[v]

    invars = [typed(v, aval) for v, aval in zip(jaxpr.invars, avals)]
    eqns = []
    for eqn in jaxpr.eqns:
        ins = [read(v) for v in eqn.invars]
        retyped = [k for k, (old, new) in enumerate(zip(eqn.invars, ins)) if new is not old]
        if not retyped:
            eqns.append(eqn)
            continue
        name, params, types = eqn.primitive.name, eqn.params, [v.aval for v in ins]
        if name == "scan":
            consts, carried = params["num_consts"], params["num_carry"]
            body = _retyped(params["jaxpr"], types)
            if (body is None or not all(consts <= k < consts + carried for k in retyped)
                    or body.out_avals[:carried] != types[consts:consts + carried]):
                raise _Unsafe(name)
            params = {**params, "jaxpr": body}
        elif name == "cond" and 0 not in retyped:
            params = {**params, "branches": tuple(_retyped_branches(params["branches"], types[1:]))}
        elif name == "convert_element_type" and not params["weak_type"] and types[0].dtype == params[
                "new_dtype"] and not types[0].weak_type:
            renamed[eqn.outvars[0]] = ins[0]  # the cast `jnp` makes of a weakly typed operand: none now
            continue
        elif name == "broadcast_in_dim" and len(ins) == 1 and types[0].shape == tuple(params["shape"]):
            renamed[eqn.outvars[0]] = ins[0]  # a scalar broadcast, now of its shape: none (jnp makes none)
            continue
        elif not (name in _ELEMENTWISE and name != "convert_element_type"
                  and len({t.dtype for t in types[name == "select_n":]}) == 1):
            raise _Unsafe(name)
        outs, _ = eqn.primitive.abstract_eval(*types, **params)
        outs = outs if eqn.primitive.multiple_results else [outs]
        eqns.append(eqn.replace(invars=ins, outvars=[typed(v, aval) for v, aval in zip(eqn.outvars, outs)],
                                params=params))
    return jaxpr.replace(invars=invars, eqns=eqns, outvars=[read(v) for v in jaxpr.outvars])


def _adopted(traced: staging.Traced, before: staging.State, after: staging.State) -> staging.Traced | None:
    """`traced`, the body traced on `before`, as the body traced on `after`, where `after`
    only carries the return value unbound in `before` (from zeros of the type the body gives
    it): the body does not read it (it is read only where the return flag is set, which ends
    the loop), so its leaves are inputs the jaxpr does not read. None for other changes."""
    changed = [k for k, (a, b) in enumerate(zip(before.values, after.values)) if a is not b]
    if len(changed) != 1 or not isinstance(before.values[changed[0]], UndefinedReturnValue):
        return None
    first = sum(len(staging.flatten(v)[0]) for v in after.values[:changed[0]])
    new = range(first, first + len(staging.flatten(after.values[changed[0]])[0]))
    jaxpr = traced.jaxpr.jaxpr
    old = iter(jaxpr.invars)
    invars = [Var(jax.typeof(x)) if j in new else next(old) for j, (x, d) in
              enumerate(zip(after.leaves, after.dynamic)) if d]
    return staging.Traced(ClosedJaxpr(jaxpr.replace(invars=[*invars, *old]), traced.jaxpr.consts),
                          traced.outputs)


def _retyped_branches(branches: Sequence[ClosedJaxpr], types: Sequence[Any]) -> list[ClosedJaxpr]:
    """The branches of a `cond` retyped for operands of the types `types`; where their outputs
    then differ only in weak types, those of weak type cast to the strong one, as the merge of
    a traced `if`'s branches does (`staging.merge`)."""
    retyped = [_retyped(b, types) for b in branches]
    if any(b is None for b in retyped):
        raise _Unsafe("cond")
    types = [functools.reduce(staging.join, avals) for avals in zip(*(b.out_avals for b in retyped))]
    if any(t.shape != a.shape or t.dtype != a.dtype for b in retyped for t, a in zip(types, b.out_avals)):
        raise _Unsafe("cond")
    return [b if b.out_avals == types else primitives.then(
        b, lambda *outs: [staging.cast(o, t) for o, t in zip(outs, types)]) for b in retyped]


def _appended_to(before: Any, after: Any) -> bool:
    """Whether `after` is the list `before` with one more item (from `append`)."""
    return (isinstance(before, list) and isinstance(after, list) and len(after) == len(before) + 1
            and staging.flatten(before)[1] == staging.flatten(after[:-1])[1])

