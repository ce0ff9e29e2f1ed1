"""autocond benchmarks: conversion time, compile time, run time against hand-written `lax`.

Measured, never asserted: every number is printed next to a baseline run in the same process.

    python benchmarks/run.py           # full run (a few minutes at most on a 2-core CPU)
    python benchmarks/run.py --quick   # smoke run (well under 30 seconds)

Section a2) times conversion against function size (10 to 1,000 lines, with and without early
`return`s, nesting 2 to 8) and against diastatic-malt, the AutoGraph fork PennyLane's Catalyst
uses, where installed (`pip install -r benchmarks/requirements.txt`; skipped otherwise).

Section d) compares autocond with its Python-state tracking (the check whether a function
changes objects, carried attributes, announced stores and their checks; for conversion also
without, and with, closure sharing) against the same code with it switched off, on functions
that change no Python state.

Section e) writes eleven programs (a hundred traced `if`s in a row, nested `if`s in a loop,
`while` with `break`, `append` in a loop over rows, an `elif` chain, `match`, `return` in a
loop, loops over Python-number accumulators, an adaptive ODE step, a CartPole episode) once as
ordinary Python and once as an expert would with `lax`, and compares trace time, jaxpr
equations, optimized HLO instructions and run time.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import functools
import gc
import importlib.metadata
import importlib.util
import inspect
import itertools
import os
import platform
import signal
import statistics
import sys
import tempfile
import textwrap
import time
import unittest.mock
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

import autocond
from autocond import _transpiler
from autocond.analysis import activity
from autocond.converters import composites, stores
from autocond.operators import effects

# --- output helpers ---------------------------------------------------------------------------


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [list(map(str, headers))] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[k]) for r in cells) for k in range(len(headers))]
    lines = ["  ".join(c.ljust(w) if k == 0 else c.rjust(w)
                       for k, (c, w) in enumerate(zip(r, widths, strict=True))) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def section(title: str) -> None:
    print(f"\n== {title} " + "=" * max(0, 90 - len(title)))


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


# --- jaxpr equation counts ----------------------------------------------------------------------


def _subjaxprs(value: Any):
    if isinstance(value, (tuple, list)):
        for v in value:
            yield from _subjaxprs(v)
    elif hasattr(value, "eqns"):  # Jaxpr
        yield value
    elif hasattr(value, "jaxpr") and hasattr(value.jaxpr, "eqns"):  # ClosedJaxpr
        yield value.jaxpr


def primitives(jaxpr: Any) -> collections.Counter:
    """Primitive names of every equation, nested jaxprs (loop bodies, branches) included."""
    counts: collections.Counter = collections.Counter()
    for eqn in jaxpr.eqns:
        counts[eqn.primitive.name] += 1
        for param in eqn.params.values():
            for sub in _subjaxprs(param):
                counts += primitives(sub)
    return counts


def equation_counts(fn: Callable, *args: Any) -> tuple[int, int, collections.Counter]:
    """(top-level equations, all equations, primitive counts) of `fn`'s jaxpr."""
    closed = jax.make_jaxpr(fn)(*args)
    prims = primitives(closed.jaxpr)
    return len(closed.jaxpr.eqns), sum(prims.values()), prims


def describe_difference(ours: collections.Counter, theirs: collections.Counter) -> str:
    extra, missing = ours - theirs, theirs - ours
    parts = [f"+{n} {p}" for p, n in sorted(extra.items())]
    parts += [f"-{n} {p}" for p, n in sorted(missing.items())]
    return ", ".join(parts) if parts else "same primitives"


# --- a) conversion time -----------------------------------------------------------------------


def conversion_workload(x, n, tol):
    """~30 lines: nested while / for-range / if-elif-else with temporaries."""
    total = jnp.zeros_like(x)
    scale = 1.0
    steps = 0
    while jnp.max(jnp.abs(x)) > tol:
        x = x * 0.5
        steps += 1
    for i in range(n):
        y = x + i
        if jnp.sum(y) > 10.0:
            total = total + y
        elif jnp.sum(y) < -10.0:
            total = total - y
            scale = scale * 0.9
        else:
            total = total + 1.0
        for j in range(3):
            z = jnp.sin(total) * j
            if j > 1:
                total = total + z * scale
    k = 0
    while k < n:
        if total[0] > 0:
            total = total * 0.5
        else:
            total = -total
        k = k + 1
    result = total * scale + steps
    return result


_copy_numbers = itertools.count()


def _fresh_copies(fn: Callable, count: int, directory: str) -> list[Callable]:
    """`count` copies of `fn`, each from its own module file, so no converter's cache can
    answer for them. Each starts on a different line: code objects compare equal, file name
    aside, when their code and first line are the same, and caches keyed on them would hit."""
    source = textwrap.dedent(inspect.getsource(fn))
    copies = []
    for _ in range(count):
        k = next(_copy_numbers)
        path = os.path.join(directory, f"autocond_bench_copy_{k}.py")
        with open(path, "w") as f:
            f.write("import jax.numpy as jnp\n" + "\n" * (k + 2) + source)
        spec = importlib.util.spec_from_file_location(f"autocond_bench_copy_{k}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        copies.append(getattr(module, fn.__name__))
    return copies


def _time_first_conversions(convert: Callable, fns: Sequence[Callable]) -> list[float]:
    times = []
    for fn in fns:
        gc.collect()
        start = time.perf_counter()
        convert(fn)
        times.append(time.perf_counter() - start)
    return times


def _external_converters() -> list[tuple[str, Callable | str]]:
    """(name, converter or the reason there is none) for other AutoGraph implementations."""
    found: list[tuple[str, Callable | str]] = []
    if importlib.util.find_spec("catalyst") is None:
        found.append(("catalyst.autograph (PennyLane's AutoGraph fork)", "not installed"))
    else:
        try:
            from catalyst.autograph import run_autograph

            found.append(("catalyst.autograph.run_autograph", run_autograph))
        except Exception as e:  # an API change is reported, not fatal
            found.append(("catalyst.autograph", f"unavailable: {type(e).__name__}: {e}"))
    if importlib.util.find_spec("malt") is None:
        found.append(("diastatic-malt", "not installed: pip install -r benchmarks/requirements.txt"))
    else:
        found.append(("malt.to_graph (diastatic-malt)", _malt_convert))
    if importlib.util.find_spec("tensorflow") is None:
        found.append(("tensorflow autograph", "not installed"))
    else:
        try:
            import tensorflow as tf

            found.append(("tf.autograph.to_graph", lambda fn: tf.autograph.to_graph(fn, recursive=False)))
        except Exception as e:
            found.append(("tensorflow autograph", f"unavailable: {type(e).__name__}: {e}"))
    return found


def bench_conversion(quick: bool) -> None:
    section("a) conversion time of a ~30-line function")
    reps = 40 if quick else 300
    fn = conversion_workload
    lines = len(inspect.getsource(fn).splitlines())
    for _ in range(5):
        _transpiler.convert_function(fn)  # warm up imports and lazily built templates
    times = []
    for _ in range(reps):
        gc.collect()  # start each repetition from a clean heap: fewer collector pauses inside
        start = time.perf_counter()
        _transpiler.convert_function(fn)
        times.append(time.perf_counter() - start)
    rows = [["autocond._transpiler.convert_function (uncached)", reps,
             f"{1e3 * statistics.median(times):.2f}", f"{1e3 * percentile(times, 90):.2f}",
             f"{1e3 * min(times):.2f}"]]

    first_reps = 10 if quick else 40
    with tempfile.TemporaryDirectory() as directory:
        copies = _fresh_copies(fn, first_reps, directory)
        first = _time_first_conversions(autocond.convert, copies)
        rows.append(["autocond.convert, first call (fresh module each time)", first_reps,
                     f"{1e3 * statistics.median(first):.2f}", f"{1e3 * percentile(first, 90):.2f}",
                     f"{1e3 * min(first):.2f}"])
        missing = []
        for name, converter in _external_converters():
            if isinstance(converter, str):
                missing.append(f"{name}: {converter}")
                continue
            try:
                copies = _fresh_copies(fn, first_reps, tempfile.mkdtemp(dir=directory))
                theirs = _time_first_conversions(converter, copies)
            except Exception as e:
                missing.append(f"{name}: failed: {type(e).__name__}: {e}")
                continue
            rows.append([f"{name}, first call (fresh module each time)", first_reps,
                         f"{1e3 * statistics.median(theirs):.2f}", f"{1e3 * percentile(theirs, 90):.2f}",
                         f"{1e3 * min(theirs):.2f}"])
    print(f"function: `{fn.__name__}`, {lines} source lines (2 while, 2 for-range, if-elif-else, nested ifs)")
    print(table(["converter", "reps", "median ms", "p90 ms", "min ms"], rows))
    for line in missing:
        print(f"  {line}")
    print("  target: a few ms; PennyLane's AutoGraph fork reportedly takes 50-85 ms for such a function.")


def _malt_convert(fn: Callable) -> Callable:
    import malt  # the AutoGraph fork PennyLane's Catalyst uses; optional

    return malt.to_graph(fn, recursive=False)


def sized_function(lines: int, returns: bool, depth: int) -> str:
    """The source of `f(x)`: about `lines` lines of blocks of realistic control flow (a traced
    `if`/`else`, a `for` over a range holding an `if`, a traced `while`, an `elif` chain on a
    Python int), each inside `depth - 1` traced `if`s; with `returns`, every third block starts
    with an early `return` under a traced condition."""
    body: list[str] = []
    for k in itertools.count():
        if len(body) >= lines - 5:
            break
        block = [f"if jnp.sum(x) > {k}.0:", f"    return a * {k} + b"] if returns and k % 3 == 1 else []
        block += [
            [f"if jnp.sum(a) > {k}.0:", "    a = a * 0.5 + b", "    c = c + 1", "else:", "    b = b - a"],
            ["for i in range(3):", "    t = jnp.sin(a) * i", f"    if t[0] > 0.{k % 10}:",
             "        a = a + t"],
            [f"while jnp.max(jnp.abs(b)) > {k + 1}.0:", "    b = b * 0.5", "    c = c + 1"],
            [f"if c > {k % 7}:", "    b = b + a", "elif c < -3:", "    b = b - a", "else:", "    a = -a"],
        ][k % 4]
        for d in range(depth - 1):
            block = [f"if jnp.sum(a) > -{k + d}.0:"] + ["    " + line for line in block]
        body += block
    lines_ = ["import jax.numpy as jnp", "", "def f(x):", "    a = x", "    b = x * 2", "    c = 0"]
    return "\n".join(lines_ + ["    " + line for line in body] + ["    return a + b + c", ""])


def _first_conversion_seconds(converter: Callable, source: str, reps: int) -> float:
    """The fastest of `reps` first conversions, each of a fresh module's `f`."""
    with tempfile.TemporaryDirectory() as directory:
        return min(_time_first_conversions(converter, [_generated_function(source, "f", directory)
                                                       for _ in range(reps)]))


class _TooSlow(Exception):
    pass


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raises `_TooSlow` in this thread once `seconds` have passed (where Python has SIGALRM)."""
    if not hasattr(signal, "setitimer"):
        yield
        return

    def stop(*_):
        raise _TooSlow

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def bench_conversion_sizes(quick: bool) -> None:
    section("a2) conversion time against function size, and against diastatic-malt")
    sizes = (10, 30, 100) if quick else (10, 30, 100, 300, 1000)
    limit = 10 if quick else 120  # seconds malt may take per size: it grows faster than linearly
    shapes = [(n, returns, 1) for n in sizes for returns in (False, True)]
    shapes += [(100, returns, depth) for depth in (2, 4, 8) for returns in (False, True)]
    malt = importlib.util.find_spec("malt") is not None
    rows, too_slow = [], set()
    for n, returns, depth in shapes:
        source = sized_function(n, returns, depth)
        reps = 5 if n <= 100 else 2
        ours = _first_conversion_seconds(autocond.convert, source, reps)
        lines = source.count("\n") - 2
        row = [lines, "yes" if returns else "no", depth, f"{1e3 * ours:.1f}", f"{1e6 * ours / lines:.0f}"]
        if not malt or (returns, depth) in too_slow:
            row += ["-", "-"]
        else:
            try:
                with _time_limit(limit):
                    theirs = _first_conversion_seconds(_malt_convert, source, reps)
                row += [f"{1e3 * theirs:.1f}", f"{theirs / ours:.1f}x"]
            except _TooSlow:
                too_slow.add((returns, depth))  # so at every larger size too
                row += [f"> {1e3 * limit:.0f}", f"> {limit / ours:.0f}x"]
        rows.append(row)
    print("functions from `sized_function`; first conversion of a fresh module's `f`, best of "
          f"5 (2 from 300 lines); malt stopped after {limit} s")
    print(table(["lines", "early returns", "depth", "autocond ms", "autocond us/line", "malt ms",
                 "autocond faster"], rows))
    if not malt:
        print("  diastatic-malt not installed: pip install -r benchmarks/requirements.txt")


# --- b) compile time of a static range loop ---------------------------------------------------


def _range_loop_fn(n: int) -> Callable:
    """A new function object on each call, so no jit cache can answer for it."""

    def body(x):
        for i in range(n):
            x = jnp.sin(x) + i
        return x

    return body


def _compile_seconds(jit: Callable, n: int, x: jax.Array,
                     make: Callable[[int], Callable] = _range_loop_fn) -> tuple[float, float, float]:
    """(trace, lower, compile) seconds of a fresh function: `jit(f).lower(x).compile()` in steps."""
    jitted = jit(make(n))
    t0 = time.perf_counter()
    traced = jitted.trace(x)
    t1 = time.perf_counter()
    lowered = traced.lower()
    t2 = time.perf_counter()
    lowered.compile()
    t3 = time.perf_counter()
    return t1 - t0, t2 - t1, t3 - t2


def bench_compile(quick: bool) -> None:
    section("b) compile time: `for i in range(N): x = jnp.sin(x) + i`")
    sizes = (10, 100) if quick else (10, 100, 1000)
    x = jnp.ones((8,), jnp.float32)
    _compile_seconds(jax.jit, 3, x)  # warm up both paths
    _compile_seconds(autocond.jit, 3, x)
    time_rows, eqn_rows = [], []
    for n in sizes:
        reps = 2 if quick else (3 if n >= 1000 else 5)
        results = {}
        for name, jit in (("jax.jit", jax.jit), ("autocond.jit", autocond.jit)):
            runs = [_compile_seconds(jit, n, x) for _ in range(reps)]
            results[name] = [statistics.median(r[k] for r in runs) for k in range(3)]
        plain, ours = sum(results["jax.jit"]), sum(results["autocond.jit"])
        time_rows.append([n, reps, *(f"{s:.4f}" for s in results["jax.jit"]), f"{plain:.4f}",
                          *(f"{s:.4f}" for s in results["autocond.jit"]), f"{ours:.4f}",
                          f"{plain / ours:.2f}x"])
        p_top, p_all, _ = equation_counts(_range_loop_fn(n), x)
        a_top, a_all, a_prims = equation_counts(autocond.convert(_range_loop_fn(n)), x)
        eqn_rows.append([n, p_top, p_all, a_top, a_all,
                         "fori_loop (scan)" if a_prims["scan"] else "unrolled"])
    print("seconds, median over reps; trace+lower+compile = `jitted.lower(x).compile()` on a new function")
    print("object each time (autocond's conversion is cached by code object: see a) for its cost)")
    print(table(["N", "reps", "plain trace", "lower", "compile", "plain total",
                 "autocond trace", "lower", "compile", "autocond total", "plain/autocond"], time_rows))
    print()
    print(table(["N", "plain eqns (top)", "plain eqns (all)", "autocond eqns (top)", "autocond eqns (all)",
                 "autocond lowering"], eqn_rows))


def _accumulator_fn(n: int) -> Callable:
    def accumulate(x):
        acc = 0.0  # a Python float the body makes an array
        for i in range(n):
            acc = acc + jnp.sin(x * i)
        return acc

    return accumulate


def _counter_fn(n: int, plain: bool = False) -> Callable:
    """With `plain`, as plain `jax.jit` must have it: `jnp.where` instead of the `if`."""
    def count(x):
        k = 0  # a Python int a traced `if` makes an array
        for i in range(n):
            if plain:
                k = k + jnp.where(jnp.sum(x) > i, 1, 0)
            elif jnp.sum(x) > i:
                k = k + 1
        return k

    return count


def _nested_fn(n: int) -> Callable:
    """Four nested static loops of about `n` iterations in all."""
    m = max(2, round(n ** 0.25))

    def nested(x):
        s = 0.0
        for i in range(m):
            for j in range(m):
                for k in range(m):
                    for l in range(m):  # noqa: E741
                        s = s + jnp.sin(x * (i + 2 * j + 3 * k + 4 * l))
        return s

    return nested


def _episode_fn(n: int, plain: bool = False) -> Callable:
    """A CartPole-style episode: the reward counts steps until a traced flag is set (with
    `plain`, with `jnp.where`)."""
    def episode(x):
        total = 0.0
        done = False
        for _ in range(n):
            x = jnp.sin(x) * 1.1 + 0.1
            if plain:
                total = jnp.where(done, total, total + 1.0)
            elif not done:
                total += 1.0
            done = done | (jnp.max(x) > 1.0)
        return total

    return episode


def _accumulator_lax(n: int) -> Callable:
    return lambda x: lax.fori_loop(0, n, lambda i, acc: acc + jnp.sin(x * i), jnp.zeros_like(x))


def _counter_lax(n: int) -> Callable:
    return lambda x: lax.fori_loop(0, n, lambda i, k: k + jnp.where(jnp.sum(x) > i, 1, 0), 0)


def _nested_lax(n: int) -> Callable:
    m = max(2, round(n ** 0.25))

    def nested(x):
        def over(depth, i):  # the loop at `depth` over its index, inside the loops of `i`
            if depth == 4:
                return lambda s: s + jnp.sin(x * sum(k * v for k, v in enumerate(i, 1)))
            return lambda s: lax.fori_loop(0, m, lambda j, s: over(depth + 1, (*i, j))(s), s)

        return over(0, ())(jnp.zeros_like(x))

    return nested


def _episode_lax(n: int) -> Callable:
    def episode(x):
        def step(_, carry):
            x, total, done = carry
            x = jnp.sin(x) * 1.1 + 0.1
            return x, jnp.where(done, total, total + 1.0), done | (jnp.max(x) > 1.0)

        return lax.fori_loop(0, n, step, (x, 0.0, False))[1]

    return episode


# Loops whose variables start as Python numbers: (what, autocond's function, plain jax.jit's,
# hand-written `lax`, the largest N: XLA takes minutes to compile the episode unrolled 1,000 times).
_PYTHON_NUMBER_LOOPS = [
    ("acc = 0.0; acc = acc + jnp.sin(x * i)", _accumulator_fn, _accumulator_fn, _accumulator_lax, 1000),
    ("k = 0; if sum(x) > i: k = k + 1", _counter_fn, functools.partial(_counter_fn, plain=True), _counter_lax,
     1000),
    ("s = 0.0, four nested loops", _nested_fn, _nested_fn, _nested_lax, 1000),
    ("episode: if not done: total += 1.0", _episode_fn, functools.partial(_episode_fn, plain=True),
     _episode_lax, 100),
]


def bench_python_numbers(quick: bool) -> None:
    section("b3) first call and jaxpr size: static loops whose variables start as Python numbers")
    sizes = (10, 100) if quick else (10, 100, 1000)
    x = jnp.ones((8,), jnp.float32)
    rows = []
    for what, ours, plain, hand, largest in _PYTHON_NUMBER_LOOPS:
        for n in (n for n in sizes if n <= largest):
            reps = 1 if quick or n >= 1000 else 3
            plain_s, ours_s, hand_s = (
                statistics.median(sum(_compile_seconds(jit, n, x, make)) for _ in range(reps))
                for jit, make in [(jax.jit, plain), (autocond.jit, ours), (jax.jit, hand)])
            _, p_all, _ = equation_counts(plain(n), x)
            _, a_all, a_prims = equation_counts(autocond.convert(ours(n)), x)
            rolled = "rolled" if a_prims["scan"] or a_prims["while"] else "unrolled"
            rows.append([what, n, p_all, a_all, rolled, f"{plain_s:.3f}", f"{ours_s:.3f}", f"{hand_s:.3f}",
                         f"{plain_s / ours_s:.1f}x", f"{plain_s / hand_s:.1f}x"])
    print("first call = trace + lower + compile of a new function object; N: iterations (nested: m**4,")
    print("m = N**0.25 rounded); hand: the same loop written with `lax.fori_loop`")
    print(table(["loop", "N", "plain eqns", "autocond eqns", "autocond", "plain s", "autocond s", "hand s",
                 "plain/autocond", "plain/hand"], rows))


def _rows_fn(traced_if: bool) -> Callable[[int], Callable]:
    """Factories of new function objects: a walk over the rows of an array with an `if` per
    row and an `append`; plain `jax.jit` needs the `if` as `jnp.where`, and unrolls."""

    def make(_: int) -> Callable:
        def walk(xs):
            pos = jnp.zeros(3)
            path = []
            for x in xs:
                if x.sum() > 0:
                    pos = pos + x
                else:
                    pos = pos - 0.5 * x
                path.append(pos)
            return jnp.stack(path)

        def walk_where(xs):
            pos = jnp.zeros(3)
            path = []
            for x in xs:
                pos = jnp.where(x.sum() > 0, pos + x, pos - 0.5 * x)
                path.append(pos)
            return jnp.stack(path)

        return walk if traced_if else walk_where

    return make


def bench_compile_rows(quick: bool) -> None:
    section("b2) compile time: a loop over N rows with an `if` and an `append` per row")
    sizes = (10, 30) if quick else (10, 100)
    rows = []
    for n in sizes:
        xs = jnp.ones((n, 3), jnp.float32)
        plain = sum(_compile_seconds(jax.jit, n, xs, _rows_fn(False)))
        ours = sum(_compile_seconds(autocond.jit, n, xs, _rows_fn(True)))
        p_top, _, _ = equation_counts(_rows_fn(False)(n), xs)
        a_top, _, _ = equation_counts(autocond.convert(_rows_fn(True)(n)), xs)
        rows.append([n, f"{plain:.3f}", f"{ours:.3f}", f"{plain / ours:.1f}x", p_top, a_top])
    print("plain: jax.jit of the loop with `jnp.where` (a traced `if` fails there), unrolled;")
    print("autocond: autocond.jit of the loop as written. Seconds to trace, lower and compile, once.")
    print(table(["N", "plain s", "autocond s", "plain/autocond", "plain eqns (top)", "autocond eqns (top)"],
                rows))


# --- c) run time against hand-written lax -----------------------------------------------------


def branchy(x):
    if jnp.sum(x) > 0:
        y = jnp.sin(x) * 2.0
    else:
        y = jnp.cos(x) - 1.0
    return y


def branchy_lax(x):
    return lax.cond(jnp.sum(x) > 0, lambda x: jnp.sin(x) * 2.0, lambda x: jnp.cos(x) - 1.0, x)


def newton_sqrt(a):
    y = a
    steps = 0
    while jnp.max(jnp.abs(y * y - a)) > 1e-4 * jnp.max(a):
        y = 0.5 * (y + a / y)
        steps += 1
    return y, steps


def newton_sqrt_lax(a):
    def cond(carry):
        y, _ = carry
        return jnp.max(jnp.abs(y * y - a)) > 1e-4 * jnp.max(a)

    def body(carry):
        y, steps = carry
        return 0.5 * (y + a / y), steps + 1

    return lax.while_loop(cond, body, (a, 0))


def damped(x):
    for i in range(200):
        x = 0.99 * x + 0.01 * jnp.sin(x + i)
    return x


def damped_lax(x):
    return lax.fori_loop(0, 200, lambda i, x: 0.99 * x + 0.01 * jnp.sin(x + i), x)


def first_above(x):
    found = -1
    for i in range(x.shape[0]):
        if x[i] > 3.9:
            found = i
            break
    return found


def first_above_lax(x):
    def cond(carry):
        i, found = carry
        return (i < x.shape[0]) & (found < 0)

    def body(carry):
        i, found = carry
        return i + 1, jnp.where(x[i] > 3.9, i, found)

    return lax.while_loop(cond, body, (0, -1))[1]


def row_walk(x):
    rows = x.reshape(-1, 16)
    acc = jnp.zeros(16)
    for row in rows:
        if row[0] > 2.0:
            acc = acc * 0.5 + row
        else:
            acc = acc - row
    return acc


def row_walk_lax(x):
    def step(acc, row):
        return lax.cond(row[0] > 2.0, lambda: acc * 0.5 + row, lambda: acc - row), None

    return lax.scan(step, jnp.zeros(16), x.reshape(-1, 16))[0]


def dispatch(x):
    mode = jnp.sum(x > 2.0).astype(jnp.int32) % 4
    if mode == 0:
        y = jnp.sin(x)
    elif mode == 1:
        y = jnp.cos(x)
    elif mode == 2:
        y = x * x
    else:
        y = -x
    return y


def dispatch_lax(x):
    mode = jnp.sum(x > 2.0).astype(jnp.int32) % 4
    return lax.switch(mode, [jnp.sin, jnp.cos, lambda x: x * x, lambda x: -x], x)


def _interleaved_median(fns: Sequence[Callable], x: jax.Array, rounds: int) -> list[float]:
    """Median seconds per call of each function, timed in alternating blocks so that drift in
    the machine's speed affects all alike."""
    for fn in fns:  # compile, and size a block to about 2 ms
        jax.block_until_ready(fn(x))
    start = time.perf_counter()
    for _ in range(10):
        jax.block_until_ready(fns[0](x))
    per_call = (time.perf_counter() - start) / 10
    calls = max(1, min(500, int(2e-3 / max(per_call, 1e-7))))
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(rounds):
        for k, fn in enumerate(fns):
            start = time.perf_counter()
            for _ in range(calls):
                out = fn(x)
            jax.block_until_ready(out)
            samples[k].append((time.perf_counter() - start) / calls)
    return [statistics.median(s) for s in samples]


def _same(a: Any, b: Any) -> bool:
    try:
        jax.tree_util.tree_map(
            lambda u, v: np.testing.assert_allclose(np.asarray(u), np.asarray(v), rtol=1e-5, atol=1e-6),
            a, b)
        return True
    except AssertionError:
        return False


def bench_runtime(quick: bool) -> None:
    section("c) run time: autocond.jit vs hand-written lax under jax.jit")
    rounds = 15 if quick else 60
    x = jnp.linspace(0.5, 4.0, 4096, dtype=jnp.float32)
    cases = [
        ("traced if vs lax.cond", branchy, branchy_lax),
        ("traced while (Newton sqrt) vs lax.while_loop", newton_sqrt, newton_sqrt_lax),
        ("static range(200) vs lax.fori_loop", damped, damped_lax),
        ("range with break vs lax.while_loop", first_above, first_above_lax),
        ("for row in array vs lax.scan", row_walk, row_walk_lax),
        ("4-way elif chain vs lax.switch", dispatch, dispatch_lax),
    ]
    time_rows, eqn_rows, notes = [], [], []
    for name, fn, hand in cases:
        ours, theirs = autocond.jit(fn), jax.jit(hand)
        same = _same(ours(x), theirs(x))
        t_ours, t_theirs = _interleaved_median([ours, theirs], x, rounds)
        time_rows.append([name, f"{1e6 * t_ours:.1f}", f"{1e6 * t_theirs:.1f}", f"{t_ours / t_theirs:.3f}",
                          "yes" if same else "NO"])
        a_top, a_all, a_prims = equation_counts(autocond.convert(fn), x)
        h_top, h_all, h_prims = equation_counts(hand, x)
        diff = describe_difference(a_prims, h_prims)
        eqn_rows.append([name, a_top, h_top, a_all, h_all, diff])
        if (a_top, a_all) != (h_top, h_all):
            notes.append(f"{name}: autocond has {a_top - h_top:+d} top-level / {a_all - h_all:+d} total "
                         f"equations ({diff})")
    print(f"input: float32[{x.shape[0]}]; microseconds per call, median of {rounds} interleaved blocks")
    print(table(["case", "autocond us", "hand lax us", "autocond/hand", "same result"], time_rows))
    print()
    print(table(["case", "autocond eqns (top)", "hand (top)", "autocond eqns (all)", "hand (all)",
                 "primitive difference"], eqn_rows))
    for note in notes:
        print(f"  note: {note}")
    if not notes:
        print("  equation counts match hand-written lax in every case")


# --- d) the cost of noticing Python state changes ---------------------------------------------


@contextlib.contextmanager
def _without_state_tracking(closures: bool = True) -> Iterator[None]:
    """autocond with its noticing of Python-state changes (the check whether a function
    changes objects, carried attributes, announced stores and their run-time checks) made
    no-ops, and with `closures`, its sharing of the variables closures capture too: the
    baseline for code that changes no Python state (which must convert and trace to the same
    program)."""

    @contextlib.contextmanager
    def nothing_recorded():
        yield []

    stubs = [
        (composites, "mark", lambda fn, ctx: None),
        (composites, "transform", lambda fn, ctx: fn),
        (stores, "transform", lambda fn, ctx: fn),
        (activity, "changes_objects", lambda nodes: False),
        (effects, "recorded", nothing_recorded),
        (effects, "check", lambda stores, carried, where: None),
    ]
    if closures:
        stubs.append((activity, "shared", lambda fn: activity.Shared(frozenset(), frozenset(), False)))
    with contextlib.ExitStack() as stack:
        for target, name, stub in stubs:
            stack.enter_context(unittest.mock.patch.object(target, name, stub))
        yield


def _interleaved(run: Callable[[], Any], blocks: int, per_block: int,
                 closures: bool = True) -> tuple[float, float]:
    """Median seconds of `run` with state tracking on, and off (`_without_state_tracking`),
    in interleaved blocks (in turn first, so that what runs first in a block pays no more
    than what runs second)."""
    on, off = [], []
    off_context = functools.partial(_without_state_tracking, closures)
    for block in range(blocks):
        pair = [(on, contextlib.nullcontext), (off, off_context)]
        for times, tracking in pair[::-1] if block % 2 else pair:
            with tracking():
                gc.collect()
                start = time.perf_counter()
                for _ in range(per_block):
                    run()
                times.append((time.perf_counter() - start) / per_block)
    return statistics.median(on), statistics.median(off)


def bench_state_tracking(quick: bool) -> None:
    section("d) noticing Python state changes, on code that makes none: tracking on vs off")
    blocks = 5 if quick else 21
    x = jnp.linspace(0.5, 4.0, 4096, dtype=jnp.float32)
    rows = []
    def convert():
        return _transpiler.convert_function(conversion_workload)

    for what, closures in (("noticing changes", False), ("and closure cells", True)):
        on, off = _interleaved(convert, blocks, 10, closures)
        rows.append([f"convert `conversion_workload`: {what}", f"{1e3 * on:.2f}", f"{1e3 * off:.2f}",
                     f"{on / off:.3f}", "-"])
    for name, fn in [("trace traced if", branchy), ("trace traced while", newton_sqrt),
                     ("trace range with break", first_above), ("trace for row in array", row_walk)]:
        converted = autocond.convert(fn)
        def trace(converted=converted):  # a new function each time: traces are cached by function
            return jax.make_jaxpr(lambda v: converted(v))(x)

        on, off = _interleaved(trace, blocks, 5)
        with _without_state_tracking():
            baseline = str(jax.make_jaxpr(autocond.convert(fn))(x))
        same = str(jax.make_jaxpr(converted)(x)) == baseline
        rows.append([name, f"{1e3 * on:.2f}", f"{1e3 * off:.2f}", f"{on / off:.3f}", "yes" if same else "NO"])
    print(f"milliseconds per call, median of {blocks} interleaved blocks")
    print(table(["case", "tracking on ms", "off ms", "on/off", "same jaxpr"], rows))


# --- e) trace time, jaxpr equations and optimized HLO against hand-written lax ----------------
#
# Each program twice: as ordinary Python for autocond, and as an expert would write the same
# computation with `lax` (`<name>_lax`): the same operations in the same order, a `lax.cond`
# wherever the Python has a traced `if` that computes something (an `if` that only leaves a
# loop is the loop's flag), so that equation counts compare machinery, not algorithms.

_IF_CHAIN_LENGTH = 100


def _if_chain_source(n: int) -> str:
    """A loop-free function of `n` traced `if`s in a row (a loop would be converted as one)."""
    lines = ["def if_chain(x):"]
    for i in range(n):
        lines += [f"    if x[{i % 4}] > 0.25:", "        x = x * 1.01", "    else:", "        x = x - 0.5"]
    return "\n".join(lines + ["    return x", ""])


def _generated_function(source: str, name: str, directory: str) -> Callable:
    """`name` from `source` written to a module file of its own (autocond reads the source),
    starting on a line of its own (see `_fresh_copies`)."""
    k = next(_copy_numbers)
    path = os.path.join(directory, f"autocond_bench_generated_{k}.py")
    with open(path, "w") as f:
        f.write("\n" * k + source)
    spec = importlib.util.spec_from_file_location(f"autocond_bench_generated_{k}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


def if_chain_lax(x):
    for i in range(_IF_CHAIN_LENGTH):
        x = lax.cond(x[i % 4] > 0.25, lambda x: x * 1.01, lambda x: x - 0.5, x)
    return x


def nested_ifs_loop(x):
    for i in range(50):
        if jnp.sum(x) > 0.0:
            if x[0] > 1.0:
                x = x * 0.9
            else:
                x = x + 0.1 * i
        else:
            if x[1] < -1.0:
                x = x * 0.5 + 1.0
            else:
                x = jnp.cos(x)
    return x


def nested_ifs_loop_lax(x):
    def body(i, x):
        def positive(x):
            return lax.cond(x[0] > 1.0, lambda x: x * 0.9, lambda x: x + 0.1 * i, x)

        def negative(x):
            return lax.cond(x[1] < -1.0, lambda x: x * 0.5 + 1.0, jnp.cos, x)

        return lax.cond(jnp.sum(x) > 0.0, positive, negative, x)

    return lax.fori_loop(0, 50, body, x)


def while_break(x):
    steps = 0
    while jnp.max(jnp.abs(x)) > 1e-3:
        x = x * 0.7 + 0.01 * jnp.sin(x)
        steps += 1
        if jnp.sum(x) < 1.0:
            break
    return x, steps


def while_break_lax(x):
    def cond(carry):
        x, _, stop = carry
        return ~stop & (jnp.max(jnp.abs(x)) > 1e-3)

    def body(carry):
        x, steps, _ = carry
        x = x * 0.7 + 0.01 * jnp.sin(x)
        return x, steps + 1, jnp.sum(x) < 1.0

    x, steps, _ = lax.while_loop(cond, body, (x, 0, False))
    return x, steps


def append_stack(xs):
    h = jnp.zeros(xs.shape[1])
    out = []
    for row in xs:
        h = jnp.tanh(h * 0.5 + row)
        out.append(h * 2.0)
    return jnp.stack(out)


def append_stack_lax(xs):
    def step(h, row):
        h = jnp.tanh(h * 0.5 + row)
        return h, h * 2.0

    return lax.scan(step, jnp.zeros(xs.shape[1]), xs)[1]


def piecewise(x):
    t = jnp.mean(x)
    if t < 0.0:
        y = -x
    elif t < 1.0:
        y = x * x
    elif t < 2.0:
        y = jnp.sin(x)
    elif t < 3.0:
        y = jnp.cos(x)
    else:
        y = x - 3.0
    return y


def piecewise_lax(x):
    t = jnp.mean(x)
    index = jnp.sum(t >= jnp.array([0.0, 1.0, 2.0, 3.0]))
    return lax.switch(index, [lambda x: -x, lambda x: x * x, jnp.sin, jnp.cos, lambda x: x - 3.0], x)


def match_mode(x):
    mode = jnp.sum(x > 2.0).astype(jnp.int32) % 5
    match mode:
        case 0:
            y = jnp.sin(x)
        case 1 | 2:
            y = x * x
        case 3:
            y = jnp.cos(x)
        case _:
            y = -x
    return y


def match_mode_lax(x):
    mode = jnp.sum(x > 2.0).astype(jnp.int32) % 5  # in [0, 5): 1 and 2 share a branch
    return lax.switch(mode - (mode >= 2), [jnp.sin, lambda x: x * x, jnp.cos, lambda x: -x], x)


def early_return(x):
    for i in range(x.shape[0]):
        if x[i] * x[i] > 10.0:
            return x[i] - i
    return -1.0


def early_return_lax(x):
    def cond(carry):
        i, found, _ = carry
        return (i < x.shape[0]) & ~found

    def body(carry):
        i, _, value = carry
        hit = x[i] * x[i] > 10.0
        return i + 1, hit, lax.cond(hit, lambda: x[i] - i, lambda: value)

    return lax.while_loop(cond, body, (0, False, -1.0))[2]


def float_accumulator(x):
    acc = 0.0
    for i in range(1000):
        acc = acc + jnp.sin(x * i)
    return acc


def float_accumulator_lax(x):
    return lax.fori_loop(0, 1000, lambda i, acc: acc + jnp.sin(x * i), jnp.zeros_like(x))


def nested_loops(x):
    s = 0.0
    for i in range(6):
        for j in range(6):
            for k in range(6):
                for l in range(6):  # noqa: E741
                    s = s + jnp.sin(x * (i + 2 * j + 3 * k + 4 * l))
    return s


def nested_loops_lax(x):
    def over_i(i, s):
        def over_j(j, s):
            def over_k(k, s):
                def over_l(l, s):  # noqa: E741
                    return s + jnp.sin(x * (i + 2 * j + 3 * k + 4 * l))

                return lax.fori_loop(0, 6, over_l, s)

            return lax.fori_loop(0, 6, over_k, s)

        return lax.fori_loop(0, 6, over_j, s)

    return lax.fori_loop(0, 6, over_i, jnp.zeros_like(x))


def adaptive_ode(y):
    """y' = cos(t) - y**2 from t = 0 to 2 by an adaptive Heun-Euler pair."""
    t = 0.0
    dt = 0.1
    while t < 2.0:
        k1 = jnp.cos(t) - y * y
        k2 = jnp.cos(t + dt) - (y + dt * k1) ** 2
        err = jnp.max(jnp.abs(0.5 * dt * (k2 - k1)))
        if err < 1e-4:
            y = y + 0.5 * dt * (k1 + k2)
            t = t + dt
        dt = dt * jnp.clip(0.9 * jnp.sqrt(1e-4 / (err + 1e-12)), 0.2, 5.0)
    return y, t


def adaptive_ode_lax(y):
    def cond(carry):
        _, t, _ = carry
        return t < 2.0

    def body(carry):
        y, t, dt = carry
        k1 = jnp.cos(t) - y * y
        k2 = jnp.cos(t + dt) - (y + dt * k1) ** 2
        err = jnp.max(jnp.abs(0.5 * dt * (k2 - k1)))
        y, t = lax.cond(err < 1e-4, lambda: (y + 0.5 * dt * (k1 + k2), t + dt), lambda: (y, t))
        return y, t, dt * jnp.clip(0.9 * jnp.sqrt(1e-4 / (err + 1e-12)), 0.2, 5.0)

    y, t, _ = lax.while_loop(cond, body, (y, 0.0, 0.1))
    return y, t


def _cart_step(state):
    """One Euler step of CartPole (x, x', theta, theta'), the cart pushed to the right."""
    x, v, theta, omega = state[0], state[1], state[2], state[3]
    force = 10.0
    cos, sin = jnp.cos(theta), jnp.sin(theta)
    temp = (force + 0.05 * omega * omega * sin) / 1.1
    alpha = (9.8 * sin - cos * temp) / (0.5 * (4.0 / 3.0 - 0.1 * cos * cos / 1.1))
    a = temp - 0.05 * alpha * cos / 1.1
    return jnp.stack([x + 0.02 * v, v + 0.02 * a, theta + 0.02 * omega, omega + 0.02 * alpha])


def cartpole_episode(state):
    total = 0.0
    done = False
    for _ in range(100):
        state = _cart_step(state)
        if not done:
            total += 1.0
        done = done | (jnp.abs(state[0]) > 2.4) | (jnp.abs(state[2]) > 0.21)
    return total


def cartpole_episode_lax(state):
    def body(_, carry):
        state, total, done = carry
        state = _cart_step(state)
        total = lax.cond(~done, lambda: total + 1.0, lambda: total)
        done = done | (jnp.abs(state[0]) > 2.4) | (jnp.abs(state[2]) > 0.21)
        return state, total, done

    return lax.fori_loop(0, 100, body, (state, 0.0, False))[1]


def hlo_instructions(fn: Callable, *args: Any) -> int:
    """Instructions of `jax.jit(fn)`'s optimized HLO for `args` (after XLA's passes: dead code
    eliminated, fusions formed): the lines with an ` = ` inside the body of any computation,
    the entry computation, fusions, loop bodies and conditions and `cond` branches alike."""
    count, inside = 0, False
    for line in jax.jit(fn).lower(*args).compile().as_text().splitlines():
        stripped = line.strip()
        if stripped.startswith(("%", "ENTRY")) and stripped.endswith("{"):  # a computation's header
            inside = True
        elif stripped == "}":
            inside = False
        elif inside and " = " in stripped:
            count += 1
    return count


def _trace_seconds(fns: Sequence[Callable], args: Sequence[Any], rounds: int) -> list[float]:
    """Median seconds of `jax.make_jaxpr` of each function, through a new lambda each time (so
    no trace cache can answer), in alternating order (each round from a clean heap: a full
    collection costs more than most traces)."""
    samples: list[list[float]] = [[] for _ in fns]
    for r in range(rounds):
        gc.collect()
        order = list(enumerate(fns))
        for k, fn in order[::-1] if r % 2 else order:
            start = time.perf_counter()
            jax.make_jaxpr(lambda *a, fn=fn: fn(*a))(*args)
            samples[k].append(time.perf_counter() - start)
    return [statistics.median(s) for s in samples]


def _programs(directory: str) -> list[tuple[str, Callable, Callable, jax.Array]]:
    """(what, ordinary Python, hand-written lax, input) of section e)."""
    x = jnp.linspace(0.5, 4.0, 1024, dtype=jnp.float32)
    wavy = jnp.cos(jnp.arange(1024, dtype=jnp.float32))
    if_chain = _generated_function(_if_chain_source(_IF_CHAIN_LENGTH), "if_chain", directory)
    return [
        (f"{_IF_CHAIN_LENGTH} traced ifs in a row / lax.cond", if_chain, if_chain_lax, wavy),
        ("nested ifs in range(50) / fori_loop+cond", nested_ifs_loop, nested_ifs_loop_lax, wavy),
        ("while with break / while_loop+flag", while_break, while_break_lax, x),
        ("for row: append, stack / scan", append_stack, append_stack_lax,
         jnp.sin(jnp.arange(256 * 16, dtype=jnp.float32)).reshape(256, 16)),
        ("5-way elif on a float / switch", piecewise, piecewise_lax, x),
        ("match 0, 1|2, 3, _ / switch", match_mode, match_mode_lax, x),
        ("return in a loop / while_loop+flag", early_return, early_return_lax, x),
        ("acc = 0.0, range(1000) / fori_loop", float_accumulator, float_accumulator_lax, x[:256]),
        ("s = 0.0, 4 nested range(6) / fori_loops", nested_loops, nested_loops_lax, x[:256]),
        ("adaptive Heun-Euler ODE / while_loop+cond", adaptive_ode, adaptive_ode_lax,
         jnp.linspace(0.5, 1.5, 64, dtype=jnp.float32)),
        ("CartPole episode of 100 / fori_loop", cartpole_episode, cartpole_episode_lax,
         jnp.array([0.0, 0.1, 0.05, -0.1], jnp.float32)),
    ]


def bench_programs(quick: bool) -> None:
    section("e) trace time, jaxpr equations and optimized HLO against hand-written lax")
    trace_rounds, run_rounds = (5, 10) if quick else (21, 40)
    time_rows, eqn_rows, diffs, notes = [], [], [], []
    with tempfile.TemporaryDirectory() as directory:
        for what, fn, hand, x in _programs(directory):
            converted = autocond.convert(fn)
            t_ours, t_hand = _trace_seconds([converted, hand], [x], trace_rounds)
            a_top, a_all, a_prims = equation_counts(converted, x)
            h_top, h_all, h_prims = equation_counts(hand, x)
            a_hlo, h_hlo = hlo_instructions(converted, x), hlo_instructions(hand, x)
            ours, theirs = autocond.jit(fn), jax.jit(hand)
            out = ours(x)
            same = _same(out, theirs(x))
            if not same:  # which one is right: the function run as plain Python, eagerly, says
                python, by_hand = fn(x), theirs(x)
                agrees = "autocond" if _same(out, python) else "hand" if _same(by_hand, python) else "neither"
                notes.append(f"{what}: results differ; plain Python (eager) agrees with {agrees}")
            r_ours, r_hand = _interleaved_median([ours, theirs], x, run_rounds)
            time_rows.append([what, f"{1e3 * t_ours:.2f}", f"{1e3 * t_hand:.2f}", f"{t_ours / t_hand:.2f}",
                              a_hlo, h_hlo, f"{a_hlo / h_hlo:.2f}", f"{1e6 * r_ours:.1f}",
                              f"{1e6 * r_hand:.1f}", f"{r_ours / r_hand:.3f}", "yes" if same else "NO"])
            eqn_rows.append([what, a_top, h_top, a_all, h_all, f"{a_all / h_all:.2f}"])
            if a_prims != h_prims:
                diffs.append(f"{what.split(' / ')[0]}: {describe_difference(a_prims, h_prims)}")
    print(f"trace: `jax.make_jaxpr` of a new lambda, median of {trace_rounds} interleaved runs "
          "(autocond's conversion is cached:")
    print("see a) for its cost); HLO: instructions of the optimized module (`hlo_instructions`); "
          f"run: median of {run_rounds}")
    print("interleaved blocks under jax.jit")
    print(table(["program / hand version", "trace ms", "hand ms", "ratio", "HLO", "hand", "ratio",
                 "run us", "hand us", "ratio", "same"], time_rows))
    print()
    print(table(["program", "eqns (top)", "hand (top)", "eqns (all)", "hand (all)", "ratio"], eqn_rows))
    print("primitives autocond's jaxpr has more (+) or fewer (-) than the hand-written one's:")
    for line in diffs:
        print(f"  {line}")
    for note in notes:
        print(f"  note: {note}")
    print("first call against plain jax.jit at N = 10, 100, 1000: see b3 (accumulator, nested, episode)")


# --- main -------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a fast smoke run")
    args = parser.parse_args(argv)
    device = jax.devices()[0]
    print(f"autocond benchmarks{' (--quick)' if args.quick else ''}")
    print(f"python {platform.python_version()}, jax {jax.__version__}, "
          f"jaxlib {importlib.metadata.version('jaxlib')}, numpy {np.__version__}")
    print(f"backend {jax.default_backend()}, device {device.device_kind} ({device}), "
          f"{len(jax.devices())} device(s), {os.cpu_count()} CPU cores, {platform.machine()}")
    if hasattr(os, "getloadavg"):  # other work on the machine makes every number noisier
        print("load average at start: " + ", ".join(f"{v:.2f}" for v in os.getloadavg()))
    start = time.perf_counter()
    bench_conversion(args.quick)
    bench_conversion_sizes(args.quick)
    bench_compile(args.quick)
    bench_compile_rows(args.quick)
    bench_python_numbers(args.quick)
    bench_runtime(args.quick)
    bench_state_tracking(args.quick)
    bench_programs(args.quick)  # last: its executables and jaxprs would slow d)'s collections
    print(f"\ntotal benchmark time: {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
