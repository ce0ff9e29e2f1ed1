"""Runtime of converted `if` statements: plain Python or `lax.cond`, decided at trace time."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from jax import lax

from autocond import errors
from autocond.operators import staging


def if_stmt(test: Any, if_true: Callable, if_false: Callable, inputs: tuple,
            names: Sequence[str], returned: tuple[bool, bool] = (False, False),
            return_lines: Mapping[str, tuple[Sequence[int], Sequence[int]]] = {}) -> Any:
    """Runs one branch, as Python does::

        def if_stmt(test, if_true, if_false, inputs, names):
            return if_true(*inputs) if test else if_false(*inputs)

    `inputs` are the variables the branches may read before assigning; both branches return
    the variables in `names` (one bare, several as a tuple). When `test` is a Python value or
    a concrete array, that is exactly what happens, and the other branch is never traced.

    When `test` is traced, both branches are traced and `lax.cond` picks one at run time.
    Then each variable in `names` must have the same structure and shape in both branches;
    dtypes are promoted as `jnp` would (`1` in one branch and `2.0` in the other give a
    float); values that are not arrays or numbers must be the same in both; a variable
    assigned in only one branch has no value after the `if` (reading it raises).

    `returned` marks the branches after which the function has returned (a branch ending in
    a lowered `return`, or the `else` of the `if not do_return:` guards that follow one): no
    variable is read again on such a path, so what it leaves unbound may carry zeros.
    `return_lines` maps the variable lowered `return` statements assign to the lines of
    those whose value it may hold after each branch (0: falling off the end), for errors.
    """
    if not staging.is_traced(test):
        return if_true(*inputs) if test else if_false(*inputs)
    here = staging.site()
    file = here.rpartition(":")[0]
    returns = {name: [" or ".join(f"the `return` at {file}:{line}" if line else
                                  "falling off the end of the function (`None`)" for line in branch)
                      or "an earlier `return`" for branch in lines]
               for name, lines in return_lines.items()}
    return staged(test, (if_true, if_false), inputs, names, f"the traced `if` at {here}",
                  ("the `if` branch", "the `else` branch"), returned, returns)


def staged(test: Any, branches: tuple[Callable, Callable], inputs: tuple, names: Sequence[str],
           where: str, labels: tuple[str, str], returned: tuple[bool, bool] = (False, False),
           returns: Mapping[str, Sequence[str]] = {}) -> Any:
    """`if_stmt` for a traced `test`: both branches traced, `lax.cond` picking one. `where`
    and `labels` name the construct and its branches in errors."""
    pred = staging.predicate(test, where)
    state = staging.State(inputs)
    avals = [op.aval for op in state.operands]
    traced = [
        staging.trace(lambda *ops, f=branch: staging.as_tuple(f(*state.rebuild(ops)), names), avals)
        for branch in branches
    ]
    plan = staging.merge([t.outputs for t in traced], names, where, labels, returned, returns)
    if plan.types or any(t.jaxpr.effects for t in traced):
        true_fn, false_fn = (functools.partial(staging.evaluate, t, s, plan.types)
                             for t, s in zip(traced, plan.sources))
        results = lax.cond(pred, true_fn, false_fn, state.operands)
    else:  # nothing traced comes out and nothing happens: no `cond` needed
        results = []
    return staging.from_tuple(staging.fill(plan.outputs, results), names)


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
