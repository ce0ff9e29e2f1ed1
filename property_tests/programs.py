"""Random, well-defined programs over JAX scalars, as source text, and a loader for them.

`programs()` draws the source of a function `def f(x, y, n):` (x, y float32 scalars, n an
int32 scalar) whose body mixes assignments, `if`/`elif`/`else` (on traced and on static
tests), `while` loops (on a counter, or `while True:` left by a `break`) and
`for ... in range(...)` loops (static and traced bounds), nested a few levels deep. Loop
bodies may `break` and `continue` (under `if`s on traced or static tests), loops may have an
`else:` block (which may itself `break`, `continue` or `return`), and `return`s appear
inside `if` branches and anywhere inside loops, at any depth of nesting. Python state is
changed as traced code must keep it: closures (`def` and lambdas) read `f`'s variables when
called; closures assign them through `nonlocal` (counting calls), called as statements;
closures are made inside loop bodies over the loop's index; lambdas made in a loop over a
tuple are called after it (late binding); an object's attributes (`o.t`, `o.k`) are read
and assigned anywhere; and bools are computed with as ints (`q + q`, `~q`), where Python's
bools and bool arrays differ. Every program is defined on every input the tests draw, so plain
Python is the oracle:

- every variable is assigned at the top, before any branch can read it;
- every loop ends within a few iterations: `while` loops count a fresh counter up on every
  path to a bound of at most 7 (a `while True:` loop increments it and breaks on it first
  thing in its body; a body that may `continue` increments it first thing, so a `continue`
  cannot skip it), and `range` bounds are small or drawn from integers kept in [0, 6] (`n`,
  and each integer variable is assigned a value `% 7`);
- floats stay bounded: every float assignment goes through `jnp.tanh`, `jnp.sin`,
  `jnp.cos` or `jnp.clip`, and there is no division;
- a float variable only ever holds floats and an integer variable only integers, so each
  traced value has one dtype, and every `return` gives a tuple of the same kinds.

The generator favours its simplest choices first, so hypothesis shrinks failures to short
programs.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import hashlib
import importlib.util
import itertools
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator

from hypothesis import strategies as st

FLOAT_PARAMS = ("x", "y")
INT_PARAMS = ("n",)
ARRAY_PARAMS = ("v",)
PARAMS = ("x", "y", "n", "v")  # every generated function's parameters
FLOAT_VARS = ("a", "b", "c")
INT_VARS = ("m", "p")
BOOL_VARS = ("q",)
ARRAY_VARS = ("s",)
ARRAYS = ARRAY_PARAMS + ARRAY_VARS
ARRAY_SIZE = 3
HELPER = "g"  # a helper function `f` may call: `g(x, y, n, v)` returns a float
MAX_DEPTH = 3  # nesting of compound statements
INT_MODULUS = 7  # integer variables hold values in [0, INT_MODULUS)

# `TABLE` is looked up by traced ints.
_HEADER = "import types\n\nimport jax.numpy as jnp\n\nTABLE = (3, 1, 4, 1, 5)\n\n\n"
OBJECT = "o"  # an object `f` may make, whose attributes `t` (a float) and `k` (an int) it assigns

# Thresholds for comparisons; none equals a clip bound, so saturated values do not tie.
_THRESHOLDS = ("0.0", "0.3", "-0.3", "0.7", "-0.7", "1.2", "-1.2")
_FLOAT_CONSTS = ("0.5", "-0.25", "1.5", "0.75", "-1.0", "2.0")
_INT_CONSTS = ("0", "1", "2", "3", "4", "5", "6")
_COMPARE = ("<", ">", "<=", ">=")

# `range` arguments: each gives at most 7 iterations (n and integer variables are in [0, 6]).
_STATIC_RANGES = ("3", "0", "1, 4", "0, 5, 2", "4, 0, -1", "3, -3, -2", "6")
_TRACED_RANGES = ("{n}", "0, {n}, 2", "{n}, 0, -1", "{n}, -1, -2", "1, {n} + 1", "2, {n}",
                  "{n} - 1, -1, -1", "{m}, {n}", "{n}, {m}, -1")


@dataclasses.dataclass(frozen=True)
class Program:
    """A generated function's source; `repr` shows it, so hypothesis prints it on failure."""

    source: str  # a module defining `f`
    signature: str  # the kinds of `f`'s results: `f`loat, `i`nt, `b`ool, `a`rray
    name: str = "f"

    def __repr__(self) -> str:
        return f"Program(source='''\n{self.source}''')"

    def _repr_pretty_(self, printer, cycle: bool) -> None:  # hypothesis prints with this
        printer.text(repr(self))


@dataclasses.dataclass
class _Scope:
    """What the statements being drawn may read and do."""

    ints: tuple[str, ...]  # readable integer names beyond the variables (loop indices, counters)
    floats: tuple[str, ...] = ()  # readable float names beyond the variables (array elements)
    indices: tuple[str, ...] = ()  # `for` loop indices: the body may also assign them
    helpers: tuple[str, ...] = ()  # functions it may call
    closures: tuple[str, ...] = ()  # closures of `f` it may call anywhere: they read variables
    writers: tuple[str, ...] = ()  # closures it may call as a statement: they assign a variable
    has_object: bool = False  # whether it may assign the attributes of `OBJECT`
    depth: int = 0  # compound statements around
    loops: int = 0  # loops around
    can_continue: bool = False  # the innermost loop around may `continue`
    counter: Iterator[int] = dataclasses.field(default_factory=itertools.count)

    def enter(self, *ints: str, floats: tuple[str, ...] = (), loop: bool = False,
              index: bool = False, can_continue: bool = True) -> _Scope:
        """The scope of a nested block; of a loop's body where `loop`."""
        return dataclasses.replace(self, ints=self.ints + ints, floats=self.floats + floats,
                                   depth=self.depth + 1, loops=self.loops + loop,
                                   indices=self.indices + ints * index,
                                   can_continue=can_continue if loop else self.can_continue)

    def fresh(self, prefix: str) -> str:
        return f"{prefix}{next(self.counter)}"


def _indent(lines: list[str]) -> list[str]:
    return ["    " + line for line in lines]


@st.composite
def _int_atom(draw, scope: _Scope) -> str:
    if draw(st.integers(0, 9)) == 9:  # a bool computed with as an int (Python's bools are ints)
        q = draw(st.sampled_from(BOOL_VARS))
        m = draw(st.sampled_from(INT_VARS))
        form = draw(st.sampled_from((f"{q} + {q}", f"~{q}", f"{q} + {m}")))
        return f"jnp.int32({form})"
    if draw(st.integers(0, 9)) == 8:  # builtins that read a traced value's truth or order
        threshold = draw(st.sampled_from(_THRESHOLDS))
        return draw(st.sampled_from((
            f"abs(int({draw(st.sampled_from(FLOAT_PARAMS + FLOAT_VARS))}))",
            f"len([t for t in {draw(st.sampled_from(ARRAYS))} if t > {threshold}])",
            f"sum(1 for t in {draw(st.sampled_from(ARRAYS))} if t < {threshold})",
            f"max({draw(st.sampled_from(INT_VARS + INT_PARAMS))}, {draw(st.sampled_from(_INT_CONSTS))})",
            f"min({draw(st.sampled_from(INT_VARS + INT_PARAMS))}, {draw(st.sampled_from(INT_VARS))}, 6)",
            f"TABLE[{draw(st.sampled_from(INT_VARS + INT_PARAMS))} % 5{draw(st.sampled_from(('', '-5')))}]")))
    return draw(st.sampled_from(INT_PARAMS + INT_VARS + scope.ints + _INT_CONSTS))


@st.composite
def _int_expr(draw, scope: _Scope, simple: bool = False) -> str:
    """An integer expression in [0, INT_MODULUS); with no `or`, `and` or ternary if `simple`."""
    kind = draw(st.integers(0, 3 if simple else 5))
    if kind == 0:
        return draw(st.sampled_from(INT_PARAMS + INT_VARS + _INT_CONSTS))
    if kind > 3:
        left, right = draw(_int_expr(scope, simple=True)), draw(_int_expr(scope, simple=True))
        if kind == 4:  # `or`/`and` give one of their operands
            return f"({left} {draw(st.sampled_from(('or', 'and')))} {right})"
        return f"({left} if {draw(_comparison(scope))} else {right})"
    terms = [draw(_int_atom(scope)) for _ in range(draw(st.integers(1, 3)))]
    ops = [draw(st.sampled_from(("+", "-", "*"))) for _ in terms[1:]]
    expr = terms[0] + "".join(f" {op} {t}" for op, t in zip(ops, terms[1:]))
    return f"({expr}) % {INT_MODULUS}"


@st.composite
def _float_atom(draw, scope: _Scope) -> str:
    """A float variable, an array's element or reduction, or a helper's result: at most 2 in
    absolute value (3 times that for a sum)."""
    kind = draw(st.integers(0, 9))
    if kind < 5:
        return draw(st.sampled_from(FLOAT_PARAMS + FLOAT_VARS + scope.floats))
    if kind == 8 and scope.closures:
        return f"{draw(st.sampled_from(scope.closures))}()"
    array = draw(st.sampled_from(ARRAYS))
    if kind == 9:  # builtins that read a traced value's truth or order
        names = FLOAT_PARAMS + FLOAT_VARS + scope.floats
        a, b, c = (draw(st.sampled_from(names)) for _ in range(3))
        threshold = draw(st.sampled_from(_THRESHOLDS))
        return draw(st.sampled_from((
            f"max({a}, {b})", f"min({a}, {draw(st.sampled_from(_FLOAT_CONSTS))}, {c})", f"abs({a})",
            f"max({array})", f"min({array})", f"0.25 * sum(t for t in {array} if t > {threshold})",
            f"max((t for t in {array} if t < {threshold}), default={a})",
            f"0.25 * float({draw(_int_atom(scope))})")))
    if kind == 5:
        return f"{array}[{draw(_int_atom(scope))} % {ARRAY_SIZE}]"
    if kind == 6 or not scope.helpers:
        return f"jnp.{draw(st.sampled_from(('sum', 'max', 'min', 'mean')))}({array})"
    args = (draw(st.sampled_from(FLOAT_PARAMS + FLOAT_VARS)), draw(st.sampled_from(FLOAT_VARS)),
            draw(_int_expr(scope, simple=True)), array)
    return f"{draw(st.sampled_from(scope.helpers))}({', '.join(args)})"


@st.composite
def _float_term(draw, scope: _Scope, first: bool) -> str:
    kind = draw(st.integers(0, 3))
    atom = draw(_float_atom(scope))
    if kind == 0:
        return atom
    if kind == 1:
        return f"{draw(st.sampled_from(_FLOAT_CONSTS))} * {atom}"
    if kind == 2:
        return f"{atom} * {draw(_float_atom(scope))}"
    if first:  # the first term is a float, so the expression is one whatever the others are
        return f"{atom} * {draw(_int_atom(scope))}"
    return draw(st.sampled_from((f"0.25 * {draw(_int_atom(scope))}", draw(_int_atom(scope)))))


@st.composite
def _float_sum(draw, scope: _Scope) -> str:
    terms = [draw(_float_term(scope, first=i == 0)) for i in range(draw(st.integers(1, 3)))]
    ops = [draw(st.sampled_from(("+", "-"))) for _ in terms[1:]]
    return terms[0] + "".join(f" {op} {t}" for op, t in zip(ops, terms[1:]))


@st.composite
def _float_expr(draw, scope: _Scope, simple: bool = False) -> str:
    """A float expression bounded by 2 in absolute value (or a constant, or a variable); not a
    ternary if `simple`."""
    kind = draw(st.integers(0, 5 if simple else 6))
    if kind == 0:
        return draw(st.sampled_from(FLOAT_PARAMS + FLOAT_VARS))
    if kind == 1:
        return draw(st.sampled_from(_FLOAT_CONSTS))
    if kind == 6:
        left, right = draw(_float_expr(scope, simple=True)), draw(_float_expr(scope, simple=True))
        return f"({left} if {draw(_comparison(scope))} else {right})"
    inner = draw(_float_sum(scope))
    if kind == 5:
        return f"jnp.clip({inner}, -2.0, 2.0)"
    return f"jnp.{('tanh', 'sin', 'cos', 'tanh')[kind - 2]}({inner})"


@st.composite
def _array_expr(draw, scope: _Scope) -> str:
    """An array of `ARRAY_SIZE` float32 elements bounded by 2."""
    kind = draw(st.integers(0, 3))
    array = draw(st.sampled_from(ARRAYS))
    if kind == 0:
        return array
    if kind == 1:
        return f"{array}.at[{draw(_int_atom(scope))} % {ARRAY_SIZE}].set({draw(_float_expr(scope))})"
    if kind == 2:
        return f"jnp.tanh({array} * {draw(_float_atom(scope))} + {draw(_float_expr(scope))})"
    return f"jnp.clip({array} - {draw(st.sampled_from(ARRAYS))}, -2.0, 2.0)"


@st.composite
def _comparison(draw, scope: _Scope) -> str:
    """A comparison of floats, integers or arrays: a bool, traced or not."""
    kind = draw(st.integers(0, 7))
    floats = FLOAT_PARAMS + FLOAT_VARS + scope.floats
    if kind == 0:
        return f"{draw(st.sampled_from(floats))} > {draw(st.sampled_from(_THRESHOLDS))}"
    if kind == 1:
        op = draw(st.sampled_from(_COMPARE))
        return f"{draw(_float_sum(scope))} {op} {draw(st.sampled_from(_THRESHOLDS))}"
    if kind == 2:
        op = draw(st.sampled_from(_COMPARE))
        return f"{draw(st.sampled_from(floats))} {op} {draw(_float_sum(scope))}"
    if kind == 3:
        op = draw(st.sampled_from(_COMPARE + ("==", "!=")))
        return f"{draw(_int_atom(scope))} {op} {draw(_int_atom(scope))}"
    if kind == 4:  # a chain: `a < b and b < c`, with `b` evaluated once
        low, high = sorted(draw(st.lists(st.sampled_from(_THRESHOLDS), min_size=2, max_size=2,
                                         unique=True)), key=float)
        return f"{low} < {draw(_float_atom(scope))} < {high}"
    if kind == 5:
        reduce = draw(st.sampled_from(("jnp.all", "jnp.any")))
        return f"{reduce}({draw(st.sampled_from(ARRAYS))} > {draw(st.sampled_from(_THRESHOLDS))})"
    if kind == 7:  # builtins and membership on traced values
        array, threshold = draw(st.sampled_from(ARRAYS)), draw(st.sampled_from(_THRESHOLDS))
        values = ", ".join(sorted(draw(st.lists(st.sampled_from(_INT_CONSTS), min_size=1, max_size=3,
                                                unique=True))))
        return draw(st.sampled_from((
            f"{draw(st.sampled_from(('any', 'all')))}(t > {threshold} for t in {array})",
            f"{draw(_int_atom(scope))} {draw(st.sampled_from(('in', 'not in')))} ({values},)",
            f"bool({draw(st.sampled_from(FLOAT_PARAMS + FLOAT_VARS))})")))
    return f"{draw(_int_expr(scope, simple=True))} > {draw(st.sampled_from(_INT_CONSTS))}"


@st.composite
def _bool_expr(draw, scope: _Scope, simple: bool = False) -> str:
    """A bool: a comparison, a bool variable, or `not`, `and`, `or`, `&`, `|` of them (not
    nested if `simple`)."""
    kind = draw(st.integers(0, 2 if simple else 4))
    if kind == 0:
        return draw(_comparison(scope))
    if kind == 1:
        return draw(st.sampled_from(BOOL_VARS))
    if kind == 2:
        return f"not {draw(st.sampled_from(BOOL_VARS))}" if draw(st.booleans()) else \
            f"not ({draw(_comparison(scope))})"
    op = draw(st.sampled_from(("|", "&") if kind == 3 else ("and", "or")))
    return f"({draw(_comparison(scope))}) {op} ({draw(_bool_expr(scope, simple=True))})"


@st.composite
def _test(draw, scope: _Scope) -> str:
    """A condition: a bool expression, a static value, or a number's truth."""
    kind = draw(st.integers(0, 2))
    if kind == 0:
        return draw(_bool_expr(scope))
    if kind == 1:  # often static: constants, or loop indices of static ranges
        const = draw(st.sampled_from(("True", "False", "2 > 1", "1 > 2", "0", "3")))
        return draw(st.sampled_from((const, f"{draw(_int_atom(scope))} % 2 == 0")))
    return draw(st.sampled_from(INT_PARAMS + INT_VARS + scope.ints + FLOAT_VARS))


@st.composite
def _assign(draw, scope: _Scope) -> list[str]:
    kind = draw(st.integers(0, 3))
    if kind == 0:
        target = draw(st.sampled_from(FLOAT_VARS + FLOAT_PARAMS))
        return [f"{target} = {draw(_float_expr(scope))}"]
    if kind == 1:
        return [f"{draw(st.sampled_from(ARRAYS))} = {draw(_array_expr(scope))}"]
    if kind == 2:  # Python bools too: merged with bool arrays, they become arrays
        value = draw(st.one_of(_bool_expr(scope), st.sampled_from(("True", "False"))))
        return [f"{draw(st.sampled_from(BOOL_VARS))} = {value}"]
    # Assigning a `for` index changes it until the loop rebinds it (not the iterations).
    target = draw(st.sampled_from(INT_VARS + INT_PARAMS + scope.indices))
    return [f"{target} = {draw(_int_expr(scope))}"]


_VALUES = {"f": lambda scope: st.one_of(st.sampled_from(FLOAT_VARS + FLOAT_PARAMS), _float_expr(scope)),
           "i": lambda scope: st.one_of(st.sampled_from(INT_VARS + INT_PARAMS), _int_expr(scope)),
           "b": _bool_expr,
           "a": _array_expr}


@st.composite
def _return(draw, scope: _Scope, signature: str) -> list[str]:
    return [f"return {', '.join(draw(_VALUES[kind](scope)) for kind in signature)}"]


@st.composite
def _if(draw, scope: _Scope, signature: str) -> list[str]:
    inner = scope.enter()
    lines = [f"if {draw(_test(scope))}:", *_indent(draw(_block(inner, signature, in_if=True)))]
    for _ in range(draw(st.integers(0, 2))):
        lines += [f"elif {draw(_test(scope))}:", *_indent(draw(_block(inner, signature, in_if=True)))]
    if draw(st.booleans()):
        lines += ["else:", *_indent(draw(_block(inner, signature, in_if=True)))]
    return lines


@st.composite
def _match(draw, scope: _Scope, signature: str) -> list[str]:
    """`match` on an integer, with literal patterns, `|` and maybe `case _:`."""
    subject = draw(st.one_of(st.sampled_from(INT_PARAMS + INT_VARS), _int_expr(scope)))
    values = draw(st.lists(st.sampled_from(_INT_CONSTS), min_size=1, max_size=4, unique=True))
    cases = []
    while values:
        k = draw(st.integers(1, min(2, len(values))))
        cases.append(" | ".join(values[:k]))
        values = values[k:]
    if draw(st.booleans()):
        cases.append("_")
    inner = scope.enter()
    lines = [f"match {subject}:"]
    for pattern in cases:
        lines += _indent([f"case {pattern}:", *_indent(draw(_block(inner, signature, in_if=True)))])
    return lines


@st.composite
def _loop_else(draw, scope: _Scope, signature: str) -> list[str]:
    """Sometimes an `else:` block for a loop drawn in `scope`: it runs unless a `break` left."""
    if draw(st.integers(0, 3)) != 3:
        return []
    return ["else:", *_indent(draw(_block(scope.enter(), signature, in_if=True)))]


@st.composite
def _while(draw, scope: _Scope, signature: str) -> list[str]:
    """`while` on a fresh counter, incremented once on every path through the body.

    Forms: the counter bounds the test and is incremented last (the body may not
    `continue`, which would skip it) or first; or `while True:` with the increment and a
    `break` on the counter first in the body, or last (and no `continue`)."""
    k = scope.fresh("k")
    bound = draw(st.sampled_from(("3", "n", "1", "0", *INT_VARS, "n + 1")))
    form = draw(st.integers(0, 3))
    step = f"{k} = {k} + 1"
    inner = scope.enter(k, loop=True, can_continue=form in (1, 2))
    if form < 2:
        test = f"{k} < {bound}"
        if draw(st.booleans()):  # an exit that depends on the data, the counter still bounding it
            test = f"({test}) {draw(st.sampled_from(('&', 'and')))} ({draw(_comparison(scope))})"
        body = draw(_block(inner, signature, in_if=False))
        body = [*body, step] if form == 0 else [step, *body]
        head = f"while {test}:"
    else:
        stop = f"{k} > {bound}" if form == 2 else f"{k} >= {bound}"
        if draw(st.booleans()):  # also leave on the data
            stop = f"({stop}) {draw(st.sampled_from(('|', 'or')))} ({draw(_comparison(inner))})"
        exit_ = [step, f"if {stop}:", "    break"]
        body = draw(_block(inner, signature, in_if=False))
        body = [*exit_, *body] if form == 2 else [*body, *exit_]
        head = "while True:"
    return [f"{k} = 0", head, *_indent(body), *draw(_loop_else(scope, signature))]


@st.composite
def _for(draw, scope: _Scope, signature: str) -> list[str]:
    """`for` over a static or traced `range`, or over an array's elements."""
    kind = draw(st.integers(0, 2))
    if kind == 2:
        e = scope.fresh("e")
        array = draw(st.sampled_from((*ARRAYS, f"jnp.flip({draw(st.sampled_from(ARRAYS))})")))
        body = draw(_block(scope.enter(floats=(e,), loop=True), signature, in_if=False))
        return [f"for {e} in {array}:", *_indent(body), *draw(_loop_else(scope, signature))]
    i = scope.fresh("i")
    if kind == 0:
        args = draw(st.sampled_from(_STATIC_RANGES))
    else:
        bounds = INT_PARAMS + INT_VARS
        args = draw(st.sampled_from(_TRACED_RANGES)).format(
            n=draw(st.sampled_from(bounds)), m=draw(st.sampled_from(bounds)))
    body = draw(_block(scope.enter(i, loop=True, index=True), signature, in_if=False))
    return [f"for {i} in range({args}):", *_indent(body), *draw(_loop_else(scope, signature))]


@st.composite
def _reader(draw, name: str) -> list[str]:
    """A closure `name()` reading variables when it is called, as a `def` or a lambda."""
    value = (f"jnp.tanh({draw(st.sampled_from(FLOAT_VARS))} + 0.25 * "
             f"{draw(st.sampled_from(INT_VARS))})")
    if draw(st.booleans()):
        return [f"{name} = lambda: {value}"]
    return [f"def {name}():", f"    return {value}"]


@st.composite
def _writer(draw, name: str) -> list[str]:
    """A closure `name()` assigning one of `f`'s variables through `nonlocal` (counting
    calls, or updating a float), and returning a float."""
    target = draw(st.sampled_from(INT_VARS + FLOAT_VARS))
    update = (f"({target} + 1) % {INT_MODULUS}" if target in INT_VARS
              else f"jnp.tanh({target} + {draw(st.sampled_from(_FLOAT_CONSTS))})")
    value = f"jnp.tanh({draw(st.sampled_from(FLOAT_VARS))})"
    return [f"def {name}():", f"    nonlocal {target}", f"    {target} = {update}", f"    return {value}"]


@st.composite
def _call_writer(draw, scope: _Scope) -> list[str]:
    return [f"{draw(st.sampled_from(FLOAT_VARS))} = {draw(st.sampled_from(scope.writers))}()"]


@st.composite
def _inner_closure(draw, scope: _Scope) -> list[str]:
    """A closure defined here (in a loop: anew each iteration) over the variables and
    indices in scope, called at once."""
    name = scope.fresh("h")
    index = draw(st.sampled_from(INT_VARS + scope.ints))
    return [f"def {name}():", f"    return jnp.tanh({draw(st.sampled_from(FLOAT_VARS))} * {index})",
            f"{draw(st.sampled_from(FLOAT_VARS))} = {name}()"]


@st.composite
def _late_binding(draw, scope: _Scope) -> list[str]:
    """Lambdas made in a loop over a tuple read its variable when called after the loop:
    each sees its last value."""
    k = next(scope.counter)
    values = ", ".join(draw(st.lists(st.sampled_from(_FLOAT_CONSTS), min_size=1, max_size=3)))
    return [f"fs{k} = []", f"for t{k} in ({values},):",
            f"    fs{k}.append(lambda: jnp.tanh(t{k} * {draw(st.sampled_from(FLOAT_VARS))}))",
            f"{draw(st.sampled_from(FLOAT_VARS))} = jnp.tanh(sum(g() for g in fs{k}))"]


_COMPOUND = {"if": _if, "match": _match, "while": _while, "for": _for}


@st.composite
def _statement(draw, scope: _Scope, signature: str, in_if: bool) -> list[str]:
    kinds = ["assign"] * 3  # as likely as a compound statement, so programs stay small
    if scope.depth < MAX_DEPTH:
        kinds += list(_COMPOUND)
    if in_if and scope.loops:  # `break` and `continue` under an `if` in a loop
        kinds += ["break", "continue"] if scope.can_continue else ["break"]
    if in_if or (scope.loops and draw(st.integers(0, 3)) == 3):  # in branches; rarer bare in loops
        kinds.append("return")
    kinds += ["closure", "late"]
    if scope.writers:
        kinds.append("writer")
    if scope.has_object:
        kinds.append("attribute")
    kind = draw(st.sampled_from(kinds))
    if kind == "closure":
        return draw(_inner_closure(scope))
    if kind == "late":
        return draw(_late_binding(scope))
    if kind == "writer":
        return draw(_call_writer(scope))
    if kind == "attribute":
        if draw(st.booleans()):
            return [f"{OBJECT}.t = {draw(_float_expr(scope))}"]
        return [f"{OBJECT}.k = {draw(_int_expr(scope))}"]
    if kind in ("break", "continue"):
        return [kind]
    if kind == "return":
        return draw(_return(scope, signature))
    if kind == "assign":
        return draw(_assign(scope))
    return draw(_COMPOUND[kind](scope, signature))


@st.composite
def _block(draw, scope: _Scope, signature: str, in_if: bool) -> list[str]:
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        lines += draw(_statement(scope, signature, in_if))
    return lines


@st.composite
def _returning_loop(draw, scope: _Scope, signature: str) -> list[str]:
    """A loop with an `else`, whose body returns under a condition first: in a nested
    function, the shape where lowering the outer function's `return`s once reached into the
    nested one's loops (tests/test_calls.py)."""
    i = scope.fresh("i")
    inner = scope.enter(i, loop=True, index=True)
    bounds = INT_PARAMS + INT_VARS
    args = draw(st.sampled_from((*_STATIC_RANGES, *_TRACED_RANGES))).format(
        n=draw(st.sampled_from(bounds)), m=draw(st.sampled_from(bounds)))
    body = [f"if {draw(_comparison(inner))}:", *_indent(draw(_return(inner, signature))),
            *draw(_block(inner, signature, in_if=False))]
    return [f"for {i} in range({args}):", *_indent(body),
            "else:", *_indent(draw(_block(scope.enter(), signature, in_if=True)))]


@st.composite
def _function(draw, name: str, signature: str, helpers: tuple[str, ...],
              inner: list[str] | None = None, returning_loop: bool = False) -> list[str]:
    """`def name(x, y, n, v):` returning values of the kinds in `signature` (`f`loat, `i`nt,
    `b`ool, `a`rray), as lines; its body starts with the lines `inner` (a nested function),
    and with `returning_loop` holds a `_returning_loop`."""
    lines = list(inner or [])
    starts = ("x", "y", "0.5", "jnp.sin(x + y)", "x * y", "jnp.sum(v) / 3", *(f"{h}({', '.join(PARAMS)})"
                                                                        for h in helpers))
    lines += [f"{v} = {draw(st.sampled_from(starts))}" for v in FLOAT_VARS]
    lines += [f"{v} = {draw(st.sampled_from(('n', '0', '2', f'(n + 1) % {INT_MODULUS}')))}"
              for v in INT_VARS]
    lines += [f"{v} = {draw(st.sampled_from(('x > 0.0', 'n > 2', 'False', 'True')))}" for v in BOOL_VARS]
    lines += [f"{v} = {draw(st.sampled_from(('v', 'jnp.sin(v)', 'jnp.zeros(3)')))}" for v in ARRAY_VARS]
    closures = tuple(f"r{k}" for k in range(draw(st.integers(0, 2))))
    writers = tuple(f"w{k}" for k in range(draw(st.integers(0, 2))))
    for closure in closures:
        lines += draw(_reader(closure))
    for writer in writers:
        lines += draw(_writer(writer))
    has_object = draw(st.booleans())
    if has_object:
        lines.append(f"{OBJECT} = types.SimpleNamespace(t={draw(st.sampled_from(FLOAT_VARS))}, "
                     f"k={draw(st.sampled_from(INT_VARS))})")
    scope = _Scope(ints=(f"{OBJECT}.k",) * has_object, floats=(f"{OBJECT}.t",) * has_object, helpers=helpers,
                   closures=closures, writers=writers, has_object=has_object)
    for _ in range(draw(st.integers(1, 4))):
        lines += draw(_statement(scope, signature, in_if=False))
    if returning_loop:
        lines += draw(_returning_loop(scope, signature))
    lines += draw(_return(scope, signature))
    return [f"def {name}({', '.join(PARAMS)}):", *_indent(lines)]


@st.composite
def programs(draw) -> Program:
    """A `Program` whose `f(x, y, n, v)` returns a tuple of floats, integers, bools and
    arrays (or one of them), and may call a helper `g` with control flow of its own, defined
    in the module or first thing in `f`."""
    lines, inner = [], []
    helpers = ()
    returning_loops = False  # in both: the shape `_returning_loop` is for
    if draw(st.booleans()):
        returning_loops = draw(st.booleans())
        helper = draw(_function(HELPER, "f", helpers=(), returning_loop=returning_loops))
        if draw(st.booleans()):
            lines += [*helper, "", ""]
        else:
            inner = helper
        helpers = (HELPER,)
    signature = "".join(draw(st.lists(st.sampled_from("fiba"), min_size=1, max_size=3)))
    lines += draw(_function("f", signature, helpers, inner, returning_loop=returning_loops))
    return Program(_HEADER + "\n".join(lines) + "\n", signature)


# Values a bool variable takes: Python's bools, and bool arrays (traced comparisons, `not`).
_BOOL_VALUES = ("True", "False", "x > y", "not (x > y)", "x > 0.5")
# What gives a Python bool in Python and a bool array in autocond, where traced.
_PYTHON_BOOLS = ("not (x > y)", "not q", "bool(x)", "n in (1, 3)", "y not in (0.5, 2.0)",
                 "any(t > 0.5 for t in v)", "all([x > 0.0, y > 0.0])", "max(bool(x), q)")
# Uses of it: as an int where Python's bools and bool arrays differ (`q + q`, `~q`), and where
# they agree (`q + 1`, a test).
_BOOL_USES = ("jnp.int32(q + q)", "jnp.int32(~q)", "jnp.int32(q + 1)", "jnp.where(q, x, y)")


@st.composite
def bool_programs(draw) -> Program:
    """A `Program` whose `f(x, y, n, v)` makes `q` a Python bool, then maybe a bool array in a
    traced `if`, loop, `not`, `in`, `bool(...)`..., and computes with it as an int (where the
    kinds differ) or not: the shape of a silently wrong result (`True + True` is 2; a bool
    array's, a logical or)."""
    value = st.sampled_from(_BOOL_VALUES)
    construct = draw(st.integers(0, 3))
    if construct == 0:
        body = [f"if {draw(st.sampled_from(('x > 0.0', 'y > x', 'n > 2')))}:", f"    q = {draw(value)}"]
        if draw(st.booleans()):
            body += ["else:", f"    q = {draw(value)}"]
    elif construct == 1:
        body = [f"for i in range({draw(st.sampled_from(('n', '6')))}):",
                "    if x > i * 0.5:", f"        q = {draw(value)}"]
    elif construct == 2:
        body = ["k = 0", "while k < n:", f"    q = {draw(value)}", "    k += 1"]
    else:
        body = [f"q = {draw(st.sampled_from(_PYTHON_BOOLS))}"]
    lines = [f"def f({', '.join(PARAMS)}):", f"    q = {draw(value)}", *_indent(body),
             f"    return {draw(st.sampled_from(_BOOL_USES))}"]
    return Program(_HEADER + "\n".join(lines) + "\n", "i")


# Values an accumulator starts as: Python numbers, a traced scalar, an array.
_STARTS = ("1.0", "2", "0.5", "x", "v")
# Terms of its next value: one making it an array, then elementwise ones (it may be broadcast
# to the array's shape first) or not (reductions, where a scalar and its broadcast differ).
_ARRAY_TERMS = ("jnp.sin(v * i)", "v - i")
_ELEMENTWISE_TERMS = ("s", "s * 0.5", "jnp.maximum(s, v)", "jnp.where(s > v, s, v)", "jnp.tanh(s) * x")
_REDUCED_TERMS = ("jnp.sum(s) * 0.25", "jnp.sum(s * v) * 0.25", "jnp.linalg.norm(s)")


@st.composite
def accumulator_programs(draw) -> Program:
    """A `Program` whose `f(x, y, n, v)` accumulates in `s` and `t`, which start as Python
    numbers (or traced scalars) and which a loop, maybe nested, makes arrays: the shape of a
    loop that may carry them broadcast from the start only where no reduction reads them
    (`jnp.sum(s * t)` reads both), whose jaxpr may be bound again on the types they become
    (a scalar broadcast, a weak type made strong; `r` through a traced `if`). The outer loop
    is a static `range`, or a `while` on a Python float `w` the body makes traced (which rolls
    from the start); `c` counts its trips as a Python int where nothing traced reaches it."""
    terms = [draw(st.sampled_from(_ARRAY_TERMS)),
             draw(st.one_of(st.sampled_from(_ELEMENTWISE_TERMS), st.sampled_from(_REDUCED_TERMS),
                            st.just("jnp.sum(s * t) * 0.25"))),
             *draw(st.lists(st.sampled_from(_ELEMENTWISE_TERMS), max_size=1))]
    update = [f"s = jnp.tanh({' + '.join(draw(st.permutations(terms)))})"]
    scalar = draw(st.booleans())  # `r`, a scalar a traced `if` makes strong: its branches' types joined
    if scalar:
        update += [f"if jnp.sum(v) > {draw(st.sampled_from(('i', '0.5', 'x')))}:",
                   f"    r = r * 0.5 + jnp.{draw(st.sampled_from(('sum', 'max')))}(s) * 0.25"]
    if draw(st.booleans()):  # a `while` on a Python float the body makes traced
        before, head, step = ["w = 0.0"], ["while w < 2.5:", "    i = w"], ["    w = w + 0.5 + jnp.abs(x)"]
    else:
        before, head, step = [], [f"for i in range({draw(st.sampled_from(('0', '1', '5', '6', '7')))}):"], []
    counted = draw(st.booleans())
    work = update + ["c = c + 1"] * counted  # stays a Python int: a static `range` of it is unrolled
    if draw(st.booleans()):
        work = [f"for j in range({draw(st.sampled_from(('2', '5')))}):", *_indent(work)]
    loop = [*head, *_indent(work), "    t = jnp.tanh(t + v * 0.5)", *step]
    lines = [f"def f({', '.join(PARAMS)}):", f"    s = {draw(st.sampled_from(_STARTS))}",
             f"    t = {draw(st.sampled_from(_STARTS))}", *["    c = 0"] * counted,
             *[f"    r = {draw(st.sampled_from(('0.0', '1', 'x')))}"] * scalar, *_indent(before),
             *_indent(loop), f"    return s, t{', c' * counted}{', r' * scalar}"]
    return Program(_HEADER + "\n".join(lines) + "\n", "a")


# Loops whose first iteration sets a variable later ones read: the head, and the first index.
_FIRST_LOOPS = (("for k in range(n):", "0"), ("for k in range(3):", "0"), ("for k in range(1, n + 1):", "1"),
                ("for k in range(3, 0, -1):", "3"))  # (a traced first index cannot be told apart)


@st.composite
def checked_programs(draw) -> Program:
    """A `Program` whose `f(x, y, n, v)` checks its arguments (`if ...: raise ValueError`, at
    the top, in a loop's body, or a `for`'s `else` raising where no `break` left it), and sets
    variables on a loop's first iteration that later iterations, and the code after the loop,
    read (`if k == 0: t = ... else: t = t * 0.5 + ...`; by a `for` over a static or traced
    range, or a `while` counting from 0). Python raises on some inputs: a check, or
    `UnboundLocalError` reading such a variable after a loop that ran zero times."""
    scope = _Scope(ints=())
    lines = ["a = x", "b = y", "c = 0.5", f"m = (n + 1) % {INT_MODULUS}", "p = 2", "q = x > 0.0", "s = v"]
    for j in range(draw(st.integers(1, 3))):
        kind = draw(st.integers(0, 3))
        if kind == 0:
            lines += [f"if {draw(_comparison(scope))}:", f"    raise ValueError('check {j} failed')"]
        elif kind == 1:
            head, first = draw(st.sampled_from(_FIRST_LOOPS))
            inner = scope.enter("k", loop=True, index=True)
            body = [f"if k == {first}:", f"    t{j} = {draw(_float_expr(inner))}", "else:",
                    f"    t{j} = jnp.tanh(t{j} * 0.5 + {draw(_float_expr(inner))})"]
            if draw(st.booleans()):
                body += [f"if {draw(_comparison(inner))}:", f"    raise ValueError('check {j} failed at', k)"]
            lines += [head, *_indent(body), f"{draw(st.sampled_from(FLOAT_VARS))} = t{j}"]
        elif kind == 2:
            inner = scope.enter("i", loop=True)
            lines += ["i = 0", "while i < n:", "    if i == 0:", f"        w{j} = {draw(_float_expr(inner))}",
                      "    else:", f"        w{j} = w{j} * 0.5 + {draw(_float_expr(inner))}", "    i += 1",
                      f"{draw(st.sampled_from(FLOAT_VARS))} = w{j}"]
        else:
            inner = scope.enter("k", loop=True, index=True)
            lines += ["for k in range(n):", f"    if {draw(_comparison(inner))}:", "        break", "else:",
                      f"    raise LookupError('no break in loop {j}')"]
        if draw(st.booleans()):
            lines += draw(_assign(scope))
    lines.append("return a, b, c")
    return Program(_HEADER + "\n".join([f"def f({', '.join(PARAMS)}):", *_indent(lines)]) + "\n", "fff")


_DIRECTORY = tempfile.mkdtemp(prefix="autocond_property_")
atexit.register(shutil.rmtree, _DIRECTORY, ignore_errors=True)


@contextlib.contextmanager
def loaded(program: Program) -> Iterator[Callable]:
    """Write `program` to a module file, import it and yield its function; remove both after.
    autocond reads source through `inspect`, so the file must exist while converting. The
    file is named after the source, so a failure hypothesis replays raises at the same
    `file:line` (or it would call the test flaky instead of reporting the program)."""
    name = f"autocond_property_{hashlib.sha256(program.source.encode()).hexdigest()[:16]}"
    path = os.path.join(_DIRECTORY, f"{name}.py")
    with open(path, "w") as file:
        file.write(program.source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        yield getattr(module, program.name)
    finally:
        del sys.modules[name]
        os.remove(path)
