"""Every clear error autocond raises: its type, and a message naming the variable, the user's
`file:line`, what differed and how to fix it."""

from __future__ import annotations

import importlib.util
import inspect
import linecache
import re
import sys
import types

import jax
import jax.numpy as jnp
import pytest

import autocond
from autocond import _transpiler, errors
from tests.support import assert_matches_python, line_of


def _at(fn, text: str) -> str:
    """`file:line` of the line of `fn` containing `text`, as a regex."""
    return re.escape(f"{__file__}:{line_of(fn, text)}")


def _at_statement(fn, statement: str) -> str:
    """`file:line` of `fn`'s first line that is `statement` (but for a comment), as a regex."""
    lines, start = inspect.getsourcelines(fn)
    line = start + next(k for k, text in enumerate(lines) if text.partition("#")[0].strip() == statement)
    return re.escape(f"{__file__}:{line}")


def _by(fn, statement: str) -> str:
    """`` `statement` at file:line ``, how errors name a statement of `fn`, as a regex."""
    return f"{re.escape(f'`{statement}`')} at {_at_statement(fn, statement)}"


F = jnp.float32
_FILE = re.escape(__file__) + r":\d+"  # this file, at some line


def _message(info: pytest.ExceptionInfo) -> str:
    return str(info.value)


# --- the error classes -----------------------------------------------------------------------


@pytest.mark.parametrize("error, builtin", [
    (errors.UndefinedVariableError, UnboundLocalError),
    (errors.StagingError, TypeError),
    (errors.SourceError, OSError),
    (errors.UnsupportedSyntaxError, SyntaxError),
    (errors.NotConvertedError, NotImplementedError),
])
def test_errors_subclass_the_builtin_a_user_would_catch(error, builtin):
    assert issubclass(error, builtin)
    assert issubclass(error, errors.ConversionError)


# --- variables undefined on some path --------------------------------------------------------


def _maybe_y(x):
    if x > 0:
        y = x * 2
    return y


def test_variable_undefined_after_a_traced_if():
    assert autocond.jit(_maybe_y)(jnp.array(1.0)) == 2.0  # read where Python bound it
    with pytest.raises(jax.errors.JaxRuntimeError, match="UndefinedVariableError: `y` has no value") as info:
        jax.block_until_ready(autocond.jit(_maybe_y)(jnp.array(-1.0)))
    message = _message(info)
    assert re.search(f"`y` has no value at {_at(_maybe_y, 'return y')}", message)  # the read
    assert re.search(f"traced `if` at {_at(_maybe_y, 'if x > 0')} \\(by {_by(_maybe_y, 'y = x * 2')}\\) "
                     "but not in the `else` branch, which ran", message)  # what differed, and where
    assert "Assign `y` before the `if` or in every branch" in message  # how to fix it


def test_variable_undefined_after_a_static_if_is_pythons_error():
    with pytest.raises(UnboundLocalError):
        _maybe_y(-1.0)
    with pytest.raises(UnboundLocalError, match="`y`"):
        autocond.convert(_maybe_y)(-1.0)
    assert autocond.convert(_maybe_y)(1.0) == 2.0


def test_variable_first_assigned_in_a_traced_loop_that_ran_zero_times():
    def last_index(n):
        for i in range(n):
            last = i
        return last

    with pytest.raises(jax.errors.JaxRuntimeError) as info:
        autocond.jit(last_index)(jnp.int32(0))
    message = _message(info)
    assert re.search(f"`last` has no value at {_at(last_index, 'return last')}: it is first "
                     f"assigned inside the traced `for` loop at {_at(last_index, 'for i in')} "
                     f"\\(by {_by(last_index, 'last = i')}\\), "
                     r"which ran zero times\. Assign `last` before the loop\.", message)


def _first_on_the_first_trip(x, n):
    for i in range(n):
        if i == 0:
            a = x
        else:
            a = a + x
    return a


def test_variable_an_earlier_iteration_assigns_names_each_assignment():
    assert autocond.jit(_first_on_the_first_trip)(F(2.0), jnp.int32(3)) == _first_on_the_first_trip(2.0, 3)
    with pytest.raises(jax.errors.JaxRuntimeError) as info:
        jax.block_until_ready(autocond.jit(_first_on_the_first_trip)(F(2.0), jnp.int32(0)))
    fn = _first_on_the_first_trip
    assert re.search(f"`a` has no value at {_at(fn, 'return a')}: it is first assigned inside the traced "
                     f"`for` loop at {_at(fn, 'for i in')} \\(by {_by(fn, 'a = x')}, "
                     f"{_by(fn, 'a = a + x')}\\), "
                     "which ran zero times", _message(info))


# --- loop-carried variables ------------------------------------------------------------------


def _growing(n):
    v = jnp.zeros(2)
    for _ in range(n):
        v = jnp.concatenate([v, v])
    return v


def test_loop_carried_variable_changes_shape():
    with pytest.raises(errors.StagingError, match=r"`v` has a different shape in the traced `for`") as info:
        autocond.jit(_growing)(jnp.int32(3))
    message = _message(info)
    assert re.search(f"loop at {_FILE}: f32\\[2\\] before the loop, f32\\[4\\] after one iteration; it is "
                     f"assigned by {_by(_growing, 'v = jnp.concatenate([v, v])')}\\.", message)
    assert "preallocate it with its final shape before the loop" in message


def _grown_in_five_places(n):
    v = jnp.zeros(1)
    for _ in range(n):
        v = jnp.concatenate([v, v])
        v = v + 1
        v = v * 2
        v = v - 1
        v = v / 2
    return v


def test_an_error_shows_three_assignments_and_counts_the_rest():
    with pytest.raises(errors.StagingError) as info:
        autocond.jit(_grown_in_five_places)(jnp.int32(3))
    fn = _grown_in_five_places
    assert re.search(f"; it is assigned by {_by(fn, 'v = jnp.concatenate([v, v])')}, {_by(fn, 'v = v + 1')}, "
                     f"{_by(fn, 'v = v * 2')} and 2 more\\. ", _message(info))


def _grown_match(n):
    match = jnp.zeros(1)  # a name, not a `match` statement
    for _ in range(n):
        match = jnp.concatenate([match, match])
    return match


def test_a_variable_named_match_is_shown_where_assigned():
    with pytest.raises(errors.StagingError) as info:
        autocond.jit(_grown_match)(jnp.int32(3))
    assigned = _by(_grown_match, "match = jnp.concatenate([match, match])")
    assert re.search(f"; it is assigned by {assigned}\\. ", _message(info)), _message(info)


def test_loop_carried_variable_changes_shape_in_a_while_loop():
    def doubling(x):
        s = jnp.ones(1)
        while x > 0:
            s = jnp.concatenate([s, s])
            x = x - 1
        return s

    with pytest.raises(errors.StagingError, match=r"`s` has a different shape in the traced `while` loop at "
                       r".*: f32\[1\] before the loop, f32\[2\] after one iteration"):
        autocond.jit(doubling)(jnp.array(2.0))


def _int_to_float(n):
    v = jnp.array(0, jnp.int32)
    i = 0
    while i < n:
        v = v + 0.5  # int32 + a Python float: float32
        i += 1
    return v


def test_loop_carried_variable_changes_dtype():
    with pytest.raises(errors.StagingError, match="`v` has a different dtype in the traced `while`") as info:
        autocond.jit(_int_to_float)(jnp.int32(3))
    message = _message(info)
    assert re.search(f"loop at {_FILE}: i32\\[\\] before the loop, f32\\[\\] after one iteration; it is "
                     f"assigned by {_by(_int_to_float, 'v = v + 0.5')}\\.", message)
    assert "convert it before the loop, e.g. `v = v.astype(jnp.float32)`" in message


def test_weakly_typed_python_number_in_a_loop_is_promoted_not_an_error():
    def mean_step(n):
        v = 0  # a Python int, carried as a weak int, then promoted to float by the body
        i = 0
        while i < n:
            v = v + 0.5
            i += 1
        return v

    assert float(autocond.jit(mean_step)(jnp.int32(3))) == mean_step(3) == 1.5


def test_loop_carried_variable_changes_structure():
    def pairs(n):
        acc = (jnp.zeros(()), jnp.zeros(()))
        for _ in range(n):
            acc = [acc[0] + 1, acc[1]]
        return acc

    message = "`acc` has a different structure in the traced `for` loop"
    with pytest.raises(errors.StagingError, match=message) as info:
        autocond.jit(pairs)(jnp.int32(2))
    assert re.search(f"loop at {_FILE}: PyTreeDef\\(\\(\\*, \\*\\)\\) before the loop, "
                     r"PyTreeDef\(\[\*, \*\]\) after one iteration", _message(info))


# --- branches that disagree ------------------------------------------------------------------


def test_branches_give_a_variable_different_shapes():
    def pad(x):
        if x.sum() > 0:
            y = jnp.zeros(2)
        else:
            y = jnp.zeros(3)
        return y

    with pytest.raises(errors.StagingError, match="`y` has a different shape in the branches") as info:
        autocond.jit(pad)(jnp.ones(2))
    message = _message(info)
    assert re.search(f"traced `if` at {_FILE}: f32\\[2\\] in the `if` branch, f32\\[3\\] in the "
                     "`else` branch", message)
    assert "must give it the same shape" in message


def test_branches_give_a_variable_different_structures():
    def pack(x):
        if x > 0:
            y = (x, x)
        else:
            y = [x, x]
        return y

    with pytest.raises(errors.StagingError, match="`y` has a different structure") as info:
        autocond.jit(pack)(jnp.array(1.0))
    message = _message(info)
    assert re.search(f"traced `if` at {_FILE}: PyTreeDef\\(\\(\\*, \\*\\)\\) in the `if` branch, "
                     r"PyTreeDef\(\[\*, \*\]\) in the `else` branch", message)
    assert "same structure" in message


def _returns_pair_or_one(x):
    if x > 0:
        return x, x
    return x


def _returns_in_loop_or_after(x, n):
    for i in range(n):
        if x > i:
            return x, i
    return x


def _returns_or_falls_off(x):
    if x > 0:
        return x
    x = x + 1


@pytest.mark.parametrize("fn, args, where, first, second", [
    (_returns_pair_or_one, (1.0,), "`if` at", (r"PyTreeDef((*, *))", "return x, x"),
     ("PyTreeDef(*)", "return x")),
    # the guard of the rest of the function after the loop's `return`
    (_returns_in_loop_or_after, (1.0, 3), "`return` at", ("PyTreeDef(*)", "return x"),
     ("PyTreeDef((*, *))", "return x, i")),
])
def test_returns_of_different_structures_name_both_returns(fn, args, where, first, second):
    with pytest.raises(errors.StagingError) as info:
        autocond.jit(fn)(*map(jnp.asarray, args))
    message = _message(info)
    assert re.search(
        f"The function returns a different structure on the paths through the traced {where} "
        f"{_FILE}: {re.escape(first[0])} from {_by(fn, first[1])}, "
        f"{re.escape(second[0])} from {_by(fn, second[1])}\\. Every `return` "
        "must give the same structure", message), message


def test_return_and_falling_off_the_end_name_both():
    with pytest.raises(errors.StagingError) as info:
        autocond.jit(_returns_or_falls_off)(jnp.asarray(1.0))
    assert re.search(f"PyTreeDef\\(\\*\\) from {_by(_returns_or_falls_off, 'return x')}, "
                     "PyTreeDef\\(None\\) from falling off the end of the function \\(`None`\\)",
                     _message(info))


def _returns_two_shapes(x):
    if x > 0:
        return jnp.zeros(2), x
    return jnp.zeros(3), x


def test_returns_of_different_shapes_name_both_returns():
    with pytest.raises(errors.StagingError) as info:
        autocond.jit(_returns_two_shapes)(F(1.0))
    fn = _returns_two_shapes
    assert re.search(f"^The return value at `\\[0\\]` has a different shape in the branches of the traced "
                     f"`if` at {_at(fn, 'if x > 0')}: f32\\[2\\] from {_by(fn, 'return jnp.zeros(2), x')}, "
                     f"f32\\[3\\] from {_by(fn, 'return jnp.zeros(3), x')}\\. Every `return` a traced "
                     "condition picks between must give the same shape", _message(info)), _message(info)


def _shapes_across_a_break(x, n):
    v = jnp.zeros(2)
    for i in range(n):
        if x > i:
            if x > 2 * i:
                break
            v = v + 1
        v = jnp.zeros(3)
    return v


def _shapes_across_a_continue(x, n):  # in a `while` loop
    v, i = jnp.zeros(2), 0
    while i < n:
        i += 1
        if x > i:
            if x > 2 * i:
                continue
            v = v + 1
        v = jnp.zeros(3)
    return v


def _shapes_across_a_return(x):
    v = jnp.zeros(2)
    if x > 1:
        if x > 2:
            return v
        v = v + 1
    w = jnp.zeros(3)
    return w


@pytest.mark.parametrize("fn, args, exit, variable, assigned, rest", [
    (_shapes_across_a_break, (F(1.0), 5), "break", "`v`", "v = jnp.zeros(3)", "the loop body"),
    (_shapes_across_a_continue, (F(1.0), 5), "continue", "`v`", "v = jnp.zeros(3)", "the loop body"),
    (_shapes_across_a_return, (F(1.0),), "return v", "The return value", None, "the function"),
])
def test_the_guard_of_an_exit_is_named_for_the_exit(fn, args, exit, variable, assigned, rest):
    """The code after a `break`, `continue` or `return` under a traced condition runs under a
    guard autocond adds: an error names the exit, not an `if` the user did not write."""
    with pytest.raises(errors.StagingError) as info:
        autocond.jit(fn)(*args)
    message = _message(info)
    kind = exit.split()[0]
    assert re.search(f"^{variable} has a different shape in the branches of the traced `{kind}` at "
                     f"{_at_statement(fn, exit)}: f32\\[3\\] (in|from) .*, f32\\[2\\] (in|from) ", message), \
        message
    if assigned:
        assert re.search(f"f32\\[3\\] in the rest of {rest}, f32\\[2\\] in the path of the `{kind}`; it is "
                         f"assigned by {_by(fn, assigned)}\\.", message), message
    else:
        assert re.search(f"f32\\[3\\] from {_by(fn, 'return w')}, f32\\[2\\] from {_by(fn, 'return v')}\\.",
                         message), message


def _picks_two_shapes(x):
    y = jnp.zeros(2) if x > 0 else jnp.zeros(3)
    return y


def test_a_conditional_expression_is_named_by_its_target():
    with pytest.raises(errors.StagingError) as info:
        autocond.jit(_picks_two_shapes)(F(1.0))
    assert re.search(f"^`y` has a different shape in the branches of the traced conditional expression at "
                     f"{_at(_picks_two_shapes, 'y = ')}: f32\\[2\\] in the value if true, f32\\[3\\] in the "
                     "value if false\\.", _message(info)), _message(info)
    with pytest.raises(errors.StagingError, match="^The value has a different shape in the branches of the "
                       "traced conditional expression at "):
        autocond.jit(lambda x: jnp.sum(jnp.zeros(2) if x > 0 else jnp.zeros(3)))(F(1.0))


def test_branches_give_a_dict_entry_different_shapes():
    def update(x):
        state = {"a": x, "b": jnp.zeros(2)}
        if x > 0:
            state = {"a": x, "b": jnp.zeros(4)}
        return state

    with pytest.raises(errors.StagingError, match=r"`state\['b'\]` has a different shape"):
        autocond.jit(update)(jnp.array(1.0))


# --- values that are not JAX types -----------------------------------------------------------


def test_string_changed_by_a_traced_if():
    def label(x):
        name = "negative"
        if x > 0:
            name = "positive"
        return x, name

    with pytest.raises(errors.StagingError, match="`name` is not a JAX value") as info:
        autocond.jit(label)(jnp.array(1.0))
    message = _message(info)
    assert re.search(f"traced `if` at {_FILE}", message)
    assert "the str 'positive' in the `if` branch, the str 'negative' in the `else` branch" in message
    assert "make the condition static (e.g. `static_argnames`)" in message


def test_string_unchanged_by_a_traced_if_passes_through():
    def label(x):
        name = "value"
        if x > 0:
            x = x * 2
        return x, name

    out, name = autocond.convert(label)(jnp.array(3.0))
    assert name == "value" and float(out) == 6.0


class _Box:
    pass


def test_object_changed_by_a_traced_loop():
    def rebox(n):
        box = _Box()
        i = 0
        while i < n:
            box = _Box()
            i += 1
        return i, box

    with pytest.raises(errors.StagingError, match="`box` is not a JAX value on every path through the traced "
                       "`while` loop") as info:
        autocond.jit(rebox)(jnp.int32(2))
    message = _message(info)
    assert re.search(f"loop at {_FILE}, and it differs: the _Box <.*> before the loop, the _Box <.*> "
                     "after one iteration", message)
    assert "compute this value outside the loop" in message


def test_string_changed_by_a_traced_for_loop():
    def tags(n):
        tag = "t"
        for _ in range(n):
            tag = tag + "!"
        return tag

    with pytest.raises(errors.StagingError, match="`tag` is not a JAX value on every path") as info:
        autocond.jit(tags)(jnp.int32(2))
    assert re.search(f"the traced `for` loop at {_FILE}, and it differs: the str 't' before the loop, "
                     "the str 't!' after one iteration", _message(info))


# --- several variables that break the rules: one error naming each ----------------------------


def _two_mismatches_in_branches(x):
    if x.sum() > 0:
        y = jnp.zeros(2)
        z = (x, x)
    else:
        y = jnp.zeros(3)
        z = [x, x]
    return y, z


def test_every_variable_branches_disagree_on_is_named():
    with pytest.raises(errors.StagingError) as info:
        autocond.jit(_two_mismatches_in_branches)(jnp.ones(2))
    message = _message(info)
    fn = _two_mismatches_in_branches
    assert re.search(f"^The traced `if` at {_FILE} cannot carry 2 of its variables:\n"
                     "- `y` has a different shape in the branches of the traced `if` at .*: f32\\[2\\] in "
                     f"the `if` branch, f32\\[3\\] in the `else` branch; it is assigned by "
                     f"{_by(fn, 'y = jnp.zeros(2)')}, {_by(fn, 'y = jnp.zeros(3)')}\\. .*\n"
                     "- `z` has a different structure in the branches of .*; it is assigned by "
                     f"{_by(fn, 'z = (x, x)')}, {_by(fn, 'z = [x, x]')}\\. ", message), message


def _three_mismatches_in_a_loop(n):
    v = jnp.zeros(2)
    w = jnp.array(0, jnp.int32)
    tag = "t"
    for _ in range(n):
        v = jnp.concatenate([v, v])
        w = w + 0.5
        tag = tag + "!"
    return v, w, tag


def test_every_variable_a_loop_cannot_carry_is_named():
    with pytest.raises(errors.StagingError) as info:
        autocond.jit(_three_mismatches_in_a_loop)(jnp.int32(2))
    message = _message(info)
    assert re.search(f"^The traced `for` loop at {_FILE} cannot carry 3 of its variables:\n"
                     "- `tag` is not a JAX value on every path .*\n- `v` has a different shape .*\n"
                     "- `w` has a different dtype", message), message


def _array_made_a_string(n):
    a = jnp.zeros(3)
    b = jnp.zeros(2)
    i = 0
    for _ in range(n):
        a = "a string"
        b = b + 1.0
        i += 1
    return a, b, i


def test_a_variable_after_one_that_breaks_the_rules_is_checked_as_itself():
    # Found in review: the variables after `a` were compared with the types of the ones before.
    with pytest.raises(errors.StagingError, match="^`a` is not a JAX value on every path") as info:
        autocond.jit(_array_made_a_string)(jnp.int32(2))
    assert "cannot carry" not in _message(info)


# --- source that cannot be converted ---------------------------------------------------------


def test_function_defined_with_exec_has_no_source():
    namespace = {}
    exec("def from_string(x):\n    return x\n", namespace)
    fn = namespace["from_string"]
    with pytest.raises(errors.SourceError, match="cannot read the source of `from_string`") as info:
        autocond.convert(fn)
    message = _message(info)
    assert "(<string>:1)" in message
    assert "put the function in a module" in message
    with pytest.raises(OSError):  # what a user catching `inspect`'s error catches
        autocond.jit(fn)


def test_a_lambda_made_by_eval_has_no_source():
    square = eval("lambda x: x * x")
    with pytest.raises(errors.SourceError, match="cannot read the source of `<lambda>` \\(<string>:1\\)"):
        autocond.convert(square)


@pytest.mark.parametrize("now", ["\n\n\n", "def other(x):\n    return x\n"])
def test_a_function_whose_file_changed_since_import_is_a_source_error(tmp_path, now):
    path = tmp_path / "edited.py"
    path.write_text("def edited(x):\n    return x\n")
    spec = importlib.util.spec_from_file_location("edited", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    path.write_text(now)  # its lines now hold other code, or none
    linecache.checkcache(str(path))
    with pytest.raises(errors.SourceError, match=re.escape(
            f"autocond found no `def edited` for `edited` ({path}:1) in its source: was its file changed "
            "after it was imported?")):
        autocond.convert(module.edited)


def test_generator_function_is_refused():
    def count_up(n):
        i = 0
        while i < n:
            yield i
            i += 1

    with pytest.raises(errors.UnsupportedSyntaxError, match="`.*count_up` uses `yield`") as info:
        autocond.convert(count_up)
    message = _message(info)
    assert re.search(f"at {_at(count_up, 'yield i')}", message)
    assert "Collect the values in a list" in message


# --- statements kept as Python meet a traced condition ---------------------------------------


def _countdown_logging(x):
    log = types.SimpleNamespace(seen=[])
    while x > 0:
        log.seen.append(x)
        x = x - 1
    return x


def test_traced_condition_on_a_while_loop_changing_an_object():
    assert autocond.convert(_countdown_logging)(3) == _countdown_logging(3) == 0  # static
    with pytest.raises(errors.NotConvertedError, match="is traced, but autocond keeps this") as info:
        autocond.jit(_countdown_logging)(jnp.array(3.0))
    message = _message(info)
    assert re.search(f"The condition at {_FILE}", message)
    assert re.search(f"because it changes `log` in place at {_at(_countdown_logging, 'log.seen.append')}",
                     message)
    assert "Make the condition static (e.g. with `static_argnames`)" in message


def _countdown_collecting(x):
    seen = []
    while x > 0:
        seen.append(x)
        x = x - 1
    return seen


def test_a_list_growing_in_a_loop_with_a_traced_trip_count():
    assert autocond.convert(_countdown_collecting)(2) == _countdown_collecting(2) == [2, 1]
    with pytest.raises(errors.StagingError) as info:
        autocond.jit(_countdown_collecting)(jnp.array(3.0))
    assert re.search(f"`seen` grows by one item per iteration of the traced `while` loop at "
                     f"{_at(_countdown_collecting, 'while x > 0')}, but its trip count is traced, so "
                     r"the list would have a traced length\. Preallocate an array", _message(info))


def _append_in_one_branch(x):
    ys = []
    if x > 0:
        ys.append(x)
    return ys


def test_append_in_one_traced_branch():
    with pytest.raises(errors.StagingError) as info:
        autocond.jit(_append_in_one_branch)(jnp.array(1.0))
    assert re.search(f"`ys` has a different structure in the branches of the traced `if` at "
                     f"{_at(_append_in_one_branch, 'if x > 0')}: PyTreeDef\\(\\[\\*\\]\\) in the `if` "
                     r"branch, PyTreeDef\(\[\]\) in the `else` branch; it is assigned by "
                     f"{_by(_append_in_one_branch, 'ys.append(x)')}\\..*append to a list in every branch "
                     "or in none", _message(info))


def _key_set_on_the_first_trip(x, n):
    d = {}
    for i in range(n):
        if i == 0:
            d["a"] = x
        else:
            d["a"] = d["a"] + x
    return d["a"]


def _key_set_on_the_first_trip_of_a_while(x):
    d = {}
    first = True
    while x < 10.0:
        if first:
            d["s"] = x
        else:
            d["s"] = d["s"] * 2
        first = False
        x = x + 3.0
    return x, d


@pytest.mark.parametrize("n", [1, 3])
def test_a_dict_key_a_traced_loop_sets_first_is_read_on_later_iterations(n):
    assert_matches_python(_key_set_on_the_first_trip, F(2.0), jnp.int32(n))
    assert_matches_python(_key_set_on_the_first_trip_of_a_while, F(9.0 - 3 * n))  # 2, 4 trips
    xs = jnp.array([1.0, -2.0])
    got = jax.vmap(autocond.convert(_key_set_on_the_first_trip), in_axes=(0, None))(xs, jnp.int32(n))
    assert got.tolist() == [_key_set_on_the_first_trip(x, n) for x in xs.tolist()]


def _key_never_set_before_it_is_read(x, n):
    d = {}
    for i in range(n):
        if i == 1:
            d["a"] = x
        elif i > 1:
            d["a"] = d["a"] + x
    return d


def test_a_dict_key_a_traced_loop_sets_first_when_it_runs_zero_times_is_a_clear_error():
    # Python gives `{}` (`for`) and a dict without the key (`while`); autocond gives the dict
    # the keys it has after the first iteration, so such a run fails.
    fn = _key_set_on_the_first_trip
    with pytest.raises(KeyError):
        fn(F(2.0), 0)
    with pytest.raises(jax.errors.JaxRuntimeError) as info:
        autocond.jit(fn)(F(2.0), jnp.int32(0)).block_until_ready()
    read = _at(fn, '= d["a"] + x')
    assert re.search(f"The traced `for` loop at {_at(fn, 'for i')} ran zero times, so `d` has no key 'a', "
                     f"which only an iteration sets \\(its body reads it at {read}\\).*"
                     r"Set `d\['a'\]` before the loop", _message(info))
    fn = _key_set_on_the_first_trip_of_a_while
    assert fn(F(20.0)) == (20.0, {})
    with pytest.raises(jax.errors.JaxRuntimeError, match="The traced `while` loop at .* ran zero times"):
        jax.block_until_ready(autocond.jit(fn)(F(20.0)))
    # Nor does the first iteration set it: an error while tracing.
    fn = _key_never_set_before_it_is_read
    assert fn(F(2.0), 3) == {"a": 4.0}
    with pytest.raises(errors.StagingError, match=(
            f"`d` has no key 'a' before the traced `for` loop at {_at(fn, 'for i')}.*its first iteration "
            "does not set it")):
        autocond.jit(fn)(F(2.0), jnp.int32(3))


def test_a_function_nesting_too_deeply_once_converted_is_a_clear_error(tmp_path, monkeypatch):
    # Each early `return` under a condition nests the rest of the function one level deeper
    # (here deeper than a recursion limit lowered for the test).
    lines = ["def guarded(x):"]
    for k in range(80):
        lines += [f"    if x > {k}:", f"        return x * {k}", f"    x = x + {k}"]
    path = tmp_path / "guards.py"
    path.write_text("\n".join([*lines, "    return x", ""]))
    spec = importlib.util.spec_from_file_location("guards", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    depth, frame = 0, sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 250)  # 80 levels need more
    monkeypatch.setattr(_transpiler, "_RECURSION_LIMIT", depth + 250)
    try:
        with pytest.raises(errors.ConversionError, match=(
                f"`guarded` \\({re.escape(str(path))}:1\\) nests too deeply to convert: an expression, or "
                "the functions autocond generates for the code after each `return` under a condition.*Split "
                "the function")):
            autocond.convert(module.guarded)
    finally:
        sys.setrecursionlimit(limit)
    assert autocond.convert(module.guarded)(jnp.float32(0.5)) == module.guarded(0.5)  # with room to recurse


@pytest.mark.parametrize("terms", [500, 900])
def test_an_expression_as_deep_as_python_compiles_converts(terms, tmp_path):
    source = "def f(x):\n    if x > 0:\n        x = " + " + ".join(["x"] * terms) + "\n    return x\n"
    converted = autocond.transform_source(source, all_functions=True)  # was a RecursionError from 250
    compile(converted, "deep.py", "exec")
    assert "ac__.if_stmt(x > 0" in converted
    path = tmp_path / f"deep_{terms}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert autocond.jit(module.f)(jnp.float32(1.0)) == module.f(1.0) == terms


def test_a_nonlocal_a_jitted_function_leaves_traced():
    hits = 0

    def count_positive(x):
        nonlocal hits
        if x > 0:
            hits += 1
        return x

    with pytest.raises(errors.StagingError) as info:
        autocond.jit(count_positive)(jnp.array(1.0))
    assert re.search(f"`hits` \\(`nonlocal`\\) holds a traced value when `.*count_positive` "
                     f"\\({_at(count_positive, 'def count_positive')}\\), which autocond.jit compiles, "
                     "returns: .* Return it instead", _message(info))
    assert hits == 0  # the failed attempt left no side effect


def test_a_nonlocal_a_closure_of_a_jitted_function_leaves_traced():
    total = 0.0

    def add_positive(x):
        def add():
            nonlocal total
            if x > 0:
                total = total + x
        add()
        return x

    with pytest.raises(errors.StagingError, match="`total` \\(`nonlocal`\\) holds a traced value when"):
        autocond.jit(add_positive)(jnp.array(1.0))
    assert total == 0.0


def test_traced_condition_on_an_if_assigning_a_global():
    global _hits

    def count_positive(x):
        global _hits
        if x > 0:
            _hits += 1
        return x

    _hits = 0
    with pytest.raises(errors.NotConvertedError, match="assigns `_hits`, which is declared `global`") as info:
        autocond.jit(count_positive)(jnp.array(1.0))
    assert re.search(f"The condition at {_FILE} is traced", _message(info))
    assert _hits == 0  # the failed attempt left no side effect


# --- not a function --------------------------------------------------------------------------


@pytest.mark.parametrize("thing", [3, len, "def f(x): return x"], ids=["int", "builtin", "str"])
def test_convert_of_a_non_function(thing):
    with pytest.raises(TypeError, match="autocond.convert expects a Python function, got"):
        autocond.convert(thing)
    with pytest.raises(TypeError, match="expects a Python function"):
        autocond.to_source(thing)


# --- the `file:line` of the statement --------------------------------------------------------


def _traced_if(x):
    if x.sum() > 0:
        y = jnp.zeros(2)
    else:
        y = jnp.zeros(3)
    return y


def _traced_while(x):
    v = jnp.array(0, jnp.int32)
    while x > 0:
        v = v + 0.5
        x = x - 1
    return v


def _traced_for(n):
    v = jnp.zeros(1)
    for _ in range(n):
        v = jnp.concatenate([v, v])
    return v


@pytest.mark.parametrize("fn, arg, error, statement", [
    (_traced_if, jnp.ones(2), errors.StagingError, "if x.sum() > 0"),
    (_maybe_y, jnp.array(-1.0), jax.errors.JaxRuntimeError, "if x > 0"),  # when the program runs
    (_traced_while, jnp.array(2.0), errors.StagingError, "while x > 0"),
    (_traced_for, jnp.int32(2), errors.StagingError, "for _ in range(n)"),
    (_countdown_logging, jnp.array(3.0), errors.NotConvertedError, "while x > 0"),
], ids=["if", "undefined", "while", "for", "not-converted"])
def test_error_names_the_line_of_the_statement(fn, arg, error, statement):
    kind = statement.split()[0]
    with pytest.raises(error) as info:
        jax.block_until_ready(autocond.jit(fn)(arg))
    message = _message(info)
    assert re.search(f"(`{kind}`( loop)?|condition) at {_at(fn, statement)}\\b", message), message


# --- what Python's meaning cannot be kept for ------------------------------------------------


def appends_to_a_list_it_was_given(x, n, acc):
    for i in range(n):
        acc.append(i)
    return x


def test_a_for_loop_kept_as_python_over_a_traced_range():
    fn = autocond.jit(appends_to_a_list_it_was_given, static_argnames="acc")
    with pytest.raises(errors.NotConvertedError) as info:
        fn(1.0, 3, ())
    at = _at(appends_to_a_list_it_was_given, "for i in range(n)")
    assert re.match(rf"The `range` at {at} has a traced bound, but autocond keeps this `for` loop as plain "
                    r"Python because it changes `acc` in place at .*\. Make the bound static", _message(info))
    acc = []
    assert autocond.convert(appends_to_a_list_it_was_given)(1.0, 3, acc) == 1.0 and acc == [0, 1, 2]


def depth(n):
    if n <= 0:
        return 0
    return 1 + depth(n - 1)


def test_recursion_whose_depth_is_traced():
    assert autocond.jit(depth, static_argnames="n")(3) == 3
    with pytest.raises(errors.StagingError) as info:
        autocond.jit(depth)(3)
    # (the innermost construct traced: the `if` whose `else` holds what follows its `return`)
    assert re.match(rf"Python's recursion limit was reached while tracing the traced `if` at "
                    rf"{_at(depth, 'if n <= 0')}\. Every branch .* Make the condition that stops it "
                    "static", _message(info))


def test_a_static_bool_bound_beside_a_traced_one_is_an_int():
    def f(x, n):
        s = 0.0
        for _ in range(False, n):
            s += x
        return s

    assert autocond.jit(f)(2.0, 3) == f(2.0, 3) == 6.0
    with pytest.raises(TypeError, match=r"`range` needs integer arguments, got a traced float32 \(at "):
        autocond.jit(f)(2.0, 3.0)
