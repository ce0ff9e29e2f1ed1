"""`autocond.explain`: what each statement became, and why, with its equations; and the
warning for loops that unroll (`warn_unrolled`)."""

from __future__ import annotations

import json
import linecache
import pathlib
import re
import sys
import warnings

import jax
import jax.numpy as jnp
import pytest

import autocond
from autocond import errors
from tests.support import line_of

F = jnp.float32


def _at(fn, text: str) -> str:
    return f"{fn.__code__.co_filename}:{line_of(fn, text)}"


def _statement(explanation: autocond._explain.Explanation, fn, text: str):
    where = _at(fn, text)
    return next(s for s in explanation.statements if s.where == where)


def _became(explanation, fn, text: str) -> list[tuple[str, str]]:
    return [(lowering.became, lowering.why) for lowering in _statement(explanation, fn, text).lowerings]


def _all_equations(jaxpr) -> int:
    return sum(1 + sum(_all_equations(j) for j in autocond._explain._inner(e)) for e in jaxpr.eqns)


def conditional_double(x, threshold):
    if x > threshold:
        return x * 2
    else:
        return x


def test_a_traced_if_becomes_cond_and_a_static_one_stays_python():
    explained = autocond.explain(conditional_double, jnp.array(5.0), threshold=0.0)
    (became, why), = _became(explained, conditional_double, "if x >")
    assert became == "lax.cond" and why == "its condition is traced (bool[])"
    equations = _statement(explained, conditional_double, "if x >").equations
    assert equations == {"gt": 1, "convert_element_type": 1, "cond": 1}
    assert _statement(explained, conditional_double, "return x * 2").equations == {"mul": 1}
    static = autocond.explain(autocond.jit(conditional_double, static_argnames="threshold"), jnp.array(5.0),
                              threshold=0.0)
    assert _became(static, conditional_double, "if x >") == [("lax.cond", "its condition is traced (bool[])")]
    assert _became(autocond.explain(lambda x: conditional_double(3.0, 1.0) + x, F(1.0)), conditional_double,
                   "if x >") == [("Python", "its condition is not traced (True)")]


def _accumulated(x):
    acc = 0.0
    for i in range(1000):
        acc = acc + jnp.sin(x * i)
    return acc


def test_a_loop_with_a_python_number_accumulator_becomes_one_scan():
    explained = autocond.explain(_accumulated, F(0.5))
    assert _became(explained, _accumulated, "for i in") == [
        ("lax.scan", "it carries values over a static range of 1000 trips")]
    assert _statement(explained, _accumulated, "for i in").equations == {"scan": 1}
    body = _statement(explained, _accumulated, "acc = acc +").equations
    assert body["sin"] == 1 and body["mul"] == 1  # once, in the body of the scan
    assert _all_equations(explained.jaxpr.jaxpr) < 10
    assert jnp.allclose(autocond.jit(_accumulated)(F(0.5)), sum(jnp.sin(F(0.5) * i) for i in range(1000)),
                        atol=1e-3)


def _counted(x):
    count = 0
    acc = F(0)
    for _ in range(10):
        count += 1
        acc = acc + x * count
    return acc, count


def test_a_loop_unrolled_by_a_python_counter_names_it():
    explained = autocond.explain(_counted, F(1.0))
    lowering, = _statement(explained, _counted, "for _ in").lowerings
    assert (lowering.became, lowering.trips) == ("unrolled", 10)
    assert lowering.why.startswith("`count` stays a Python number that the body changes")
    assert _statement(explained, _counted, "acc = acc +").equations == {"mul": 10, "add": 10}


def _python_while(x):
    total, k = 0.0, 0
    while k < 8:
        total = total + x * k
        k += 1
    return total


def _integrated(y, dt):
    t = 0.0
    while t < 1.0:
        y = y + dt * y
        t = t + dt
    return y


def _up_to(x, n):
    for i in range(n):
        x = x + i
    return x


def test_while_and_traced_range_loops():
    lowering, = _statement(autocond.explain(_python_while, F(1.0)), _python_while, "while k").lowerings
    assert (lowering.became, lowering.trips) == ("unrolled", 8)
    assert lowering.why == "its condition is not traced on any trip"
    assert _became(autocond.explain(_integrated, F(1.0), F(0.25)), _integrated, "while t") == [
        ("lax.while_loop", "its variables start as Python numbers that the body makes traced")]
    assert _became(autocond.explain(_up_to, F(1.0), jnp.int32(4)), _up_to, "for i in") == [
        ("lax.while_loop", "its trip count is traced")]


def _picked(k, x):
    if k == 0:
        return x
    elif k == 1:
        return -x
    return x * 2


def _chosen(x, y):
    if x > 0:
        z = y
    else:
        z = x
    return z


def test_chains_become_switch_and_picks_select():
    assert [b for b, _ in _became(autocond.explain(_picked, jnp.int32(1), F(2.0)), _picked, "if k == 0")] == [
        "lax.switch"]
    assert _became(autocond.explain(_chosen, F(1.0), F(2.0)), _chosen, "if x > 0") == [
        ("lax.select_n", "its condition is traced (bool[]): its branches only pick values")]


def test_the_examples():
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "examples"))
    try:
        import bisection
        import integrate
    finally:
        sys.path.pop(0)
    bisected = autocond.explain(bisection.bisect, F(1.0), F(-3.0), F(3.0), F(1e-5))
    loop, = _statement(bisected, bisection.bisect, "while True").lowerings
    assert (loop.became, loop.why) == ("lax.while_loop", "a `break` or `return` in it is traced; its first "
                                                         "trip ran as Python")
    assert [b for b, _ in _became(bisected, bisection.bisect, "if high - low")] == ["lax.select_n"]
    stepped = autocond.explain(integrate.adaptive_euler, jnp.array([1.0, 0.0]), F(2.0), F(1.0), F(1e-3))
    assert _became(stepped, integrate.adaptive_euler, "while t <") == [("lax.while_loop",
                                                                      "its condition is traced")]
    assert [b for b, _ in _became(stepped, integrate.adaptive_euler, "if error >")] == ["lax.cond"]


def test_every_equation_is_counted_once_and_the_data_is_json():
    explained = autocond.explain(_counted, F(1.0))
    attributed = sum(n for s in explained.statements for n in s.equations.values())
    assert attributed + sum(explained.unattributed.values()) == _all_equations(explained.jaxpr.jaxpr)
    data = json.loads(json.dumps(explained.to_dict()))
    assert data["function"] == "_counted" and data["equations"] == _all_equations(explained.jaxpr.jaxpr)
    assert [s["where"] for s in data["statements"]] == [s.where for s in explained.statements]


def test_the_text_shows_each_statement_and_why():
    text = str(autocond.explain(_counted, F(1.0)))
    assert text.startswith("_counted: 20 equations\n")
    assert re.search(rf"\n +{line_of(_counted, 'for _ in')}      for _ in range\(10\): +unrolled\n"
                     r" +↳ unrolled \(10 trips\): `count` stays a Python number", text), text
    line = line_of(_counted, "acc = acc")
    assert re.search(rf"\n +{line}          acc = acc \+ x \* count +10 mul, 10 add\n", text), text


def test_explaining_leaves_the_function_working():
    jitted = autocond.jit(conditional_double)
    assert jitted(F(3.0), 1.0) == 6.0
    autocond.explain(jitted, F(3.0), 1.0)
    assert jitted(F(-3.0), 1.0) == -3.0 and jitted(F(3.0), 1.0) == 6.0


def test_warn_unrolled_warns_past_its_trips():
    with pytest.warns(errors.UnrolledLoopWarning, match=re.escape(
            f"The `for` loop at {_at(_counted, 'for _ in')} was unrolled: its body was traced 10 times "
            "(more than 5), because `count` stays a Python number that the body changes")):
        result = autocond.jit(_counted, warn_unrolled=5)(F(2.0))
    assert [float(v) for v in result] == [float(v) for v in _counted(F(2.0))]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        autocond.jit(_counted, warn_unrolled=10)(F(2.0))  # not more than 10
        autocond.jit(_accumulated, warn_unrolled=5)(F(2.0))  # one scan
        autocond.convert(_counted, warn_unrolled=5)(2.0)  # not traced: Python's loop
        jax.jit(autocond.convert(_counted))(F(2.0))  # not asked for


def test_code_of_a_notebook_cell_is_explained_at_its_lines():
    # A cell's code is compiled under a name no file holds, its text put in linecache.
    cell, code = "<cell 7>", "def doubled(x):\n    if x > 0:\n        return x * 2\n    return x\n"
    linecache.cache[cell] = (len(code), None, code.splitlines(keepends=True), cell)
    namespace: dict = {}
    exec(compile(code, cell, "exec"), namespace)
    explained = autocond.explain(namespace["doubled"], F(1.0))
    assert [(s.where, s.equations) for s in explained.statements] == [
        (f"{cell}:2", {"gt": 1, "convert_element_type": 1, "cond": 1}), (f"{cell}:3", {"mul": 1}),
        (f"{cell}:4", {})]
