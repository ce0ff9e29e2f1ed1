"""The `autocond` command and `autocond.transform_source`, called as `main(argv)`."""

from __future__ import annotations

import importlib.util
import io
import sys
import textwrap

import jax.numpy as jnp
import pytest

import autocond
from autocond._cli import main
from tests.support import assert_same

MODULE = textwrap.dedent('''\
    """A module with converted and untouched functions."""
    import jax.numpy as jnp
    import autocond as ac
    from autocond import jit as jit_alias

    SCALE = 2.0  # a comment outside the functions


    @ac.jit(static_argnames=("n",))
    def loop(x, n):
        for i in range(n):
            x = jnp.sin(x) * SCALE + i
        return x


    @jit_alias
    def sign(x):
        if x > 0:
            return x
        elif x < 0:
            return -x * SCALE
        return x + 1.0


    @ac.convert
    def count(x):
        k = 0
        while x < 100.0:
            x = x * 3.0
            k += 1
        return x, k


    def untouched(y):
        if y:  # kept as written
            return 1
        return 2
''')


def _import(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def source_file(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(MODULE)
    return path


def test_converted_module_computes_what_the_original_does(source_file, tmp_path, capsys):
    assert main(["convert", str(source_file)]) == 0
    converted = capsys.readouterr().out
    (tmp_path / "model_converted.py").write_text(converted)
    original = _import(source_file, "model")
    result = _import(tmp_path / "model_converted.py", "model_converted")
    assert "autocond.jit" not in converted and "ac.jit" not in converted and "@jit_alias" not in converted
    for n in (0, 1, 4):
        assert_same(original.loop(jnp.float32(0.5), n=n), result.loop(jnp.float32(0.5), n=n))
    for x in (3.0, -3.0, 0.0):  # every branch of `sign`
        assert_same(original.sign(jnp.float32(x)), result.sign(jnp.float32(x)))
    for x in (1.0, 200.0):  # zero and several iterations
        assert_same(original.count(jnp.float32(x)), result.count(jnp.float32(x)))
    assert result.untouched(True) == 1 and result.untouched(0) == 2


def test_converting_twice_changes_nothing(source_file, tmp_path, capsys):
    main(["convert", str(source_file)])
    once = capsys.readouterr().out
    again = tmp_path / "once.py"
    again.write_text(once)
    assert main(["convert", str(again)]) == 0
    assert capsys.readouterr().out == once


def test_text_outside_converted_functions_is_kept_byte_for_byte():
    text = MODULE.replace("\n", "\r\n").replace("A module", "Ein Modul für alle")
    out = autocond.transform_source(text)
    before, _, _ = text.partition("@ac.jit")
    assert out.startswith(before.split("\r\n\r\n")[0])  # docstring and imports, CRLF kept
    for kept in ["SCALE = 2.0  # a comment outside the functions\r\n", "Ein Modul für alle",
                 "def untouched(y):\r\n    if y:  # kept as written\r\n        return 1\r\n"]:
        assert kept in out
    assert "\n" not in out.replace("\r\n", "")  # no bare line feed was introduced


def test_printing_never_writes_the_file(source_file):
    before = source_file.read_bytes()
    main(["convert", str(source_file)])
    assert source_file.read_bytes() == before


def test_standard_input(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(MODULE))
    assert main(["convert", "-"]) == 0
    assert "ac__.for_stmt(ac__.range_(range, n)" in capsys.readouterr().out


def test_a_module_without_autocond_functions_is_unchanged():
    text = "import jax\n\ndef f(x):\n    if x:\n        return 1\n    return 2\n"
    assert autocond.transform_source(text) == text


def test_syntax_error_reports_path_line_column_and_goes_on(tmp_path, source_file, capsys):
    bad = tmp_path / "bad.py"
    bad.write_text("x = 1\ndef f(:\n    pass\n")
    before = bad.read_bytes()
    assert main(["convert", str(bad), str(source_file)]) == 123
    captured = capsys.readouterr()
    assert f"{bad}:2:7: invalid syntax" in captured.err
    assert "def loop(x, n):" in captured.out  # the good file was still converted
    assert bad.read_bytes() == before


def test_unconvertible_function_is_reported_with_its_location(tmp_path, capsys):
    gen = tmp_path / "gen.py"
    gen.write_text("import autocond\n\n@autocond.jit\ndef g(x):\n    yield x\n")
    assert main(["convert", str(gen)]) == 123
    assert f"`g` uses `yield` at {gen}:5" in capsys.readouterr().err


@pytest.mark.parametrize("problem", ["missing", "not_utf8"])
def test_unreadable_files_are_errors(tmp_path, capsys, problem):
    path = tmp_path / f"{problem}.py"
    if problem == "not_utf8":
        path.write_bytes(b"x = '\xff\xfe'\n")
    assert main(["convert", str(path)]) == 123
    assert str(path) in capsys.readouterr().err


@pytest.mark.parametrize("argv", [[], ["convert"], ["frobnicate", "x.py"]])
def test_usage_errors_exit_2(argv, capsys):
    assert main(argv) == 2
    assert "usage: autocond" in capsys.readouterr().err
