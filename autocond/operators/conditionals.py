"""Runtime of converted `if` statements: plain Python or `lax.cond`, decided at trace time."""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from autocond import errors
from autocond.operators import checks, effects, lowerings, primitives, staging


def if_stmt(test: Any, if_true: Callable, if_false: Callable, inputs: tuple,
            names: Sequence[str], returned: tuple[bool, bool] = (False, False),
            return_lines: Mapping[str, tuple[Sequence[int], Sequence[int]]] = {},
            int_operands: Mapping[str, int] = {}, guarded: tuple[str, int] | None = None) -> Any:
    """Runs one branch, as Python does::

        def if_stmt(test, if_true, if_false, inputs, names):
            return if_true(*inputs) if test else if_false(*inputs)

    `inputs` are the variables the branches may read before assigning; both branches return
    the variables in `names` (one bare, several as a tuple). A branch is None where it
    changes nothing (an `if` without `else`): `names` are then `inputs`, which keep their
    values. When `test` is a Python value or
    a concrete array, that is exactly what happens, and the other branch is never traced.

    When `test` is traced, both branches are traced and `lax.cond` picks one at run time.
    Then each variable in `names` must have the same structure and shape in both branches;
    dtypes are promoted as `jnp` would (`1` in one branch and `2.0` in the other give a
    float); values that are not arrays or numbers must be the same in both; a variable
    assigned in only one branch has no value after the `if` (reading it raises). A variable
    the function computes with as an int (`q + q`; `int_operands` gives the line doing it)
    must be a bool array in every branch or in none: a Python bool is an int there.
    `guarded` marks the guards of lowered exits (`if not break_:` and the rest of the loop's
    body): the kind and line of the exit, which errors name instead of an `if` the user did not
    write.

    `returned` marks the branches after which the function has returned (a branch ending in
    a lowered `return`, or the `else` of the `if not do_return:` guards that follow one): no
    variable is read again on such a path, so what it leaves unbound may carry zeros.
    `return_lines` maps the variable lowered `return` statements assign to the lines of
    those whose value it may hold after each branch (0: falling off the end), for errors.
    """
    if_true, if_false = if_true or _unchanged, if_false or _unchanged
    if not staging.is_traced(test):
        if lowerings.wanted() and not guarded:
            lowerings.static(staging.site(), "`if`", test)
        return if_true(*inputs) if test else if_false(*inputs)
    here = staging.site()
    where, labels = f"the traced `if` at {here}", ("the `if` branch", "the `else` branch")
    if guarded:
        kind, line = guarded
        where = f"the traced `{kind}` at {here.rpartition(':')[0]}:{line}"
        rest = "the rest of the function" if kind == "return" else "the rest of the loop body"
        labels = (rest, f"the path of the `{kind}`")
    return staged(test, (if_true, if_false), inputs, names, where, labels, returned,
                  return_sources(return_lines, here), int_uses(int_operands, here))


def _unchanged(*inputs: Any) -> Any:
    """A branch that changes nothing: its variables as they are."""
    return inputs[0] if len(inputs) == 1 else inputs


def return_sources(return_lines: Mapping[str, Sequence[Sequence[int]]], here: str) -> dict[str, list[str]]:
    """The `return`s the return value may come from after each branch (`staged`'s `returns`),
    from their lines (0: falling off the end of the function)."""
    file = here.rpartition(":")[0]
    return {name: [staging.returned_by(file, branch) for branch in lines]
            for name, lines in return_lines.items()}


def int_uses(int_operands: Mapping[str, int], here: str) -> dict[str, str]:
    """`file:line` of where the function computes with each variable as an int."""
    file = here.rpartition(":")[0]
    return {name: f"{file}:{line}" for name, line in int_operands.items()}


def staged(test: Any, branches: tuple[Callable, ...], inputs: tuple, names: Sequence[str],
           where: str, labels: tuple[str, ...], returned: tuple[bool, ...] = (False, False),
           returns: Mapping[str, Sequence[str]] = {}, int_uses: Mapping[str, str] = {},
           carried: frozenset[int] | None = None) -> Any:
    """`if_stmt` for a traced `test`: both branches traced, `lax.cond` picking one; with
    more branches, `test` is the index of the one `lax.switch` runs (in range). `where` and
    `labels` name the construct and its branches in errors; `int_uses`, where the function
    computes with variables as ints (`staging.merge`). `carried` are the cells through which
    the branches carry `names` (`effects.cells`, by default of `branches`)."""
    pred = staging.predicate(test, where) if len(branches) == 2 else test
    state = staging.State(inputs)
    avals = [op.aval for op in state.operands]
    carried = effects.cells(branches, names) if carried is None else carried
    traced = []
    taken = ([lambda: pred, lambda: ~pred] if len(branches) == 2
             else [functools.partial(operator.eq, pred, k) for k in range(len(branches))])
    for branch, reached in zip(branches, taken):
        with checks.reached_only_if(reached):
            traced.append(staging.trace(
                lambda *ops, f=branch: staging.as_tuple(f(*state.rebuild(ops)), names),
                avals, where, carried))
    plan = staging.merge([t.outputs for t in traced], names, where, labels, returned, returns, int_uses,
                         branches)
    sources, computed = plan.sources, {}
    if len(traced) == 2:  # the branch for a false `pred` first, as `lax.cond` has them
        traced, sources = traced[::-1], sources[::-1]
    # A result every branch gives as a Python constant (a flag it sets) is picked after.
    inside = [r for r in range(len(plan.types)) if not all(staging.is_constant(s[r]) for s in sources)]
    if (inside and any(t.jaxpr.eqns for t in traced)) or any(t.jaxpr.effects for t in traced):
        jaxprs = [staging.closed(t, [s[r] for r in inside], [plan.types[r] for r in inside])
                  for t, s in zip(traced, sources)]
        computed = dict(zip(inside, primitives.switch(pred, jaxprs, state.operands)))
    if lowerings.wanted():
        lowerings.traced(where, test, lowerings.SELECT if not computed else lowerings.COND if len(traced) == 2
                         else lowerings.SWITCH)
    # The others only pick values computed already (or constants): a `select_n`, not a `cond`.
    picked = [r for r in range(len(plan.types)) if r not in computed]
    values = [staging.evaluate(t, [s[r] for r in picked], [plan.types[r] for r in picked], state.operands)
              for t, s in zip(traced, sources)]
    computed.update((r, _select(pred, column, [s[r] for s in sources], plan.types[r]))
                    for r, column in zip(picked, zip(*values)))
    return staging.from_tuple(staging.fill(plan.outputs, [computed[r] for r in range(len(plan.types))]),
                              names)


def _select(pred: Any, values: Sequence[Any], sources: Sequence[Any], aval: Any) -> Any:
    """`lax.select_n(pred, *values)` (of type `aval`); for a bool `pred` picking between
    bools one of which a branch sets to a Python bool (a `break` or `return` flag), the `|`
    or `&` that is: XLA runs a loop carrying such a flag faster so (measured: 2x on a
    `while` with a `break`)."""
    if len(values) == 2 and aval.dtype == bool:
        (if_false, if_true), (set_if_false, set_if_true) = values, sources
        if type(set_if_true) is bool and type(set_if_false) is bool and set_if_true != set_if_false:
            return pred if set_if_true else ~pred
        if type(set_if_true) is bool:
            return pred | if_false if set_if_true else ~pred & if_false
        if type(set_if_false) is bool:
            return ~pred | if_true if set_if_false else pred & if_true
    return lax.select_n(pred, *values)


def switch_stmt(subject: Any, cases: Sequence[Sequence[Any]], branches: Sequence[Callable],
                inputs: tuple, names: Sequence[str], returned: Sequence[bool] = (),
                return_lines: Mapping[str, Sequence[Sequence[int]]] = {},
                int_operands: Mapping[str, int] = {}) -> Any:
    """Runs the branch of the first case with a value equal to `subject`, as an `if`/`elif`
    chain (or `match` on literals) does::

        def switch_stmt(subject, cases, branches, inputs, names):
            for values, branch in zip(cases, branches):
                if any(subject == v for v in values):
                    return branch(*inputs)
            return branches[-1](*inputs)    # the `else` (or doing nothing)

    `branches` has one more function than `cases`: the default. As in `if_stmt`, a branch
    that changes nothing (the default of a chain without `else`) is None. With `subject` traced, all
    branches are traced and one `lax.switch` runs the chosen one; autocond computes its index
    itself (`lax.switch` would clamp an index out of range), so a value no case has takes
    the default, as in Python. The rules of `if_stmt` apply to the variables; `returned` and
    `return_lines` are `if_stmt`'s, with one entry per branch.
    """
    branches = tuple(branch or _unchanged for branch in branches)
    k = None if staging.is_traced(subject) else _concrete_case(subject, cases)
    if k is not None:
        if lowerings.wanted():
            lowerings.static(staging.site(), "`if`/`elif` chain or `match`", subject)
        return branches[k](*inputs)
    here = staging.site()
    where = f"the traced `if`/`elif` chain or `match` at {here}"
    labels = [f"the branch for {' or '.join(map(repr, values))}" for values in cases] + ["the default branch"]
    return staged(_case_index(subject, cases, where), tuple(branches), inputs, names, where, tuple(labels),
                  tuple(returned) or (False,) * len(branches), return_sources(return_lines, here),
                  int_uses(int_operands, here))


def _case_index(subject: Any, cases: Sequence[Sequence[Any]], where: str) -> jax.Array:
    """The position of the first case with a value equal to the traced `subject`, or
    `len(cases)` for none: looked up in a table (`_case_table`), else one comparison and one
    `select_n` per value, the last case's first, so that the first case matching wins. For
    one case (two branches, which `staged` picks by a bool), whether it matches: the
    comparisons joined by `|`."""
    if len(cases) > 1 and (table := _case_table(subject, cases)) is not None:
        low, positions = table
        low, high = (np.asarray(v, jax.typeof(subject).dtype) for v in (low, low + len(positions) - 1))
        at = lax.clamp(low, subject, high) - low
        return lax.squeeze(lax.dynamic_slice(positions, (at,), (1,), allow_negative_indices=False), (0,))
    hits = [[staging.predicate(subject == value, where) for value in values] for values in cases]
    if len(cases) == 1:
        return functools.reduce(operator.or_, hits[0])
    index = jnp.int32(len(cases))
    for k in reversed(range(len(cases))):
        for hit in hits[k]:
            index = lax.select(hit, jnp.int32(k), index)
    return index


_TABLE_SPAN = 34  # case values (and one each side) spanning at most this many ints: a table


def _case_table(subject: Any, cases: Sequence[Sequence[Any]]) -> tuple[int, np.ndarray] | None:
    """For a traced scalar of a signed int type and cases of int values close together, the
    position of the first case of each value from `low` (one below the least) to one above
    the greatest, whose neighbours outside take the default, as the subject clamped there
    does: one lookup instead of a comparison and a `select_n` per value."""
    aval, values = jax.typeof(subject), [v for vs in cases for v in vs]
    ints = all(type(v) is int for v in values)
    if aval.shape or not jnp.issubdtype(aval.dtype, jnp.signedinteger) or not ints:
        return None
    low, high, bounds = min(values) - 1, max(values) + 1, jnp.iinfo(aval.dtype)
    if high - low >= _TABLE_SPAN or low < bounds.min or high > bounds.max:
        return None
    return low, np.array([next((k for k, vs in enumerate(cases) if v in vs), len(cases))
                          for v in range(low, high + 1)], np.int32)


def _concrete_case(subject: Any, cases: Sequence[Sequence[Any]]) -> int | None:
    """The position of the first case with a value equal to `subject` (`len(cases)` for
    none), compared in order as Python does; None if a comparison is traced (a concrete array
    compared while JAX traces gives a traced bool)."""
    for k, values in enumerate(cases):
        for value in values:
            hit = subject == value
            if staging.is_traced(hit):
                return None
            if hit:
                return k
    return len(cases)


def python_subject(subject: Any) -> Any:
    """The subject of a `match` autocond keeps as plain Python (its patterns are not all
    literals or captures): a traced one raises a clear error."""
    if staging.is_traced(subject):
        raise errors.NotConvertedError(
            f"The subject of the `match` at {staging.site()} is traced, but autocond converts a "
            "`match` on a traced value only when its patterns are literals or captures (`case 0:`, "
            "`case 1 | 2:`, `case (1 | 2) as k:`, `case k:`, `case _:`), with or without guards; "
            "this one stays Python. Make the subject static (e.g. with `static_argnames`), or use "
            "those patterns.")
    return subject


def python_bool(test: Any, reason: str) -> bool:
    """The truth of the condition of a statement autocond keeps as plain Python.

    `reason` says why it was kept; a traced condition cannot be used there, so it raises a
    clear error instead of JAX's `TracerBoolConversionError`.
    """
    if staging.is_traced(test):
        raise errors.NotConvertedError(
            f"The condition at {staging.site()} is traced, but autocond keeps this statement "
            f"as plain Python because {reason}. Make the condition static (e.g. with "
            "`static_argnames`), or restructure the code.")
    return bool(test)
