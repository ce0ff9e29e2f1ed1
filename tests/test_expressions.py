"""`and`, `or`, `not`, chained comparisons and conditional expressions on traced and static
operands in every position: plain Python, on the same concrete values, is the oracle."""

from __future__ import annotations

import itertools

import jax
import jax.numpy as jnp
import pytest

import autocond
from autocond import errors
from tests.support import assert_matches_python, line_of, primitives

F = jnp.float32


def both(a, b):
    return a and b


def either(a, b):
    return a or b


def three(a, b, c):
    return a and b or c


def negate(a):
    return not a


def chain(a, b, c):
    return a < b <= c


def ternary(a, b, c):
    return a if c else b


def in_if(a, b):
    if a > 0 and b < 1:
        return 1.0
    elif not a > 0 or b == 2:
        return 2.0
    return 3.0


def in_while(a, b):
    steps = 0
    while a > 0 and b < 10:
        a = a - 1
        b = b + 2
        steps += 1
    return steps, a, b


def _value(v, kind):
    """`v` as a Python number, a traced scalar, or a traced array of shape (1,)."""
    return {"python": v, "scalar": F(v), "one": jnp.full((1,), v, F)}[kind]


KINDS = ("python", "scalar", "one")


def _kinds(count: int) -> list[tuple[str, ...]]:
    """Every mix of Python and traced scalar operands in every position, and all operands of
    shape (1,). (Python's result has the shape of the operand that decides; with a traced
    (1,) operand and a scalar one, a traced choice cannot keep that: see
    test_operands_of_different_shapes.)"""
    return [k for k in itertools.product(KINDS, repeat=count) if "one" not in k or set(k) == {"one"}]


def _check(fn, kinds, values):
    """Converted and plain `fn` agree, the Python operands static under `jax.jit`."""
    static = tuple(name for name, kind in zip("abc", kinds) if kind == "python")
    assert_matches_python(fn, *(_value(v, k) for v, k in zip(values, kinds)), static_argnames=static)


@pytest.mark.parametrize("fn", [both, either])
@pytest.mark.parametrize("kinds", _kinds(2), ids="-".join)
@pytest.mark.parametrize("values", [(0.0, 2.0), (3.0, 0.0), (3.0, 2.0), (0.0, 0.0)])
def test_and_or(fn, kinds, values):
    _check(fn, kinds, values)


@pytest.mark.parametrize("kinds", _kinds(3), ids="-".join)
@pytest.mark.parametrize("values", [(0.0, 2.0, 5.0), (1.0, 0.0, 0.0), (1.0, 2.0, 3.0)])
def test_and_or_three_operands(kinds, values):
    _check(three, kinds, values)


@pytest.mark.parametrize("kinds", _kinds(3), ids="-".join)
@pytest.mark.parametrize("values", [(0.0, 2.0, 5.0), (1.0, 0.0, 0.0), (1.0, 2.0, 3.0)])
def test_chained_comparison(kinds, values):
    _check(chain, kinds, values)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("value", [0.0, 2.0])
def test_not(kind, value):
    assert_matches_python(negate, _value(value, kind))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("c", [0.0, 1.0])
def test_conditional_expression(kind, c):
    assert_matches_python(ternary, F(1.5), F(-2.0), _value(c, kind))


def log_or_b(a, b, c):
    return jnp.log(a) if c else b


def test_conditional_expression_picking_values_is_a_select_and_computing_one_a_cond():
    picks = primitives(jax.make_jaxpr(autocond.convert(ternary))(F(1.5), F(-2.0), F(1.0)).jaxpr)
    assert picks.count("select_n") == 1 and "cond" not in picks
    computes = primitives(jax.make_jaxpr(autocond.convert(log_or_b))(F(1.5), F(-2.0), F(1.0)).jaxpr)
    assert computes.count("cond") == 1 and "select_n" not in computes


def test_gradient_of_the_untaken_side_does_not_leak():
    def safe_log(x):
        return jnp.log(x) if x > 0 else 0.0

    grad = jax.grad(autocond.convert(safe_log))
    assert grad(F(0.0)) == 0.0 and grad(F(2.0)) == 0.5


@pytest.mark.parametrize("a, b", [(1.0, 0.0), (1.0, 2.0), (-1.0, 2.0), (-1.0, 0.0)])
def test_in_an_if_test(a, b):
    assert_matches_python(in_if, F(a), F(b))


@pytest.mark.parametrize("a, b", [(0.0, 0.0), (3.0, 0.0), (3.0, 8.0)])
def test_in_a_while_test(a, b):
    assert_matches_python(in_while, F(a), F(b))


def test_static_operands_short_circuit_as_in_python():
    calls = []

    def side(v):
        calls.append(v)
        return v

    def f(x):
        return (x > 0 and side(1)) or side(2)

    autocond.convert(f)(-1.0)
    assert calls == [2]


def test_operands_of_different_shapes():
    def pick(c, x):
        return x if c else 0.0  # a scalar and a vector: Python picks one, a traced cond cannot

    assert_matches_python(pick, 1.0, jnp.ones(3, F), jit=False)
    with pytest.raises(errors.StagingError, match="different shape in the branches of the traced "
                                                  "conditional expression at .*test_expressions.py"):
        autocond.jit(pick)(F(1.0), jnp.ones(3, F))
    with pytest.raises(errors.StagingError, match=r"shape in the branches of the traced `and` at "
                                                  r".*test_expressions.py:\d+: f32\[\] in the value if "
                                                  r"true, f32\[1\] in the value if false"):
        autocond.jit(both)(jnp.ones(1, F), F(2.0))


# --- assert and print ---------------------------------------------------------------------------


def checked(x):
    assert x > 0, "x must be positive"
    return x * 2


def checked_without_message(x):
    assert x > 0
    return x * 2


def test_a_static_assert_is_pythons():
    assert autocond.convert(checked)(2.0) == 4.0
    with pytest.raises(AssertionError, match="^x must be positive$"):
        autocond.convert(checked)(-1.0)
    with pytest.raises(AssertionError, match="^$"):
        autocond.convert(checked_without_message)(-1.0)


def test_a_traced_assert_that_holds():
    assert autocond.jit(checked)(F(2.0)) == 4.0


def test_a_traced_assert_that_fails_names_the_message_and_the_line():
    line = line_of(checked, "assert x > 0")
    with pytest.raises(jax.errors.JaxRuntimeError,
                       match=rf"AssertionError: the `assert` at .*test_expressions.py:{line} failed: "
                             "x must be positive"):
        autocond.jit(checked)(F(-1.0))


def test_a_traced_assert_in_an_untaken_branch_does_not_fire():
    def guarded(x):
        if x > 0:
            assert x < 10, "too big"
        return x

    assert autocond.jit(guarded)(F(-50.0)) == -50.0
    with pytest.raises(jax.errors.JaxRuntimeError, match="too big"):
        autocond.jit(guarded)(F(50.0))


def bracketed(lo, hi):
    if lo * hi > 0:
        raise ValueError("root not bracketed")
    return (lo + hi) / 2


def first_above(xs, t):
    for x in xs:
        if x > t:
            break
    else:
        raise LookupError(f"nothing above {t}")
    return x


def test_a_raise_under_a_static_condition_is_pythons():
    with pytest.raises(ValueError, match="^root not bracketed$"):
        autocond.convert(bracketed)(1.0, 2.0)
    with pytest.raises(ValueError, match="^root not bracketed"):  # JAX adds a line
        autocond.jit(bracketed, static_argnames=("lo", "hi"))(1.0, 2.0)
    assert autocond.jit(bracketed, static_argnames=("lo", "hi"))(-1.0, 2.0) == 0.5


def test_a_raise_under_a_traced_condition_raises_when_the_program_reaches_it():
    line = line_of(bracketed, "raise ValueError")
    assert autocond.jit(bracketed)(F(-1.0), F(2.0)) == 0.5
    with pytest.raises(jax.errors.JaxRuntimeError,
                       match=rf"ValueError: root not bracketed \(raised by the `raise` at .*py:{line}"):
        autocond.jit(bracketed)(F(1.0), F(2.0)).block_until_ready()
    # Under `vmap` without `jit` the exception itself, if any element reaches it.
    batched = jax.vmap(autocond.convert(bracketed))
    assert batched(jnp.array([-1.0, -2.0]), jnp.array([1.0, 4.0])).tolist() == [0.0, 1.0]
    with pytest.raises(ValueError, match="root not bracketed"):
        batched(jnp.array([-1.0, 2.0]), jnp.array([1.0, 4.0]))


@pytest.mark.parametrize("t", [0.0, 2.5, 9.0])
def test_a_raise_in_the_else_of_a_traced_loop(t):
    xs = jnp.array([1.0, 3.0, 2.0])
    if t < 3.0:
        assert_matches_python(first_above, xs, F(t))
    else:
        with pytest.raises(LookupError):
            first_above(xs, t)
        with pytest.raises(jax.errors.JaxRuntimeError, match="LookupError: nothing above"):
            autocond.jit(first_above)(xs, F(t)).block_until_ready()


def test_a_raise_in_the_untaken_branch_or_a_loop_run_zero_times_does_not_fire():
    def f(x, n):
        for _ in range(n):
            raise RuntimeError("ran")
        if x > 0:
            y = x
        else:
            raise ValueError("negative")
        return y

    assert autocond.jit(f)(F(2.0), jnp.int32(0)) == 2.0
    with pytest.raises(jax.errors.JaxRuntimeError, match="RuntimeError: ran"):
        autocond.jit(f)(F(2.0), jnp.int32(1)).block_until_ready()
    with pytest.raises(jax.errors.JaxRuntimeError, match="ValueError: negative"):
        autocond.jit(f)(F(-2.0), jnp.int32(0)).block_until_ready()


_ERROR = ValueError("bad")


def test_a_traced_raise_of_a_module_s_exception_leaves_it_as_it_was():
    def f(x):
        if x > 0:
            raise _ERROR
        return x

    with pytest.raises(jax.errors.JaxRuntimeError, match="ValueError: bad \\(raised by the `raise`"):
        autocond.jit(f)(F(2.0)).block_until_ready()
    assert _ERROR.args == ("bad",) and not getattr(_ERROR, "__notes__", None)


def test_a_static_raise_after_a_traced_check_raises_while_tracing():
    # Python reaches the traced check first where it fails; under `jit` the static `raise`
    # is Python's while tracing, before the traced check can run (the README says so).
    def f(x, n):
        if x > 0:
            raise ValueError("positive")
        if n > 2:
            raise LookupError("too many")
        return x

    with pytest.raises(ValueError, match="positive"):
        autocond.convert(f)(F(1.0), 3)
    with pytest.raises(LookupError, match="too many"):
        autocond.jit(f, static_argnames="n")(F(1.0), 3)
    with pytest.raises(jax.errors.JaxRuntimeError, match="ValueError: positive"):
        autocond.jit(f, static_argnames="n")(F(1.0), 2).block_until_ready()


def test_a_raise_an_except_may_catch_keeps_its_if_python():
    def f(x):
        try:
            if x > 0:
                raise ValueError("positive")
        except ValueError:
            x = -x
        return x

    assert autocond.convert(f)(2.0) == -2.0
    with pytest.raises(errors.NotConvertedError, match=r"because it contains the `raise` at .*, which an "
                                                       r"`except` may catch"):
        autocond.jit(f)(F(2.0))


def test_no_assert_no_callback():
    jaxpr = jax.make_jaxpr(autocond.convert(ternary))(F(1), F(2), F(3)).jaxpr
    assert "debug_callback" not in primitives(jaxpr)


def reporting(x, n):
    print("x is", x)
    for i in range(n):
        x = x + 1
        print("step", i, x, sep=":")
    return x


def test_print_of_traced_values_prints_them_once_per_call(capsys):
    fn = autocond.jit(reporting, static_argnames="n")
    capsys.readouterr()
    for x in (1.0, 5.0):
        fn(F(x), 2)
        jax.effects_barrier()
    out = capsys.readouterr().out
    for x in (1.0, 5.0):
        reporting(F(x), 2)
    assert out == capsys.readouterr().out  # the same lines as plain Python, in order


def test_print_of_static_values_prints_while_tracing(capsys):
    def once(x):
        print("tracing")
        return x + 1

    fn = autocond.jit(once)
    fn(F(1.0))
    fn(F(2.0))
    jax.effects_barrier()
    assert capsys.readouterr().out == "tracing\n"
