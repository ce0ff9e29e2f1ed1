"""Random programs (see `programs.py`): converted code must compute what plain Python does.

The oracle is the plain function run eagerly on concrete JAX values, where Python's `if`
and `while` read concrete values. Each program runs on a batch of inputs through
`autocond.convert` eagerly, `autocond.jit`, `autocond.jit` with `n` static (against the
plain function given that Python int), and
`jax.jit(jax.vmap(autocond.convert(f)))`; where it returns floats, `jax.grad` of their sum through
`autocond.convert(f, max_trips=...)` must equal `jax.grad` of the plain function, which JAX
computes eagerly through Python's own control flow. Short programs of one shape (a bool
made an array on some paths, then computed with as an int) must give Python's values or
autocond's error for it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import event, given, note
from hypothesis import strategies as st

import autocond
from property_tests import programs

BATCH = 3

_floats = st.floats(-2.0, 2.0, width=32, allow_subnormal=False)
_arrays = st.lists(_floats, min_size=programs.ARRAY_SIZE, max_size=programs.ARRAY_SIZE)
_inputs = st.lists(st.tuples(_floats, _floats, st.integers(0, 5), _arrays), min_size=BATCH,
                   max_size=BATCH)
# More trips than any generated loop makes, so `max_trips` never cuts one short.
MAX_TRIPS = 10

# JAX keeps what it compiles for each program (jitted, and the primitives run eagerly)
# in caches that grow by megabytes per program; long runs clear them now and then so memory
# stays bounded. Clearing after every example would double the time.
_CLEAR_CACHES_EVERY = 20
_examples = itertools.count(1)


def assert_same(want: Any, got: Any, how: str) -> None:
    """`got` has `want`'s structure and values. Where plain Python gives an array of a strong
    dtype, `got` must have that dtype; a Python number or a weakly typed array may come back
    as an array of any dtype JAX promotes it to."""
    want_leaves, want_tree = jax.tree_util.tree_flatten(want)
    got_leaves, got_tree = jax.tree_util.tree_flatten(got)
    assert want_tree == got_tree, f"{how}: structure: want {want_tree}, got {got_tree}"
    for i, (w, g) in enumerate(zip(want_leaves, got_leaves)):
        if isinstance(w, jax.Array) and not w.weak_type:
            assert np.asarray(g).dtype == w.dtype, f"{how}: result {i}: want {w!r}, got {g!r}"
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-5, atol=1e-5,
                                   err_msg=f"{how}: result {i}")


@given(program=programs.programs(), inputs=_inputs)
def test_converted_matches_python(program: programs.Program, inputs: list) -> None:
    if next(_examples) % _CLEAR_CACHES_EVERY == 0:
        jax.clear_caches()
    note(program.source)
    args = [(jnp.float32(x), jnp.float32(y), jnp.int32(n), jnp.asarray(v, jnp.float32))
            for x, y, n, v in inputs]
    note(f"inputs (x, y, n, v): {inputs}")
    with programs.loaded(program) as f:
        wants = [f(*a) for a in args]
        converted = autocond.convert(f)
        note(f"converted:\n{autocond.to_source(f)}")
        for a, want in zip(args, wants):
            assert_same(want, converted(*a), f"convert{a}")

        try:
            _check_traced(f, args, inputs, wants, program.signature)
        except autocond.errors.StagingError as e:
            _refused(e)


def _refused(e: Exception, refusable: bool = True) -> None:
    """Re-raise `e` unless `refusable` and it is autocond's error for a bool that is a Python
    bool on some paths (or from `not`, `in`, `bool(...)`...) and a bool array on others,
    computed with as an int: no one value keeps Python's results there."""
    message = str(e)
    if not (refusable and (message.startswith("`q` is") or " gives a Python bool in Python" in message)
            and "computes with it as an int" in message):
        raise e
    event("a bool of two kinds computed with as an int: refused")


@given(program=programs.bool_programs(), inputs=_inputs)
def test_bools_computed_with_as_ints_match_python_or_are_refused(program: programs.Program,
                                                                 inputs: list) -> None:
    """The shape of the silently wrong result of `q + q` on a bool of two kinds: the converted
    function, eager and under `jit`, gives Python's values or autocond's error."""
    _check_eager_and_jitted(program, inputs, refusable=True)


@given(program=programs.accumulator_programs(), inputs=_inputs)
def test_accumulators_the_loop_makes_arrays_match_python(program: programs.Program, inputs: list) -> None:
    """The shape of a loop carrying a Python number broadcast to the array it becomes: the
    converted function, eager and under `jit`, gives Python's values."""
    _check_eager_and_jitted(program, inputs, refusable=False)


# What plain Python raises in `checked_programs`.
_RAISED = (ValueError, LookupError, UnboundLocalError)


@given(program=programs.checked_programs(), inputs=_inputs)
def test_argument_checks_and_first_iteration_variables_match_python(program: programs.Program,
                                                                     inputs: list) -> None:
    """Argument checks with `raise` and variables set on a loop's first iteration: the
    converted function, eager and under `jit`, gives Python's values, or raises where Python
    raises, with the exception's type and message."""
    _check_eager_and_jitted(program, inputs, refusable=True, raised=_RAISED)


def _check_eager_and_jitted(program: programs.Program, inputs: list, refusable: bool,
                            raised: tuple[type, ...] = ()) -> None:
    """The converted function, eager and under `jit`, gives Python's values; with `refusable`,
    under `jit` it may raise autocond's error for a bool of two kinds instead. Where Python
    raises one of `raised`, so must they: eagerly the same exception; under `jit`, when the
    program runs, a `JaxRuntimeError` naming it (an unbound read: autocond's
    `UndefinedVariableError`), or one of `raised` while tracing: the `raise` Python reaches
    is static, or a static one follows it, which raises before the run-time checks do."""
    note(program.source)
    args = [(jnp.float32(x), jnp.float32(y), jnp.int32(n), jnp.asarray(v, jnp.float32))
            for x, y, n, v in inputs]
    with programs.loaded(program) as f:
        jitted = autocond.jit(f)
        for a in args:
            try:
                want = f(*a)
            except raised as error:
                event(f"Python raised {type(error).__name__}")
                with pytest.raises(type(error)):
                    autocond.convert(f)(*a)
                name = "UndefinedVariableError" if isinstance(error, UnboundLocalError) else \
                    type(error).__name__
                failures = (*raised, jax.errors.JaxRuntimeError, autocond.errors.StagingError)
                with pytest.raises(failures) as info:
                    jax.block_until_ready(jitted(*a))
                if isinstance(info.value, autocond.errors.StagingError):
                    _refused(info.value, refusable)
                else:
                    assert isinstance(info.value, raised) or f"{name}: " in str(info.value), info.value
                continue
            assert_same(want, autocond.convert(f)(*a), f"convert{a}")
            try:
                got = jitted(*a)
            except autocond.errors.StagingError as e:
                _refused(e, refusable)
                continue
            assert_same(want, got, f"jit{a}")


def _check_traced(f: Callable, args: list, inputs: list, wants: list, signature: str) -> None:
    """Under `jit`, `jit` with `n` static, `vmap` and `grad`, `f` computes what Python does."""
    converted = autocond.convert(f)
    jitted = autocond.jit(f)
    for a, want in zip(args, wants):
        assert_same(want, jitted(*a), f"jit{a}")

    # `explain` traces it again: each equation is counted once, at a line of the program or
    # as autocond's own, each construct is at a line of the program, and it still computes.
    explained = autocond.explain(jitted, *args[0])
    counted = sum(n for s in explained.statements for n in s.equations.values())
    assert counted + sum(explained.unattributed.values()) == explained.to_dict()["equations"]
    file = f.__code__.co_filename
    assert all(s.where.startswith(f"{file}:") for s in explained.statements if s.lowerings)
    assert_same(wants[0], jitted(*args[0]), "jit after explain")

    # With `n` static, its loops and tests are Python again, around traced floats. Plain
    # Python with that int is the oracle: `n > 2` is a Python bool there, so `q + q` is 2.
    static_n = autocond.jit(f, static_argnames="n")
    x, y, n, v = args[0]
    static = inputs[0][2]
    assert_same(f(x, y, static, v), static_n(x, y, n=static, v=v), f"jit, n={static} static")

    # vmap turns every test on the inputs into a batched one. Outputs are made arrays so
    # a constant returned by the function can be batched. Under jit, it compiles once
    # (run eagerly, each batched primitive compiles on its own, twice the time).
    batched = jax.jit(jax.vmap(lambda *a: jax.tree_util.tree_map(jnp.asarray, converted(*a))))
    got = batched(*(jnp.stack(column) for column in zip(*args)))
    for b, want in enumerate(wants):
        assert_same(want, jax.tree_util.tree_map(lambda v, b=b: v[b], got), f"vmap, row {b}")

    if set(signature) & set("fa"):
        floats = _float_total(signature)
        bounded = autocond.convert(f, max_trips=MAX_TRIPS)
        want = jax.grad(lambda x, y, v: floats(f(x, y, n, v)), argnums=(0, 1, 2))(x, y, v)
        got = jax.grad(lambda x, y, v: floats(bounded(x, y, n, v)), argnums=(0, 1, 2))(x, y, v)
        assert_same(want, got, f"grad at {args[0]}")


def _float_total(signature: str) -> Callable[[Any], Any]:
    """The sum of a result's floats and float arrays, for `jax.grad`."""
    def total(result):
        results = result if len(signature) > 1 else (result,)
        return sum(jnp.sum(r) for r, kind in zip(results, signature) if kind in "fa")
    return total
