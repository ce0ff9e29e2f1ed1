"""The public API as a user meets it: `jit`, `convert`, `to_source`, and how they compose."""

from __future__ import annotations

import ast
import dataclasses
import functools
import gc
import importlib.util
import inspect
import os
import sys
import traceback
import weakref

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

import autocond
from tests.support import assert_same, line_of

_SCALE = 2.0  # a module global read by `_scaled`; tests change it through monkeypatch


def _scaled(x):
    if x > 0:
        y = x * _SCALE
    else:
        y = x
    return y


def _piecewise(x):
    """x² above zero, 3x below."""
    if x > 0:
        y = x * x
    else:
        y = 3.0 * x
    return y


def conditional_double(x, threshold):
    if x > threshold:
        return x * 2
    else:
        return x


# --- jit -------------------------------------------------------------------------------------


def test_acceptance_example_without_static_args():
    fn = autocond.jit(conditional_double)
    assert_same(jnp.array(10.0), fn(jnp.array(5.0), threshold=0.0))
    assert_same(jnp.array(-2.0), fn(jnp.array(-2.0), threshold=0.0))


def test_acceptance_example_retraces_only_when_the_static_threshold_changes():
    traces = []

    def conditional_double(x, threshold):
        traces.append(threshold)
        if x > threshold:
            return x * 2
        else:
            return x

    fn = autocond.jit(conditional_double, static_argnames=("threshold",))
    assert_same(jnp.array(10.0), fn(jnp.array(5.0), threshold=0.0))
    assert traces == [0.0]
    assert_same(jnp.array(-2.0), fn(jnp.array(-2.0), threshold=0.0))
    assert traces == [0.0], "same threshold, new x: no retrace"
    assert_same(jnp.array(5.0), fn(jnp.array(5.0), threshold=7.0))
    assert traces == [0.0, 7.0], "new threshold: one retrace"
    assert_same(jnp.array(16.0), fn(jnp.array(8.0), threshold=7.0))
    assert traces == [0.0, 7.0]


def test_jit_as_bare_decorator():
    @autocond.jit
    def clip_below(x):
        if x < 0:
            x = jnp.zeros_like(x)
        return x

    assert_same(jnp.array(0.0), clip_below(jnp.array(-3.0)))
    assert_same(jnp.array(4.0), clip_below(jnp.array(4.0)))


def test_jit_as_decorator_with_static_argnames():
    @autocond.jit(static_argnames=("mode",))
    def pick(x, mode):
        if mode == "double":  # static: plain Python
            return x * 2
        if x > 0:  # traced: lax.cond
            return x
        return -x

    assert_same(jnp.array(6.0), pick(jnp.array(3.0), mode="double"))
    assert_same(jnp.array(3.0), pick(jnp.array(-3.0), mode="abs"))


def test_jit_with_static_argnums():
    traces = []

    def power_sum(x, n):
        traces.append(n)
        total = jnp.zeros_like(x)
        for i in range(n):  # static bound
            total = total + x**i
        return total

    fn = autocond.jit(power_sum, static_argnums=1)
    x = jnp.array([1.0, 2.0])
    want = sum(np.array([1.0, 2.0]) ** i for i in range(4)).astype(np.float32)
    assert_same(want, fn(x, 4))
    assert_same(want, fn(x, 4))
    assert traces == [4]
    assert_same(np.array([1.0, 1.0], np.float32), fn(x, 1))
    assert traces == [4, 1]


def test_jit_passes_donate_argnums_through():
    def halve_positive(x):
        if x.sum() > 0:
            y = x / 2
        else:
            y = x
        return y

    x = jnp.array([2.0, 4.0])
    assert_same(np.array([1.0, 2.0], np.float32), autocond.jit(halve_positive, donate_argnums=0)(x))
    # The buffer was donated, exactly as `jax.jit(..., donate_argnums=0)` would do.
    assert x.is_deleted()


def test_jit_object_has_lower_eval_shape_and_wrapped():
    fn = autocond.jit(_piecewise)
    assert fn.__wrapped__ is autocond.convert(_piecewise)
    assert fn.__wrapped__.__wrapped__ is _piecewise

    spec = jax.ShapeDtypeStruct((), jnp.float32)
    assert fn.eval_shape(spec) == spec
    lowered = fn.lower(spec)
    assert "stablehlo" in lowered.as_text() or "mhlo" in lowered.as_text()
    compiled = lowered.compile()
    assert_same(jnp.array(4.0), compiled(jnp.array(2.0)))
    assert_same(jnp.array(-6.0), compiled(jnp.array(-2.0)))


@pytest.mark.skipif(not hasattr(jax.jit(lambda x: x), "trace"), reason="this jax has no .trace")
def test_jit_object_has_trace():
    traced = autocond.jit(_piecewise).trace(jax.ShapeDtypeStruct((), jnp.float32))
    assert "cond" in str(traced.jaxpr)
    assert_same(jnp.array(-3.0), traced.lower().compile()(jnp.array(-1.0)))


def test_jit_of_a_bound_method():
    class Scaler:
        def __init__(self, factor):
            self.factor = factor

        def apply(self, x):
            if x > 0:
                return x * self.factor
            return x

    s = Scaler(3.0)
    assert_same(jnp.array(6.0), autocond.jit(s.apply)(jnp.array(2.0)))
    assert_same(jnp.array(-2.0), autocond.jit(s.apply)(jnp.array(-2.0)))


# --- convert ---------------------------------------------------------------------------------


def test_convert_is_cached():
    assert autocond.convert(_piecewise) is autocond.convert(_piecewise)


@pytest.mark.parametrize("x", [2.0, -2.0, 0.0])
def test_convert_runs_eagerly_and_under_jax_jit(x):
    converted = autocond.convert(_piecewise)
    assert converted(x) == _piecewise(x)  # a Python float: the `if` is plain Python
    assert_same(jnp.float32(_piecewise(x)), converted(jnp.float32(x)))  # concrete array
    assert_same(jnp.float32(_piecewise(x)), jax.jit(converted)(jnp.float32(x)))  # traced


def test_convert_under_grad_matches_hand_written_cond():
    def hand_written(x):
        return lax.cond(x > 0, lambda x: x * x, lambda x: 3.0 * x, x)

    grad = jax.grad(autocond.convert(_piecewise))
    want = jax.grad(hand_written)
    for x in (2.0, -2.0, 0.5):
        assert_same(want(x), grad(x))
    assert float(grad(2.0)) == 4.0  # d(x²)/dx at 2
    assert float(grad(-2.0)) == 3.0  # d(3x)/dx
    assert_same(want(jnp.float32(1.5)), jax.jit(grad)(jnp.float32(1.5)))


def test_convert_under_vmap_matches_a_python_loop():
    xs = np.array([-2.0, -0.5, 0.0, 0.5, 3.0], np.float32)
    want = np.array([_piecewise(float(x)) for x in xs], np.float32)
    assert_same(want, jax.vmap(autocond.convert(_piecewise))(jnp.asarray(xs)))


def test_convert_under_vmap_with_a_traced_while_loop():
    def halvings(x):
        n = 0
        while x > 1:
            x = x / 2
            n += 1
        return n

    xs = [0.5, 1.0, 3.0, 17.0]
    want = np.array([halvings(x) for x in xs], np.int32)
    assert_same(want, jax.vmap(autocond.convert(halvings))(jnp.array(xs)))


def test_converted_function_keeps_metadata():
    def documented(x, scale=2.0, *, offset=1.0):
        """Scale positive values."""
        if x > 0:
            x = x * scale
        return x + offset

    converted = autocond.convert(documented)
    assert converted is not documented
    assert converted.__name__ == "documented"
    assert converted.__qualname__ == documented.__qualname__
    assert converted.__qualname__.endswith("test_converted_function_keeps_metadata.<locals>.documented")
    assert converted.__doc__ == "Scale positive values."
    assert converted.__module__ == __name__
    assert converted.__defaults__ == (2.0,)
    assert converted.__kwdefaults__ == {"offset": 1.0}
    assert converted.__wrapped__ is documented
    assert inspect.signature(converted) == inspect.signature(documented)
    assert converted(3.0) == documented(3.0) == 7.0
    assert_same(jnp.float32(documented(3.0, 4.0, offset=0.0)),
                jax.jit(converted)(jnp.float32(3.0), 4.0, offset=0.0))


def test_converted_closure_sees_later_changes_of_its_free_variables():
    factor = 2.0

    def scale(x):
        if x > 0:
            return x * factor
        return x

    converted = autocond.convert(scale)
    assert converted(3.0) == 6.0
    factor = 5.0
    assert converted(3.0) == 15.0 == scale(3.0)
    assert_same(jnp.float32(15.0), jax.jit(converted)(jnp.float32(3.0)))


def test_converted_function_reads_live_module_globals(monkeypatch):
    converted = autocond.convert(_scaled)
    assert converted(3.0) == 6.0
    monkeypatch.setattr(sys.modules[__name__], "_SCALE", 10.0)
    assert converted(3.0) == 30.0 == _scaled(3.0)
    assert autocond.convert(_scaled) is converted


def test_nonlocal_write_in_a_static_construct_reaches_the_enclosing_cell():
    calls = 0
    total = 0.0

    def accumulate(x, count):
        nonlocal calls, total
        if count:  # a Python bool: the `if` stays plain Python
            calls += 1
        for _ in range(2):
            total = total + x
        return x

    converted = autocond.convert(accumulate)
    converted(1.5, True)
    assert (calls, total) == (1, 3.0)
    converted(1.0, False)
    assert (calls, total) == (1, 5.0)
    accumulate(1.0, True)  # the original shares the cells, too
    assert (calls, total) == (2, 7.0)


def test_convert_of_a_bound_method():
    class Counter:
        def __init__(self):
            self.limit = 2.0

        def clip(self, x):
            if x > self.limit:
                x = self.limit
            return x

    c = Counter()
    converted = autocond.convert(c.clip)
    assert converted.__self__ is c
    assert converted.__func__ is autocond.convert(Counter.clip)
    assert converted(5.0) == c.clip(5.0) == 2.0
    assert_same(jnp.array(1.0), jax.jit(converted)(jnp.array(1.0)))
    assert_same(jnp.array(2.0), jax.jit(converted)(jnp.array(7.0)))
    assert autocond.to_source(c.clip) == autocond.to_source(Counter.clip)


# --- converted code converted again -------------------------------------------------------


def _doubled_if_positive(x):
    if x > 0:
        return x * 2
    return -x


@pytest.mark.parametrize("x", [3.0, -3.0], ids=["if", "else"])
def test_converted_code_is_not_converted_again(x):
    converted = autocond.convert(_doubled_if_positive)
    assert autocond.convert(converted) is converted
    assert autocond.jit(converted)(jnp.float32(x)) == _doubled_if_positive(x)
    assert autocond.to_source(converted) == autocond.to_source(_doubled_if_positive)

    @autocond.jit
    @autocond.convert
    def stacked(x):
        if x > 0:
            return x + 1
        return x

    @autocond.jit
    def calls_a_converted_helper(x):
        if x > 1:
            return converted(x) + 1
        return x

    assert stacked(jnp.float32(x)) == (x + 1 if x > 0 else x)
    assert calls_a_converted_helper(jnp.float32(x)) == (_doubled_if_positive(x) + 1 if x > 1 else x)


@pytest.mark.parametrize("x", [3.0, 0.5, -2.0], ids=["both-ifs", "inner-if", "no-if"])
def test_the_commands_output_runs_under_jit(x, tmp_path, monkeypatch):
    source = ("def helper(x):\n    if x > 0:\n        return x * 2\n    return -x\n\n\n"
              "def caller(x):\n    if x > 1:\n        return helper(x) + 1\n    return helper(x)\n")
    (tmp_path / "plain_module.py").write_text(source)
    (tmp_path / "converted_module.py").write_text(autocond.transform_source(source, all_functions=True))
    monkeypatch.syspath_prepend(str(tmp_path))
    plain, converted = (importlib.import_module(name) for name in ("plain_module", "converted_module"))
    assert "ac__.call(helper)" in inspect.getsource(converted.caller)  # calls converted code
    assert autocond.jit(converted.caller)(jnp.float32(x)) == plain.caller(x)
    assert autocond.to_source(converted.caller) == inspect.getsource(converted.caller)


# --- to_source -------------------------------------------------------------------------------


def test_to_source_is_readable_generated_code():
    source = autocond.to_source(_piecewise)
    assert "ac__.if_stmt" in source
    assert source.startswith("def _piecewise(x):")
    assert "x * x" in source and "3.0 * x" in source  # the user's statements are still there
    tree = ast.parse(source)
    assert [type(n).__name__ for n in tree.body] == ["FunctionDef"]
    assert autocond.to_source(_piecewise) == source


def test_to_source_leaves_straight_line_code_alone():
    def straight(x, y):
        z = x + y
        return z * 2

    source = autocond.to_source(straight)
    assert "ac__" not in source
    assert ast.dump(ast.parse(source)) == ast.dump(ast.parse(inspect.getsource(straight).strip()))


# --- tracebacks ------------------------------------------------------------------------------


def _user_frames(error: BaseException) -> list[traceback.FrameSummary]:
    return [f for f in traceback.extract_tb(error.__traceback__) if f.filename == __file__]


def test_traceback_of_an_error_raised_in_a_static_branch_points_at_the_user_line():
    def check_mode(x, mode):
        if mode not in ("sum", "max"):
            raise ValueError(f"unknown mode {mode!r}")
        return x

    with pytest.raises(ValueError, match="unknown mode 'mean'") as info:
        autocond.jit(check_mode, static_argnames="mode")(jnp.ones(3), "mean")
    frames = _user_frames(info.value)
    raise_line = line_of(check_mode, "raise ValueError")
    assert frames[-1].lineno == raise_line
    assert "raise ValueError" in frames[-1].line
    lines, start = inspect.getsourcelines(check_mode)
    for frame in frames[1:]:  # the test's own call is frames[0]
        assert start <= frame.lineno < start + len(lines), frame


def test_traceback_of_a_shape_error_in_a_traced_branch_points_at_the_user_line():
    def add_bias(x):
        if x.sum() > 0:
            y = x + jnp.ones(3)  # wrong shape for a 2-vector
        else:
            y = x
        return y

    with pytest.raises(TypeError, match="add got incompatible shapes") as info:
        autocond.jit(add_bias)(jnp.ones(2))
    frames = _user_frames(info.value)
    assert frames[-1].lineno == line_of(add_bias, "x + jnp.ones(3)")
    lines, start = inspect.getsourcelines(add_bias)
    for frame in frames[1:]:
        assert start <= frame.lineno < start + len(lines), frame
    # autocond's own frames (the operators tracing the branch) are hidden, as JAX hides its
    package = os.path.dirname(autocond.__file__)
    assert [f for f in traceback.extract_tb(info.value.__traceback__) if f.filename.startswith(package)] == []


def test_traceback_frame_of_the_converted_function_is_at_the_if():
    def check_mode(x, mode):
        if mode not in ("sum", "max"):
            x = x + 1
            x = x + jnp.ones(2)  # fails for a (3,) x: inside the generated branch function
        return x

    with pytest.raises(TypeError) as info:
        autocond.convert(check_mode)(jnp.ones(3), "mean")
    outer = [f for f in _user_frames(info.value) if f.name == "check_mode"]
    assert [f.lineno for f in outer] == [line_of(check_mode, "if mode not in")]
    inner = _user_frames(info.value)[-1]
    assert inner.lineno == line_of(check_mode, "x = x + jnp.ones(2)")


def test_identical_functions_in_two_files_keep_their_own_file(tmp_path):
    # Code objects compare equal across files; each conversion must keep its own file name.
    source = "def f(x):\n    if x > 0:\n        return x\n    return -x\n"
    modules = []
    for name in ("twin_a", "twin_b"):
        path = tmp_path / f"{name}.py"
        path.write_text(source)
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        modules.append((path, module))
    for path, module in modules:
        assert autocond.convert(module.f).__code__.co_filename == str(path)


def test_converted_functions_are_freed_with_their_function(tmp_path):
    # Regression: a global cache of converted functions kept every function alive, since
    # a converted function refers back to its original (`__wrapped__`).
    refs = []
    for k in range(3):
        path = tmp_path / f"freed_{k}.py"
        path.write_text("def f(x):\n    if x > 0:\n        return x\n    return -x\n")
        spec = importlib.util.spec_from_file_location(f"freed_{k}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        converted = autocond.convert(module.f)
        assert autocond.convert(module.f) is converted  # cached while the function lives
        assert converted(jnp.float32(-2.0)) == 2.0
        refs.append(weakref.ref(module.f))
        del module, converted, spec
    gc.collect()
    assert [r() for r in refs] == [None, None, None]


_LAYOUTS = {  # where a definition's lines end is not where its indentation says
    "a string with lines at column 0": 'def f(x):\n    s = """\nend\n"""\n    if x > 0:\n'
                                       '        return x * len(s)\n    return -x\n',
    "a comment at column 0": "def f(x):\n    if x > 0:\n# a comment\n        return x * 3\n    return -x\n",
    "a bracket closed at column 0": "def f(x):\n    y = (x +\n1)\n    if x > 0:\n        return y\n"
                                    "    return -y\n",
    "tabs": "def f(x):\n\tif x > 0:\n\t\treturn x * 5\n\treturn -x\n",
    "a definition after it": "def f(x):\n    if x > 0:\n        return x * 6\n    return -x\n"
                             "def g(x):\n    return x\n",
    "indented, decorated, last in the file": "import functools\nclass C:\n    @staticmethod\n"
                                             "    @functools.cache\n    def f(x):\n        if x > 0:\n"
                                             "            return x * 7\n        return -x",
}


@pytest.mark.parametrize("layout", _LAYOUTS)
def test_a_definition_is_read_whole_however_its_lines_are_laid_out(layout, tmp_path):
    path = tmp_path / "layout.py"
    path.write_text(_LAYOUTS[layout])
    spec = importlib.util.spec_from_file_location("layout", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fn = module.C.f.__wrapped__ if hasattr(module, "C") else module.f
    for x in (2.0, -2.0):  # both branches
        assert autocond.convert(fn)(jnp.float32(x)) == fn(x)


def test_a_functools_wraps_wrapper_is_converted_as_itself():
    def inner(x):
        if x > 0:
            return x
        return -x

    autocond.convert(inner)  # leaves its cache entry in `inner.__dict__`

    @functools.wraps(inner)  # which `wraps` copies to the wrapper
    def wrapper(x):
        if x > 0:
            return x * 10
        return x

    assert autocond.convert(wrapper).__wrapped__ is wrapper
    assert autocond.convert(wrapper)(jnp.float32(2.0)) == 20.0


# --- methods ---------------------------------------------------------------------------------


class _Scaler:
    """Instances are not pytrees: `self` is static (hashed by identity)."""

    traces = 0

    def __init__(self, scale):
        self.scale = scale

    @functools.partial(autocond.jit, static_argnums=0)
    def step(self, x):
        type(self).traces += 1
        if x > 0:
            return x * self.scale
        return -x


@jax.tree_util.register_dataclass
@dataclasses.dataclass
class _Layer:
    """An equinox-style module: a dataclass registered as a pytree, so `self` is traced."""

    w: jax.Array
    traces = 0

    @autocond.jit
    def __call__(self, x):
        type(self).traces += 1
        if x > 0:
            return x * self.w
        return -x


def test_jitted_method_on_a_plain_class_retraces_per_instance_only():
    a, b = _Scaler(2.0), _Scaler(3.0)
    assert [float(a.step(jnp.float32(v))) for v in (1.0, -3.0, 2.0)] == [2.0, 3.0, 4.0]
    assert _Scaler.traces == 1  # the same instance, new values: no new trace
    assert float(b.step(jnp.float32(1.0))) == 3.0
    assert _Scaler.traces == 2  # another instance is another static argument


def test_jitted_method_on_a_pytree_module_traces_once():
    cases = ((3.0, 1.0), (3.0, -1.0), (5.0, 2.0))
    outputs = [float(_Layer(jnp.float32(w))(jnp.float32(x))) for w, x in cases]
    assert outputs == [3.0, 1.0, 10.0]
    assert _Layer.traces == 1  # new weights of the same type are new values, not a new trace


class _Doubling:
    def scale(self, x):
        return x * 2


class _Shifted(_Doubling):
    def scale(self, x):  # `super()` in a traced branch, and after an early `return`
        if x > 0:
            return super().scale(x) + 1
        y = super().scale(x)
        if x < -5:
            return y - 1
        return y


@pytest.mark.parametrize("x", [3.0, -3.0, -7.0], ids=["first-return", "last-return", "second-return"])
def test_zero_argument_super_in_branches_of_a_method(x):
    shifted = _Shifted()
    want = shifted.scale(x)
    assert autocond.convert(_Shifted.scale)(shifted, jnp.float32(x)) == want
    assert autocond.jit(shifted.scale)(jnp.float32(x)) == want


def test_zero_argument_super_in_the_commands_output(tmp_path, monkeypatch):
    source = ("class Base:\n    def scale(self, x):\n        return x * 2\n\n\n"
              "class Child(Base):\n    def scale(self, x):\n        if x > 0:\n"
              "            return super().scale(x) + 1\n        return super().scale(x)\n")
    (tmp_path / "with_super.py").write_text(autocond.transform_source(source, all_functions=True))
    monkeypatch.syspath_prepend(str(tmp_path))
    child = importlib.import_module("with_super").Child()
    assert "super(__class__, self)" in inspect.getsource(type(child).scale)
    for x in (2.0, -2.0):
        assert autocond.jit(child.scale)(jnp.float32(x)) == (x * 2 + 1 if x > 0 else x * 2)


# --- everyday callables ----------------------------------------------------------------------


def _loss(p, batch):
    if p > batch:
        return p - batch
    return batch - p


@pytest.mark.parametrize("x", [3.0, -3.0], ids=["if", "else"])
def test_lambdas_convert_from_the_columns_of_their_line(x):
    batch = jnp.float32(1.0)
    closing = autocond.jit(lambda p: _loss(p, batch) * 2 if p > 0 else -p)
    assert closing(jnp.float32(x)) == (_loss(x, 1.0) * 2 if x > 0 else -x)
    first, second = (lambda v: v + 1 if v > 0 else v), (lambda v: v * 10 if v > 0 else v)  # one line, two
    assert autocond.jit(first)(jnp.float32(x)) == first(x)
    assert autocond.jit(second)(jnp.float32(x)) == second(x)
    spread = autocond.convert(
        lambda v, k=3: (v * k
                        if v > 0 else
                        -v))
    assert spread(jnp.float32(x)) == (x * 3 if x > 0 else -x)
    assert "ac__.if_exp(v > 0" in autocond.to_source(second)


@pytest.mark.parametrize("x", [3.0, -3.0], ids=["if", "else"])
def test_a_partial_and_a_callable_object_convert_their_function(x):
    class Model:
        def __init__(self, w):
            self.w = w

        def __call__(self, v):
            if v > 0:
                return v * self.w
            return -v

    assert autocond.jit(functools.partial(_loss, batch=jnp.float32(1.0)))(jnp.float32(x)) == _loss(x, 1.0)
    assert autocond.jit(Model(2.0))(jnp.float32(x)) == Model(2.0)(x)
    assert autocond.convert(Model(2.0))(jnp.float32(x)) == Model(2.0)(x)


def test_a_jitted_function_is_refused_with_how_to_fix_it():
    with pytest.raises(TypeError, match=r"autocond.jit got .*, a function `jax.jit` has wrapped already: "
                                        r"give autocond the function itself \(`autocond.jit\(f, ...\)`"):
        autocond.jit(jax.jit(_loss))
    with pytest.raises(TypeError, match=r"autocond.jit expects a Python function, got 3"):  # the API called
        autocond.jit(3)


@pytest.mark.parametrize("x", [3.0, -3.0], ids=["if", "else"])
def test_a_callable_object_called_from_converted_code_is_converted(x):
    class Clip:  # an equinox.Module, say: converted code calls it as `ac__.call(model)(x)`
        def __call__(self, v):
            if v > 1:
                return jnp.float32(1.0)
            return v

    model = Clip()

    def loss(v):
        if v > 0:
            return model(v) * 2
        return model(v)

    assert autocond.jit(loss)(jnp.float32(x)) == loss(x)
