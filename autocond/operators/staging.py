"""Tracing Python functions over JAX state into jaxprs, and merging what they produce.

A traced construct is staged in two steps: each branch (or a loop body) is traced once to a
jaxpr (`primitives.trace`), which tells the types of everything it produces; then a `cond`
(`primitives.switch`), `while_loop` or `scan` runs those jaxprs, with outputs cast to
the types the construct needs. Python is traced once per branch, and the types are known
before any `lax` call, so mismatches are reported with the variable's name instead of as a
`lax` error about positional outputs.
"""

from __future__ import annotations

import contextvars
import dataclasses
import dis
import functools
import io
import linecache
import re
import reprlib
import sys
import tokenize
import types
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jax
import numpy as np
from jax.extend.core import ClosedJaxpr, jaxpr_as_fun

from autocond import errors
from autocond.operators import effects, primitives
from autocond.operators.variables import (
    MaybeUnbound,
    StackedList,
    Undefined,
    UndefinedReturnValue,
    align_bound,
)

_PYTHON_NUMBERS = (bool, int, float, complex)


def site(depth: int = 2) -> str:
    """`file:line` of the generated statement calling the operator that calls this."""
    frame = sys._getframe(depth)
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


def stored_in(depth: int = 2) -> str:
    """The variable the generated statement calling the operator that calls this assigns its
    result to (`y` in `y = ac__.if_exp(...)`); "" if it assigns none."""
    frame = sys._getframe(depth)
    return _stored_in(frame.f_code, frame.f_lasti)


@functools.lru_cache(maxsize=1024)
def _stored_in(code: types.CodeType, offset: int) -> str:
    # The call is the last instruction at or before `offset` (which may be in its cache): the
    # next one stores its result, or not.
    after = next((i for i in dis.get_instructions(code) if i.offset > offset), None)
    return after.argval if after is not None and after.opname in _STORES else ""


def is_traced(value: Any) -> bool:
    return isinstance(value, jax.core.Tracer)


def is_constant(value: Any) -> bool:
    """A Python or NumPy number or array: static until it meets a traced value."""
    if type(value) in _PYTHON_NUMBERS:
        return True
    return isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind in "biufc"


def flatten(value: Any):
    """Leaves and structure, with `Undefined` placeholders as leaves, and a `StackedList` as
    the plain list it is (so that its structure is a list's)."""
    leaves, tree = jax.tree_util.tree_flatten(
        value, is_leaf=lambda x: isinstance(x, (Undefined, StackedList)))
    if any(isinstance(x, StackedList) for x in leaves):
        return flatten(tree.unflatten([list(x) if isinstance(x, StackedList) else x for x in leaves]))
    return leaves, tree


def as_tuple(value: Any, names: Sequence[str]) -> tuple:
    """Generated functions return a lone variable bare, several as a tuple."""
    return (value,) if len(names) == 1 else tuple(value)


def from_tuple(values: Sequence[Any], names: Sequence[str]) -> Any:
    return values[0] if len(names) == 1 else tuple(values)


def predicate(test: Any, where: str) -> jax.Array:
    """A condition as the scalar bool `lax` needs, with Python's truth rules (a Python value,
    such as `while True`'s, becomes a constant)."""
    test = jax.numpy.asarray(test)
    shape = test.shape
    if shape not in ((), (1,)):
        raise ValueError(
            f"The condition of {where} has shape {shape}: the truth value of an array with "
            "more than one element is ambiguous. Reduce it with `.any()` or `.all()`."
        )
    if shape:
        test = test.reshape(())
    return test if test.dtype == bool else test != 0


# --- values with traced leaves replaced by markers -------------------------------------------


@dataclasses.dataclass(frozen=True)
class Out:
    """A traced output leaf: its position among a jaxpr's outputs, and its type."""

    index: int
    aval: Any


@dataclasses.dataclass(frozen=True)
class Zeros:
    """Zeros standing in for a value a branch does not produce (see UndefinedReturnValue)."""

    aval: Any


@dataclasses.dataclass(frozen=True)
class Result:
    """Position of a leaf among the results of the `lax` call that merges branches."""

    index: int


@dataclasses.dataclass
class Traced:
    jaxpr: ClosedJaxpr
    outputs: tuple  # the function's outputs, with traced leaves replaced by `Out`


_tracing = contextvars.ContextVar("autocond_tracing", default=False)


def tracing() -> bool:
    """Whether a branch or loop body is being traced (by `trace`) here."""
    return _tracing.get()


def trace(fn: Callable[..., tuple], avals: Sequence[Any], where: str,
          carried: frozenset[int] = frozenset()) -> Traced:
    """Trace `fn` on abstract arguments of the given types, for the construct `where`,
    which carries the cells `carried` (`effects.cells`): stores to other variables of other
    scopes are errors, and all are undone after tracing."""
    outputs = []

    def flat_fn(*args):
        leaves, tree = flatten(fn(*args))
        traced = [leaf for leaf in leaves if isinstance(leaf, jax.Array)]
        positions = iter(range(len(traced)))
        marked = [Out(next(positions), jax.typeof(leaf)) if isinstance(leaf, jax.Array) else leaf
                  for leaf in leaves]
        outputs.append(tree.unflatten(marked))
        return traced

    token = _tracing.set(True)
    try:
        with effects.recorded() as stores:
            jaxpr = primitives.trace(flat_fn, avals)
    except RecursionError:
        raise errors.StagingError(
            f"Python's recursion limit was reached while tracing {where}. Every branch of a traced "
            "construct is traced, so a recursion that a traced condition would stop never ends while "
            "tracing. Make the condition that stops it static (e.g. with `static_argnames`), or write "
            "the recursion as a loop.") from None
    finally:
        _tracing.reset(token)
    effects.check(stores, carried, where)
    return Traced(jaxpr, outputs[0])


def aval_of(leaf: Any):
    return leaf.aval if isinstance(leaf, (Out, Zeros)) else jax.typeof(leaf)


def resolve(leaf: Any, outs: Sequence[Any]) -> Any:
    """The value a marked leaf stands for, given the jaxpr's outputs."""
    if isinstance(leaf, Out):
        return outs[leaf.index]
    if isinstance(leaf, Zeros):
        return np.zeros(leaf.aval.shape, leaf.aval.dtype)
    return leaf


def cast(value: Any, aval: Any) -> Any:
    """`value` as type `aval`; no equation when it already is."""
    current = jax.typeof(value)
    if current.dtype == aval.dtype and current.weak_type == aval.weak_type:
        return value
    return primitives.convert_element_type(value, np.dtype(aval.dtype), weak_type=aval.weak_type)


def join(a: Any, b: Any) -> Any:
    """The type both `a` and `b` promote to, as `jnp` promotes them (weak types included)."""
    if a == b:
        return a

    def operand(aval):
        if aval.weak_type and aval.dtype.kind in "iufc":
            return {"i": int, "u": int, "f": float, "c": complex}[aval.dtype.kind]
        return aval.dtype

    dtype, weak = jax.dtypes.result_type(operand(a), operand(b), return_weak_type_flag=True)
    return a.update(dtype=dtype, weak_type=weak)


def same_static(a: Any, b: Any) -> bool:
    """Whether two untraced leaves are interchangeable (bit-identical numbers, equal objects)."""
    if a is b:
        return True
    if type(a) is not type(b) or isinstance(a, (Out, Zeros, Undefined)):
        return False
    if type(a) in _PYTHON_NUMBERS:
        return repr(a) == repr(b)  # tells 0.0 from -0.0 and matches nan with nan
    if isinstance(a, (np.ndarray, np.generic)):
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    try:
        return bool(a == b)
    except Exception:
        return False


def describe(leaf: Any) -> str:
    """A leaf for error messages: its type for arrays, its value for other objects."""
    if isinstance(leaf, (Out, Zeros)) or is_constant(leaf) or isinstance(leaf, jax.Array):
        return aval_of(leaf).str_short(short_dtypes=True)
    if isinstance(leaf, Undefined):
        return "unbound"
    return f"the {type(leaf).__name__} {reprlib.repr(leaf)}"


def _is_bool_array(leaf: Any) -> bool:
    """Whether a leaf is a bool array (not a Python bool, which computes as an int)."""
    return type(leaf) is not bool and np.dtype(aval_of(leaf).dtype) == bool


# --- the rules of carried values --------------------------------------------------------------
# A variable's values on the paths through a traced construct (the branches of an `if`, or
# before a loop and after an iteration) become one value of one type; where they cannot, each
# variable that breaks a rule is named, and all are listed in one error.


@dataclasses.dataclass(frozen=True)
class Paths:
    """The paths through the construct `where` a variable's values come from, as errors name
    them (`labels`: "in the `if` branch", "before the loop"...); `loop` for a loop's. The
    `functions` generated for its blocks hold the user's statements that assign them. For
    the return value (`returned`), `labels` name the `return`s instead."""

    where: str
    labels: tuple[str, ...]
    loop: bool = False
    functions: tuple[Callable, ...] = ()
    returned: bool = False

    @staticmethod
    def subject(path: str) -> str:
        """How errors name `path`, first in a sentence: `x[0]` for a variable's; for a value
        that is none ("the return value"), its description ("The return value at `[0]`")."""
        root, bracket, rest = path.partition("[")
        if all(part.isidentifier() for part in root.split(".")):
            return f"`{path}`"
        return root[0].upper() + root[1:] + (f" at `[{rest}`" if bracket else "")

    def kinds(self, leaves: Sequence[Any], path: str) -> str:
        """The values of `path` on the paths, and where the construct assigns it."""
        kinds = ", ".join(f"{describe(x)} {label}" for x, label in zip(leaves, self.labels))
        return kinds + self.assigned(path)

    def assigned(self, path: str) -> str:
        """`; it is assigned by `x = ...` at f.py:9`: the user's statements in the construct
        that assign `path`, if any."""
        shown = assigning(self.functions, path)
        return f"; it is assigned by {shown}" if shown else ""

    def different(self, what: str) -> str:
        return f"a different {what} {'in' if self.loop else 'in the branches of'} {self.where}"


_SHOWN = 3  # the statements an error shows that assign a variable
_STORES = {"STORE_FAST", "STORE_DEREF", "STORE_NAME", "STORE_GLOBAL"}
# The headers of the user's constructs: generated code assigns the variables they carry there.
# `match` and `case` are names too (`match = re.match(...)`): headers only where a `:` ends them.
_HEADERS = re.compile(r"(if|elif|else|while|for|def|with|try)\b|(match|case)\b.*:$")


def assigning(functions: Sequence[Callable], path: str) -> str:
    """``x = ...` at f.py:9, `x = ...` at f.py:12`: the user's statements in `functions` that
    assign `path` (`assignments`), the first `_SHOWN` of them; "" if none."""
    statements = assignments(functions, path)
    shown = ", ".join(f"`{text}` at {where}" for where, text in statements[:_SHOWN])
    return shown + (f" and {len(statements) - _SHOWN} more" if len(statements) > _SHOWN else "")


def assignments(functions: Sequence[Callable], path: str) -> list[tuple[str, str]]:
    """The user's statements in `functions` (generated for a construct's blocks, with the
    functions inside them) that assign the variable of `path` (`x`, `x['key']`, `obj.attr`):
    `file:line` and source text each, in order."""
    base = path.split("[")[0]
    opnames, name = ({"STORE_ATTR"}, base.rpartition(".")[2]) if "." in base else (_STORES, base)
    found = {}
    todo = [fn.__code__ for fn in functions if hasattr(fn, "__code__")]
    while todo:
        code = todo.pop()
        todo += [c for c in code.co_consts if isinstance(c, types.CodeType)]
        for instruction in dis.get_instructions(code):
            line = instruction.positions.lineno if instruction.positions else None
            if instruction.opname in opnames and instruction.argval == name and line:
                text = _code_of(linecache.getline(code.co_filename, line))
                if text and not _HEADERS.match(text):
                    found[(code.co_filename, line)] = text
    return [(f"{file}:{line}", text) for (file, line), text in sorted(found.items())]


def returned_by(file: str, lines: Sequence[int]) -> str:
    """"`return x` at f.py:9 or `return y` at f.py:12": the `return`s at `lines` of `file`
    (0: falling off the end of the function)."""
    return " or ".join(f"{_quoted(file, line) or 'the `return`'} at {file}:{line}" if line else
                       "falling off the end of the function (`None`)"
                       for line in lines) or "an earlier `return`"


def _quoted(file: str, line: int) -> str:
    """"`x = y + 1`": the statement at `line` of `file` as errors show it; "" if its source is
    not known."""
    text = _code_of(linecache.getline(file, line))
    return f"`{text}`" if text else ""


def _code_of(line: str) -> str:
    """A line of source without its indentation and comment; "..." where the statement goes on."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(line.strip()).readline))
    except (tokenize.TokenError, SyntaxError):  # part of a statement of several lines
        return line.strip() + " ..."
    comment = next((t.start[1] for t in tokens if t.type == tokenize.COMMENT), None)
    return line.strip()[:comment].rstrip()


class Problems:
    """The variables of one construct that break the rules, raised together (`check`)."""

    def __init__(self, where: str):
        self.where, self.found = where, []

    def add(self, message: str) -> None:
        self.found.append(message)

    def check(self) -> None:
        if len(self.found) == 1:
            raise errors.StagingError(self.found[0])
        if self.found:
            raise errors.StagingError(
                f"{self.where[0].upper()}{self.where[1:]} cannot carry {len(self.found)} of its "
                "variables:" + "".join(f"\n- {m}" for m in self.found))


def static_problem(path: str, leaves: Sequence[Any], paths: Paths) -> str | None:
    """A value that is not an array or a number on some path must be the same on every path."""
    if all(same_static(leaves[0], x) for x in leaves[1:]) or all(
            isinstance(x, (Out, Zeros)) or is_constant(x) or isinstance(x, jax.Array) for x in leaves):
        return None
    construct, static = ("loop", "the trip count") if paths.loop else ("`if`", "the condition")
    return (f"{paths.subject(path)} is not a JAX value on every path through {paths.where}, and it differs: "
            f"{paths.kinds(leaves, path)}. Only arrays and numbers can differ between the "
            f"{'iterations' if paths.loop else 'branches'} of a traced {construct}; compute this value "
            f"outside the {construct}, or make {static} static (e.g. `static_argnames`).")


def shape_problem(path: str, leaves: Sequence[Any], paths: Paths) -> str | None:
    """Every path must give a value one shape (a loop may broadcast a scalar: `loops`)."""
    if all(aval_of(x).shape == aval_of(leaves[0]).shape for x in leaves[1:]):
        return None
    fix = ("A traced loop keeps the shape of each variable it carries; preallocate it with its "
           "final shape before the loop." if paths.loop else
           "Every `return` a traced condition picks between must give the same shape: pad or slice "
           "the values to one shape, or make the condition static (e.g. `static_argnames`)." if paths.returned
           else "Every branch of a traced `if` must give it the same shape: pad or slice it to one "
           "shape in each branch, or make the condition static (e.g. `static_argnames`).")
    return f"{paths.subject(path)} has {paths.different('shape')}: {paths.kinds(leaves, path)}. {fix}"


def dtype_problem(path: str, leaves: Sequence[Any], paths: Paths) -> str:
    """A loop keeps a strong dtype (only a weak one, a Python number's, is promoted)."""
    after = aval_of(leaves[-1]).dtype.name
    return (f"`{path}` has {paths.different('dtype')}: {paths.kinds(leaves, path)}. A traced loop keeps "
            f"the dtype of each variable it carries; convert it before the loop, e.g. "
            f"`{path} = {path}.astype(jnp.{after})`.")


def structure_problem(name: str, values: Sequence[Any], trees: Sequence[Any], paths: Paths,
                      first: int = 0) -> str | None:
    """Every path must give a variable the structure it has on path `first`: for the return
    value, naming the `return`s; for dicts, naming a key only one path sets."""
    other = next((k for k, tree in enumerate(trees) if tree != trees[first]), None)
    if other is None:
        return None
    (a, b), (tree_a, tree_b) = (values[first], values[other]), (trees[first], trees[other])
    if paths.returned:
        return (f"The function returns a different structure on the paths through {paths.where}: "
                f"{tree_a} {paths.labels[first]}, {tree_b} {paths.labels[other]}. Every `return` "
                "must give the same structure (containers, lengths, keys) where a traced "
                "condition picks between them; make them agree, or make the condition static "
                "(e.g. `static_argnames`).")
    if isinstance(a, dict) and isinstance(b, dict) and set(a) != set(b):
        key = min(set(a) ^ set(b), key=repr)
        has, lacks = (first, other) if key in a else (other, first)
        every, before = (("iteration of a traced loop", "loop") if paths.loop
                         else ("branch of a traced `if`", "`if` or in every branch"))
        return (f"`{name}[{key!r}]` is set {paths.labels[has]} of {paths.where} but not {paths.labels[lacks]}"
                f"{paths.assigned(name)}. "
                f"Every {every} must give `{name}` the same keys: set `{name}[{key!r}]` before the "
                f"{before}.")
    lists = isinstance(a, list) and isinstance(b, list) and not paths.loop
    fix = ("A traced loop must keep the structure of the variables it carries (containers, "
           "lengths, keys)." if paths.loop else
           "Every branch of a traced `if` must give it the same structure (containers, lengths, keys)"
           + ("; append to a list in every branch or in none." if lists else "."))
    return (f"{paths.subject(name)} has {paths.different('structure')}: {tree_a} {paths.labels[first]}, "
            f"{tree_b} {paths.labels[other]}{paths.assigned(name)}. {fix}")


def int_kind_problem(path: str, leaves: Sequence[Any], paths: Paths, target: Any,
                     use: str | None) -> str | None:
    """The variable `path`, which the function computes with as an int at `use`, must not be a
    bool array on some of the paths (`leaves`) but not on all: a Python bool there counts as
    an int (`True + True == 2`), a bool array does not, so no one value of type `target`
    keeps Python's results."""
    if use is None or {_is_bool_array(x) for x in leaves if not isinstance(x, Zeros)} <= {
            np.dtype(target.dtype) == bool}:
        return None

    def kind(x):
        if type(x) in _PYTHON_NUMBERS:
            return f"the Python {type(x).__name__} {x!r}"
        return "a bool array" if _is_bool_array(x) else describe(x)

    described = ", ".join(f"{kind(x)} {label}" for x, label in zip(leaves, paths.labels)
                          if not isinstance(x, Zeros))
    return (f"`{path}` is {described} ({paths.where}){paths.assigned(path)}, and the function computes "
            f"with it as an int at {use}: Python counts a bool as the int it is (`True + True == 2`) but "
            "JAX adds bool arrays as a logical or, so no one value keeps Python's results. Give it one "
            f"kind on every path: bool arrays (`{path} = jnp.asarray(...)`) to compute as JAX does, or ints "
            f"(`{path} = jnp.int32(...)`) to count as Python does.")


def leaf_paths(name: str, value: Any) -> list[str]:
    """`name`, `name[0]`, `name['k']`... for each leaf of `value`, for error messages."""
    paths, _ = jax.tree_util.tree_flatten_with_path(value, is_leaf=lambda x: isinstance(x, Undefined))
    return [name + jax.tree_util.keystr(path) for path, _ in paths]


# --- the state a construct carries ---------------------------------------------------------


class State:
    """Variables' values split into the leaves JAX traces (arrays) and the static rest."""

    def __init__(self, values: tuple, carry_constants: bool = False):
        self.values = values
        self.leaves, self.tree = flatten(values)
        # A loop carries Python numbers as arrays, converted once before the loop.
        self.dynamic = [isinstance(x, jax.Array) or (carry_constants and is_constant(x))
                        for x in self.leaves]
        self.operands = [jax.numpy.asarray(x) for x, d in zip(self.leaves, self.dynamic) if d]

    def rebuild(self, operands: Sequence[Any]) -> tuple:
        it = iter(operands)
        return self.tree.unflatten([next(it) if d else x for x, d in zip(self.leaves, self.dynamic)])


# --- merging branches -----------------------------------------------------------------------


@dataclasses.dataclass
class Merge:
    outputs: list  # per variable: its value with merged leaves replaced by `Result`
    sources: list  # per branch: for each result, the marked leaf that branch produces
    types: list  # for each result, its type


_RETURN_VALUE = "the return value"  # as errors name it


def merge(branches: Sequence[tuple], names: Sequence[str], where: str, labels: Sequence[str],
          returned: Sequence[bool], returns: Mapping[str, Sequence[str]] = {},
          int_uses: Mapping[str, str] = {}, functions: tuple[Callable, ...] = ()) -> Merge:
    """Plan how the outputs of several traced branches become one set of values.

    `returned[b]` says branch `b` is a path on which the function has already returned.
    `returns` maps the return value's variable to the `return`s each branch's value may come
    from (`returned_by`).
    `int_uses` maps the variables the function computes with as ints to where it does
    (`int_kind_problem`). Each variable that breaks a rule is named in one error, with the
    user's statements in the branches' `functions` that assign it.
    """
    plan = Merge([], [[] for _ in branches], [])
    paths = Paths(where, tuple(f"in {label}" for label in labels), functions=functions)
    problems = Problems(where)
    read = [k for k, r in enumerate(returned) if not r]  # the paths that read the variables again
    for k, name in enumerate(names):
        named, label = paths, name
        if name in returns:  # the return value, from the `return`s
            named = Paths(where, tuple(f"from {r}" for r in returns[name]), returned=True)
            label = _RETURN_VALUE
        values = align_bound([branch[k] for branch in branches])
        unbound = [isinstance(v, Undefined) for v in values]
        if all(unbound):  # unbound whatever the branch: it stays so
            plan.outputs.append(next((v for v in values if v.reason), values[0]))
            continue
        if any(unbound):
            defined = values[unbound.index(False)]
            # Zeros where it is unbound (a `MaybeUnbound`'s flag: False)
            filler = jax.tree_util.tree_map(lambda x: Zeros(x.aval) if isinstance(x, Out) else x, defined)
            missing = [label for v, u, r, label in zip(values, unbound, returned, labels)
                       if u and not (isinstance(v, UndefinedReturnValue) or r)]
            if missing:  # read where it is unbound only if a branch leaving it so ran: checked then
                shown = assigning(functions, name)
                reason = (f"it is assigned in some branches of {where}{f' (by {shown})' if shown else ''} "
                          f"but not in {' or '.join(missing)}, which ran. Assign `{name}` before the `if` "
                          "or in every branch")
                filler = MaybeUnbound(filler.value if isinstance(filler, MaybeUnbound) else filler, False,
                                      name, (*getattr(filler, "reasons", ()), reason))
            values = align_bound([filler if u else v for v, u in zip(values, unbound)])
        flat = [flatten(v) for v in values]
        trees = [tree for _, tree in flat]
        # compared with a branch that binds it, not a filler
        problem = structure_problem(label, values, trees, named, unbound.index(False))
        if problem:
            problems.add(problem)
            continue
        merged = []
        for path, leaves in zip(leaf_paths(label, values[0]), zip(*(leaves for leaves, _ in flat))):
            merged.append(_merge_leaf(plan, path, leaves, named, read, int_uses.get(name), problems))
        plan.outputs.append(trees[0].unflatten(merged))
    problems.check()
    return plan


def _merge_leaf(plan: Merge, path: str, leaves: tuple, paths: Paths, read: Sequence[int],
                int_use: str | None, problems: Problems) -> Any:
    if all(same_static(leaves[0], x) for x in leaves[1:]):
        return leaves[0]
    problem = static_problem(path, leaves, paths) or shape_problem(path, leaves, paths)
    if problem is None:
        target = functools.reduce(join, [aval_of(x) for x in leaves])
        problem = int_kind_problem(path, [leaves[k] for k in read], dataclasses.replace(
            paths, labels=tuple(paths.labels[k] for k in read)), target, int_use)
    if problem:
        problems.add(problem)
        return leaves[0]
    for sources, leaf in zip(plan.sources, leaves):
        sources.append(leaf)
    plan.types.append(target)
    return Result(len(plan.types) - 1)


def evaluate(traced: Traced, sources: Sequence[Any], types: Sequence[Any], operands: Sequence[Any]) -> list:
    """Evaluate a traced function on `operands`; return its marked leaves `sources` as `types`
    (where none is an output, without evaluating it)."""
    outs = jaxpr_as_fun(traced.jaxpr)(*operands) if any(isinstance(s, Out) for s in sources) else []
    return [cast(resolve(s, outs), t) for s, t in zip(sources, types)]


def closed(traced: Traced, sources: Sequence[Any], types: Sequence[Any]) -> ClosedJaxpr:
    """The jaxpr of `evaluate(traced, sources, types, ...)`, without tracing `traced`
    again: its outputs picked where every source is one of them of the type wanted, else
    followed by the casts and constants the sources need (`primitives.then`)."""
    jaxpr = traced.jaxpr.jaxpr
    if all(isinstance(s, Out) and s.aval == t for s, t in zip(sources, types)):
        outvars = [jaxpr.outvars[s.index] for s in sources]
        return ClosedJaxpr(jaxpr.replace(outvars=outvars), traced.jaxpr.consts)
    return primitives.then(traced.jaxpr,
                           lambda *outs: [cast(resolve(s, outs), t) for s, t in zip(sources, types)])


def fill(outputs: list, results: Sequence[Any]) -> list:
    """The variables' values, with each `Result` replaced by its value."""
    return [jax.tree_util.tree_map(lambda x: results[x.index] if isinstance(x, Result) else x, v,
                                   is_leaf=lambda x: isinstance(x, Undefined)) for v in outputs]
