"""The `autocond` command and `autocond.transform_source`, called as `main(argv)`."""

from __future__ import annotations

import importlib.util
import inspect
import io
import os
import re
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import pytest

import autocond
from autocond import _cli, _transpiler
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


def _tree(root):
    """{relative path: bytes} of the files under `root`."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# --- what the converted code computes --------------------------------------------------------


def test_converted_module_computes_what_plain_python_does(source_file, tmp_path, capsys, monkeypatch):
    assert main(["convert", str(source_file)]) == 0
    converted = capsys.readouterr().out
    (tmp_path / "model_converted.py").write_text(converted)
    plain = {name: inspect.unwrap(getattr(_import(source_file, "model"), name))
             for name in ("loop", "sign", "count", "untouched")}  # the functions as written

    def no_conversion(fn):
        raise AssertionError(f"{fn} was converted again")

    monkeypatch.setattr(_transpiler, "convert_function", no_conversion)
    result = _import(tmp_path / "model_converted.py", "model_converted")
    assert "ac.jit" not in converted and "@jit_alias" not in converted and "@ac.convert" not in converted
    for n in (0, 1, 4):  # the loop runs zero, one and several times
        assert_same(plain["loop"](jnp.float32(0.5), n=n), result.loop(jnp.float32(0.5), n=n))
    for x in (3.0, -3.0, 0.0):  # each branch of `sign`, traced under `jax.jit`
        assert_same(plain["sign"](jnp.float32(x)), result.sign(jnp.float32(x)))
    for x in (200.0, 50.0, 1.0):  # zero, one and several iterations, eagerly and traced
        assert_same(plain["count"](jnp.float32(x)), result.count(jnp.float32(x)))
        assert_same(plain["count"](jnp.float32(x)), jax.jit(result.count)(jnp.float32(x)))
    for y in (True, 0):
        assert result.untouched(y) == plain["untouched"](y)


@pytest.mark.parametrize("options", [[], ["--all"], ["-f", "untouched", "-f", "count"]])
def test_converting_twice_changes_nothing(source_file, options):
    assert main(["convert", "-i", *options, str(source_file)]) == 0
    once = source_file.read_bytes()
    assert once != MODULE.encode()
    assert main(["convert", "--check", *options, str(source_file)]) == 0
    assert main(["convert", "-i", *options, str(source_file)]) == 0
    assert source_file.read_bytes() == once


def test_the_command_never_imports_or_runs_a_file(tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "side_effects.py"
    path.write_text(f"import autocond\nopen({str(marker)!r}, 'w').close()\nraise SystemExit(3)\n\n"
                    "@autocond.jit\ndef f(x):\n    if x > 0:\n        x = -x\n    return x\n")
    assert main(["convert", "-i", str(path)]) == 0
    assert "ac__.if_stmt" in path.read_text()
    assert not marker.exists() and "side_effects" not in sys.modules


# --- text kept outside and inside the converted functions ------------------------------------

HEADER = '# -*- coding: utf-8 -*-\r\n"""Größen: a module with CRLF line endings."""\r\nimport autocond\r\n'
BEFORE = ('\r\n# a comment before\r\nGREETING = "héllo wörld ✓"  # non-ASCII\r\n'
          'x  =  [1,2,   3]   # spacing kept\r\n\r\n\r\n')
FUNCTION = ('@autocond.jit  # compiled\r\ndef f(x):\r\n    # inside, kept\r\n    if x > 0:  # the test\r\n'
            '        x = -x  # negate\r\n    return x  # result\r\n')
AFTER = '\r\n\r\ndef plain(y):\r\n    if y:   # untouched\r\n        return "ünïcode"\r\n    return None\r\n'


def test_comments_crlf_and_non_ascii_are_kept_outside_the_converted_functions(tmp_path):
    path = tmp_path / "crlf.py"
    path.write_bytes((HEADER + BEFORE + FUNCTION + AFTER).encode())
    assert main(["convert", "--in-place", str(path)]) == 0
    out = path.read_bytes().decode()
    imports = "import autocond.operators as ac__\r\nimport jax\r\n"
    assert out.startswith(HEADER + imports + BEFORE) and out.endswith(AFTER)
    converted = out[len(HEADER + imports + BEFORE):-len(AFTER)]
    assert "\n" not in converted.replace("\r\n", "")  # no bare line feed was introduced
    assert converted == (
        "# compiled\r\n"
        "@jax.jit\r\n"
        "def f(x):\r\n"
        "\r\n"
        "    # inside, kept\r\n"
        "    # the test\r\n"
        "    def if_true(x):\r\n"
        "        x = -x  # negate\r\n"
        "        return x\r\n"
        "    x = ac__.if_stmt(x > 0, if_true, None, (x,), ('x',))\r\n"
        "    return x  # result\r\n")


@pytest.mark.parametrize("header, encoding", [
    (b"\xef\xbb\xbf", "utf-8-sig"),  # a byte order mark
    (b"# -*- coding: latin-1 -*-\n", "latin-1"),
])
def test_the_file_encoding_is_kept(tmp_path, header, encoding):
    path = tmp_path / "encoded.py"
    source = 'import autocond\nS = "café"\n\n@autocond.convert\ndef f(x):\n    return x if x else S\n'
    path.write_bytes(header + source.encode(encoding.removesuffix("-sig")))
    assert main(["convert", "-i", str(path)]) == 0
    out = path.read_bytes()
    assert out.startswith(header) and 'S = "café"'.encode(encoding.removesuffix("-sig")) in out
    assert "ac__.if_exp(x, lambda: x, lambda: S)" in out.decode(encoding)


def test_comments_inside_converted_functions_stay_with_their_statements():
    text = textwrap.dedent('''\
        import autocond

        class Model:
            @staticmethod  # kept decorator
            @autocond.convert
            def step(x, n):  # the step
                total = 0  # start
                for i in range(n):  # each item
                    # add it
                    total = total + x[i]  # accumulate
                x[0] = total  # store
                return (x,  # a tuple
                        total)
        ''')
    assert autocond.transform_source(text).split("class Model:\n")[1] == textwrap.indent(textwrap.dedent('''\
        @staticmethod  # kept decorator
        def step(x, n):  # the step
            total = 0  # start

            # each item
            def loop_body(i, total):
                # add it
                total = total + x[i]  # accumulate
                return total
            total = ac__.for_stmt(
                ac__.range_(range, n), loop_body, (total,), ('total',))
            x = ac__.setitem(x, 0, total)  # store
            return (x,  # a tuple
                    total)
        '''), "    ")


# --- choosing the functions ------------------------------------------------------------------

CHOICES = textwrap.dedent('''\
    import functools

    import jax.numpy as jnp


    class Model:
        def step(self, x):
            if x > 0:
                x = -x
            return jnp.abs(x)  # a call, converted once only


    @functools.cache
    def step(x):
        while x < 10:
            x = x * 2
        return x


    def straight(x):
        return (x+1)  # nothing to convert: kept as written
''')


@pytest.mark.parametrize("options, converted", [
    ({}, []),
    ({"functions": ["step"]}, ["Model.step", "step"]),
    ({"functions": ["Model.step"]}, ["Model.step"]),
    ({"all_functions": True}, ["Model.step", "step"]),
])
def test_functions_are_chosen_by_name_or_all(options, converted):
    out = autocond.transform_source(CHOICES, **options)
    assert ("ac__.if_stmt" in out) == ("Model.step" in converted)
    assert ("ac__.while_stmt" in out) == ("step" in converted)
    assert "@functools.cache\ndef step(x):" in out  # its other decorators stay
    assert out.endswith("def straight(x):\n    return (x+1)  # nothing to convert: kept as written\n")
    assert autocond.transform_source(out, **options) == out


INNER_FUNCTIONS = textwrap.dedent('''\
    import autocond


    @autocond.jit  # compile it
    @staticmethod
    def make(scale):
        def g(y):
            if y > 0:  # kept as written unless chosen
                return y * scale
            return -y
        return g


    @autocond.jit
    def outer(x):
        def helper(y):
            if y > 0:  # converted when called
                return y
            return -y
        return helper(x)


    def factory(scale):
        @autocond.jit
        def inner(x):
            if x > 0:
                x = x * scale
            return x
        return inner
    ''')


@pytest.mark.parametrize("options", [{}, {"all_functions": True}, {"functions": ["g"]}])
def test_inner_functions_and_converting_twice(options):
    out = autocond.transform_source(INNER_FUNCTIONS, **options)
    assert out == autocond.transform_source(out, **options)
    assert out == autocond.transform_source(autocond.transform_source(out), **options)
    # Nothing to convert in `make` itself: only its decorators change, and `g` is converted only if chosen.
    assert "# compile it\n@jax.jit\n@staticmethod\ndef make(scale):\n    def g(y):\n" in out
    assert ("        if y > 0:  # kept as written unless chosen\n" in out) == (options == {})
    # A function inside a converted one is converted when called (through `ac__.call`).
    assert "    def helper(y):\n        if y > 0:  # converted when called\n" in out
    assert "return ac__.call(helper)(x)" in out
    # Nothing to convert in `factory`: the decorated function inside it is converted.
    assert "def factory(scale):\n    @jax.jit\n    def inner(x):\n" in out
    assert "x = ac__.if_stmt(x > 0, if_true, None, (x,), ('x',))" in out


@pytest.mark.parametrize("text", [
    "def f(x):\n    if {*\x0c\x0c    '',\x0c    }:\n     pass\n\n    pass\n",
    "def f(x):\n    if {}:\n\x0c\x0c\x0c     pass\n\n    pass\n",
])
def test_form_feeds_do_not_split_lines(text):
    # Found by the property tests: `str.splitlines` splits at form feeds, Python does not.
    out = autocond.transform_source(text, all_functions=True)
    assert "ac__.if_stmt(" in out
    compile(out, "<converted>", "exec")
    assert autocond.transform_source(out, all_functions=True) == out


def test_carriage_return_line_endings_are_kept():
    text = "import autocond\r@autocond.jit\rdef f(x):\r    if x > 0:  # flip\r        x = -x\r    return x\r"
    out = autocond.transform_source(text)
    assert "\n" not in out and "\r    # flip\r    def if_true(x):\r" in out
    compile(out, "<converted>", "exec")


def test_a_backslash_before_a_carriage_return_continues_the_line():
    # Found by the property tests: Python's `tokenize` module does not continue such a line.
    text = "def f(x):\r    y = x + \\\r  1  # one\r    if y > 0:\r        y = -y\r    return y\r"
    out = autocond.transform_source(text, all_functions=True)
    assert "\r    y = x + \\\r  1  # one\r\r    def if_true(y):\r" in out  # as written
    namespace = {}
    exec(compile(out, "<converted>", "exec"), namespace)
    plain = {}
    exec(text, plain)
    for x in (-3, 2):
        assert jax.jit(namespace["f"])(jnp.int32(x)) == plain["f"](x)


@pytest.mark.parametrize("text, message", [
    ("def numbers(n):\n    for i in range(n):\n        if i:\n            yield i\n",
     "`numbers` uses `yield` at <string>:4"),
    ("async def numbers(n):\n    if n > 0:\n        n = -n\n    return n\n",
     r"`numbers` \(<string>:1\) is an `async def`"),
])
def test_all_leaves_generators_and_coroutines_as_written_but_a_chosen_one_is_an_error(text, message):
    assert autocond.transform_source(text, all_functions=True) == text
    with pytest.raises(autocond.errors.UnsupportedSyntaxError, match=message):
        autocond.transform_source(text, functions=["numbers"])


def test_source_pythons_tokenize_cannot_read_is_a_source_error():
    # Found by the random-source property test: Python compiles a backslash continuing a
    # blank line, `tokenize` (which autocond reads comments with) fails on it.
    text = "def f(x):\n    if x:\n        x = -x\n\n     \\\r\n\n    return x\n"
    compile(text, "<string>", "exec")
    message = r"cannot read the comments of `f` \(<string>:1\) to keep them: Python's `tokenize`"
    with pytest.raises(autocond.errors.SourceError, match=message):
        autocond.transform_source(text, all_functions=True)


def test_functions_option_of_the_command(tmp_path, capsys):
    path = tmp_path / "choices.py"
    path.write_text(CHOICES)
    assert main(["convert", "--function", "Model.step", str(path)]) == 0
    assert capsys.readouterr().out == autocond.transform_source(CHOICES, functions=["Model.step"])


def test_a_function_no_file_defines_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "a.py").write_text("def other(x):\n    return x\n")
    (tmp_path / "b.py").write_text(CHOICES)
    assert main(["convert", "-i", "-f", "Model.step", "-f", "Model.stpe", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "error: -f Model.stpe: no function `Model.stpe` in the files given" in err
    assert "Model.step:" not in err
    # The functions found are converted all the same.
    assert (tmp_path / "b.py").read_text() == autocond.transform_source(CHOICES, functions=["Model.step"])


def test_calls_on_library_imports_stay_as_written():
    text = textwrap.dedent("""\
        import math
        import jax.numpy as jnp
        from numpy import cos
        import autocond
        from local_helpers import helper  # not installed: may be the user's

        @autocond.convert
        def f(x):
            return jnp.sin(x) + math.floor(2.5) + cos(x) + helper(x) + abs(x)
        """)
    out = autocond.transform_source(text)
    assert "    return jnp.sin(x) + math.floor(2.5) + cos(x) + ac__.call(helper)(x) + abs(x)\n" in out


@pytest.mark.parametrize("keyword, loses", [("max_trips", "bound its loops"),
                                             ("warn_unrolled", "warn of loops that unroll")])
def test_autocond_keywords_cannot_be_written_as_jax_jit(tmp_path, capsys, keyword, loses):
    path = tmp_path / "bounded.py"
    path.write_text(f"import autocond\n\n@autocond.jit({keyword}=8)\ndef f(x):\n    return x\n")
    assert main(["convert", str(path)]) == 123
    assert capsys.readouterr().err == (
        f"{path}:3:2: `f` uses `{keyword}`, which `jax.jit` does not take: a converted file cannot {loses}. "
        "Leave this file to `autocond.jit` at run time.\n1 file failed\n")


# --- modes -----------------------------------------------------------------------------------


def test_printing_is_the_default_for_one_file_and_writes_nothing(source_file, capsys):
    assert main(["convert", str(source_file)]) == 0
    captured = capsys.readouterr()
    assert captured.out == autocond.transform_source(MODULE, str(source_file))
    assert captured.err == "1 file converted\n"
    assert source_file.read_text() == MODULE


def test_standard_input_to_standard_output(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(MODULE.encode())))
    assert main(["convert", "-"]) == 0
    assert capsys.readouterr().out == autocond.transform_source(MODULE)


def test_standard_input_named_as_an_editors_file(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"def f(:\n")))
    assert main(["convert", "--stdin-filename", "src/model.py", "-"]) == 123
    assert capsys.readouterr().err.startswith("src/model.py:1:")


def test_in_place_keeps_the_mode_and_leaves_unchanged_files_alone(tmp_path, source_file, capsys):
    source_file.chmod(0o751)
    plain = tmp_path / "plain.py"
    plain.write_text("def f(x):\n    return x\n")
    inode = plain.stat().st_ino
    assert main(["convert", "--in-place", str(source_file), str(plain)]) == 0
    assert source_file.read_text() == autocond.transform_source(MODULE, str(source_file))
    assert stat.S_IMODE(source_file.stat().st_mode) == 0o751
    assert plain.stat().st_ino == inode  # not rewritten
    assert capsys.readouterr() == ("", f"converted {source_file}\n1 file converted, 1 unchanged\n")
    assert sorted(os.listdir(tmp_path)) == ["model.py", "plain.py"]  # no temporary file left


def test_in_place_writes_through_a_link(tmp_path, source_file):
    link = tmp_path / "link.py"
    link.symlink_to(source_file)
    assert main(["convert", "-i", str(link)]) == 0
    assert link.is_symlink() and "ac__" in source_file.read_text()


def test_output_to_a_file(tmp_path, source_file, capsys):
    source_file.chmod(0o640)
    out = tmp_path / "out" / "converted.py"
    assert main(["convert", "-o", str(out), str(source_file)]) == 0
    assert out.read_text() == autocond.transform_source(MODULE, str(source_file))
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert source_file.read_text() == MODULE
    assert capsys.readouterr().out == ""


def test_output_into_a_directory_for_one_file(tmp_path, source_file):
    (tmp_path / "out").mkdir()
    assert main(["convert", "-o", str(tmp_path / "out"), str(source_file)]) == 0
    want = autocond.transform_source(MODULE, str(source_file))
    assert _tree(tmp_path / "out") == {"model.py": want.encode()}


def test_standard_input_to_a_file(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(MODULE.encode())))
    assert main(["convert", "-", "-o", str(tmp_path / "out.py")]) == 0
    assert (tmp_path / "out.py").read_text() == autocond.transform_source(MODULE, "<stdin>")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE((tmp_path / "out.py").stat().st_mode) == 0o666 & ~umask


def test_output_mirrors_a_directory(tmp_path):
    src = tmp_path / "src"
    for name in ["model.py", "pkg/deep/model.py", "pkg/notes.txt", ".hidden/model.py", "__pycache__/model.py",
                 "build/model.py", "x.egg-info/model.py"]:
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_text(MODULE)
    (src / "pkg" / "plain.py").write_text("x = 1\n")
    before = _tree(src)
    assert main(["convert", str(src), "-o", str(tmp_path / "out")]) == 0
    assert _tree(tmp_path / "out") == {
        "model.py": autocond.transform_source(MODULE, str(src / "model.py")).encode(),
        "pkg/deep/model.py": autocond.transform_source(MODULE, str(src / "pkg/deep/model.py")).encode(),
        "pkg/plain.py": b"x = 1\n",  # unchanged files are written too
    }
    assert _tree(src) == before


def test_output_mirrors_several_files_below_their_common_directory(tmp_path, source_file):
    (tmp_path / "a").mkdir()
    other = tmp_path / "a" / "other.py"
    other.write_text(MODULE)
    assert main(["convert", str(source_file), str(other), "-o", str(tmp_path / "out")]) == 0
    assert sorted(_tree(tmp_path / "out")) == ["a/other.py", "model.py"]


def test_diff_writes_nothing(tmp_path, source_file, capsys):
    plain = tmp_path / "plain.py"
    plain.write_text("x = 1")
    assert main(["convert", "--diff", str(source_file), str(plain)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"--- {source_file}\n+++ {source_file}\n@@ -2,")
    assert "-@jit_alias\n+@jax.jit\n def sign(x):\n" in out and str(plain) not in out
    assert source_file.read_text() == MODULE


def test_diff_of_a_last_line_without_newline():
    assert _cli._diff("f.py", "a\nb", "a\nc") == (
        "--- f.py\n+++ f.py\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n"
        "+c\n\\ No newline at end of file\n")


def test_check_exits_1_when_a_file_would_change(tmp_path, source_file, capsys):
    plain = tmp_path / "plain.py"
    plain.write_text("x = 1\n")
    assert main(["convert", "--check", str(tmp_path)]) == 1
    assert capsys.readouterr() == (
        "", f"would convert {source_file}\n1 file would be converted, 1 unchanged\n")
    assert source_file.read_text() == MODULE
    assert main(["convert", "--check", str(plain)]) == 0
    assert capsys.readouterr().err == "1 file unchanged\n"


def test_an_empty_directory(tmp_path, capsys):
    assert main(["convert", "--check", str(tmp_path)]) == 0
    assert capsys.readouterr().err == "no Python files found\n"


@pytest.mark.parametrize("counts, check, line", [
    ((3, 5, 1), False, "3 files converted, 5 unchanged, 1 failed"),
    ((1, 0, 0), False, "1 file converted"),
    ((0, 2, 1), False, "2 files unchanged, 1 failed"),
    ((1, 1, 0), True, "1 file would be converted, 1 unchanged"),
    ((0, 0, 0), False, "no Python files found"),
])
def test_summary_line(counts, check, line):
    assert _cli._summary(*counts, check=check) == line


class _Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("files, bar", [(_cli.PROGRESS_BAR_FILES, True),
                                        (_cli.PROGRESS_BAR_FILES - 1, False)])
def test_progress_bar_in_a_terminal_for_many_files(tmp_path, monkeypatch, files, bar):
    for k in range(files):
        (tmp_path / f"m{k:02}.py").write_text("x = 1\n" if k else MODULE)
    monkeypatch.setattr(sys, "stderr", _Terminal())
    assert main(["convert", "--check", str(tmp_path)]) == 1
    err = sys.stderr.getvalue()
    assert ("\r[" + "#" * 30 + f"] {files}/{files}" in err) == bar
    assert ("\r[###" in err.split("would convert")[1]) == bar  # drawn again after the message
    assert err.endswith(f"\r1 file would be converted, {files - 1} unchanged\n" if bar else "unchanged\n")


def test_progress_within_a_long_file_in_a_terminal(tmp_path, monkeypatch):
    path = tmp_path / "long.py"
    functions = [f"@autocond.jit\ndef f{k}(x):\n    if x > 0:\n        x = -x\n    return x\n"
                 for k in range(3)]
    path.write_text("import autocond\n\n\n" + "\n\n".join(functions))
    lines = path.read_text().count("\n")
    monkeypatch.setattr(_cli, "PROGRESS_BAR_LINES", lines)
    monkeypatch.setattr(sys, "stderr", _Terminal())
    assert main(["convert", "--check", str(path)]) == 1
    err = sys.stderr.getvalue()
    reached = [f"\r{path}: line {line} of {lines}" for line in (8, 15, lines)]  # each function's last line
    assert all(shown in err for shown in reached) and err.index(reached[0]) < err.index(reached[2])
    assert err.endswith("\r1 file would be converted\n")  # cleared before the summary
    monkeypatch.setattr(_cli, "PROGRESS_BAR_LINES", lines + 1)  # a shorter file shows none
    monkeypatch.setattr(sys, "stderr", _Terminal())
    assert main(["convert", "--check", str(path)]) == 1
    assert "line" not in sys.stderr.getvalue()


# --- bad input -------------------------------------------------------------------------------


def test_syntax_error_reports_path_line_column_and_goes_on(tmp_path, source_file, capsys):
    bad = tmp_path / "bad.py"
    bad.write_text("x = 1\ndef f(:\n    pass\n")
    before = bad.read_bytes()
    assert main(["convert", "-i", str(bad), str(source_file)]) == 123
    assert capsys.readouterr().err == (
        f"{bad}:2:7: invalid syntax\nconverted {source_file}\n1 file converted, 1 failed\n")
    assert "ac__" in source_file.read_text()  # the good file was still converted
    assert bad.read_bytes() == before


def test_unconvertible_function_is_reported_with_its_location(tmp_path, capsys):
    gen = tmp_path / "gen.py"
    gen.write_text("import autocond\n\n@autocond.jit\ndef g(x):\n    yield x\n")
    assert main(["convert", "--check", str(gen)]) == 123
    assert capsys.readouterr().err.startswith(f"{gen}: `g` uses `yield` at {gen}:5; a generator")


@pytest.mark.parametrize("content, message", [
    (b"x = 1\ny = 2\nz = '\xff\xfe'\n",
     "cannot decode: 'utf-8' codec can't decode byte 0xff in position 17: invalid start byte"),
    (b"# coding: klingon\nx = 1\n", "cannot decode: unknown encoding: klingon"),
    (None, "No such file or directory"),
])
def test_unreadable_files_are_reported_and_left_alone(tmp_path, source_file, capsys, content, message):
    path = tmp_path / "problem.py"
    if content is not None:
        path.write_bytes(content)
    assert main(["convert", "-i", str(path), str(source_file)]) == 123
    assert capsys.readouterr().err.startswith(f"{path}: {message}\n")
    assert (path.read_bytes() if content is not None else None) == content
    assert "ac__" in source_file.read_text()


def test_a_path_below_a_file(source_file, capsys):
    assert main(["convert", str(source_file / "x.py")]) == 123
    assert capsys.readouterr().err == f"{source_file / 'x.py'}: Not a directory\n1 file failed\n"


def test_output_that_does_not_compile_is_never_written(source_file, capsys, monkeypatch):
    monkeypatch.setattr(_cli, "transform_source", lambda text, *args, **kwargs: text + "return 1\n")
    assert main(["convert", "-i", str(source_file)]) == 123
    assert capsys.readouterr().err == (
        f"{source_file}: internal error, nothing written: the converted code does not compile: "
        f"line {MODULE.count(chr(10)) + 1}: 'return' outside function\n1 file failed\n")
    assert source_file.read_text() == MODULE


@pytest.mark.parametrize("interruption", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_an_interrupted_write_leaves_the_file_intact(tmp_path, source_file, monkeypatch, capsys,
                                                     interruption):
    def fail(source, destination):
        assert Path(source).read_text() != MODULE  # the new text is written, not yet renamed
        raise interruption

    monkeypatch.setattr(os, "replace", fail)
    if isinstance(interruption, OSError):
        assert main(["convert", "-i", str(source_file)]) == 123
        assert capsys.readouterr().err == f"{source_file}: No space left on device\n1 file failed\n"
    else:  # Ctrl-C: no traceback
        assert main(["convert", "-i", str(source_file)]) == 130
        assert capsys.readouterr().err == "Aborted!\n"
    assert source_file.read_text() == MODULE
    assert os.listdir(tmp_path) == ["model.py"]  # the temporary file is gone


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name != "posix", reason="POSIX signals")
def test_ctrl_c_in_a_running_command_says_aborted(tmp_path):
    # A real process, interrupted while it waits for standard input: no traceback, status 130.
    # Ctrl-C as in a terminal: where this test runs in the background, its shell ignores SIGINT,
    # and so would `python -m autocond`, which is run here with Python's own handler again.
    start = ("import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
             "sys.argv = ['autocond', 'convert', '-']; runpy.run_module('autocond', run_name='__main__')")
    command = subprocess.Popen([sys.executable, "-c", start], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3)  # started (in a tenth of a second, on an idle machine) and reading
    command.send_signal(signal.SIGINT)
    out, err = command.communicate(timeout=30)
    assert (command.returncode, out, err) == (130, "", "Aborted!\n")


def test_an_internal_error_is_reported_and_the_others_go_on(tmp_path, source_file, capsys, monkeypatch):
    def broken(text, filename, **options):
        if filename == str(source_file):
            raise KeyError("oops")
        return text

    monkeypatch.setattr(_cli, "transform_source", broken)
    plain = tmp_path / "plain.py"
    plain.write_text("x = 1\n")
    assert main(["convert", "--check", str(source_file), str(plain)]) == 123
    assert capsys.readouterr().err == (
        f"{source_file}: internal error, please report it: KeyError: 'oops'\n1 file unchanged, 1 failed\n")


# --- usage -----------------------------------------------------------------------------------


@pytest.mark.parametrize("argv, message", [
    ([], "the following arguments are required: command"),
    (["convert"], "the following arguments are required: PATH"),
    (["frobnicate", "x.py"], "invalid choice: 'frobnicate'"),
    (["convert", "--diff", "--check", "x.py"], "argument --check: not allowed with argument --diff"),
    (["convert", "-i", "-o", "out", "x.py"], "argument -o/--output: not allowed with argument -i/--in-place"),
    (["convert", "--all", "-f", "g", "x.py"], "argument -f/--function: not allowed with argument -a/--all"),
    (["convert", "a.py", "b.py"], "several files or a directory need --in-place, -o DIR, --diff or --check"),
    (["convert", "{tmp}"], "several files or a directory need --in-place, -o DIR, --diff or --check"),
    (["convert", "-i", "-"], "--in-place cannot rewrite standard input"),
    (["convert", "--check", "-", "a.py"], "- (standard input) cannot be given with other paths"),
    (["convert", "-o", "{tmp}", "-"], "-o {tmp} is a directory; standard input is written to a file"),
    (["convert", "-o", "{tmp}/model.py", "a.py", "b.py"], "-o {tmp}/model.py must be a directory"),
])
def test_usage_errors_exit_2(argv, message, source_file, capsys):
    tmp = str(source_file.parent)
    assert main([a.format(tmp=tmp) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: autocond") and message.format(tmp=tmp) in err


def test_help_exits_0(capsys):
    assert main(["convert", "--help"]) == 0
    out = capsys.readouterr().out
    assert "several files or a directory\nneed a mode: --in-place, -o DIR, --diff or --check." in out


def test_the_command_converts_without_importing_jax(tmp_path):
    # Source-only work: starting the command, and converting, import no JAX (nor autocond's runtime)
    path = tmp_path / "model.py"
    path.write_text("import autocond\n\n\n@autocond.jit\ndef f(x):\n    if x > 0:\n        x = -x\n"
                    "    return x\n")
    script = ("import sys\nfrom autocond._cli import main\nstatus = main(['convert', '-i', sys.argv[1]])\n"
              "print(status, sorted(m for m in sys.modules\n"
              "                     if m == 'jax' or m.startswith('autocond.operators')))")
    result = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True,
                            check=True)
    assert result.stdout.split("\n")[0] == "0 []", result.stdout + result.stderr
    assert "ac__.if_stmt(x > 0" in path.read_text()


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"autocond {autocond.__version__}\n"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX's")
def test_a_fifo_is_not_read(tmp_path, capsys):
    fifo = tmp_path / "pipe.py"
    os.mkfifo(fifo)
    assert main(["convert", "--check", str(tmp_path)]) == 0  # not among a directory's files
    assert capsys.readouterr().err == "no Python files found\n"
    assert main(["convert", "--check", str(fifo)]) == 123  # given by name: said so, not opened
    assert capsys.readouterr().err == f"{fifo}: not a regular file\n1 file failed\n"


def test_in_place_refuses_a_read_only_file(source_file, capsys):
    source_file.chmod(0o444)
    assert main(["convert", "-i", str(source_file)]) == 123
    assert capsys.readouterr().err == (f"{source_file}: read-only: not rewritten (make it writable to "
                                       "convert it in place)\n1 file failed\n")
    assert source_file.read_text() == MODULE


def test_quiet_reports_only_failures(tmp_path, source_file, capsys):
    broken = tmp_path / "broken.py"
    broken.write_text("def f(:\n")
    assert main(["convert", "-q", "-i", str(source_file), str(broken)]) == 123
    err = capsys.readouterr().err
    assert err.startswith(f"{broken}:1:") and err.count("\n") == 1, err  # the failure alone
    assert "ac__" in source_file.read_text()


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="only root can give a file away")
def test_in_place_keeps_the_owner(source_file):
    os.chown(source_file, 4321, 4321)
    assert main(["convert", "-i", str(source_file)]) == 0
    assert "ac__" in source_file.read_text()
    assert (source_file.stat().st_uid, source_file.stat().st_gid) == (4321, 4321)


def test_output_inside_the_input_directory_is_not_converted_again(tmp_path, source_file, capsys):
    out = tmp_path / "converted"
    for _ in range(2):
        assert main(["convert", "-o", str(out), str(tmp_path)]) == 0
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.py")) == [
        "converted/model.py", "model.py"]


def _tree_of_modules(root: Path) -> None:
    for name in ("a.py", "gen/b.py", "build/c.py", "pkg/d_test.py"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(MODULE)


@pytest.mark.parametrize("options, settings, converted", [
    ([], "", ["a.py", "gen/b.py", "pkg/d_test.py"]),  # `build` by default
    (["--exclude", "/gen/"], "", ["a.py", "build/c.py", "pkg/d_test.py"]),  # instead of the default
    (["--extend-exclude", r"_test\.py$"], "", ["a.py", "gen/b.py"]),  # besides it
    ([], 'extend-exclude = "/gen/"\n', ["a.py", "pkg/d_test.py"]),  # set in pyproject.toml
    (["--extend-exclude", "/pkg/"], 'extend-exclude = "/gen/"\n', ["a.py", "gen/b.py"]),  # the option wins
], ids=["default", "exclude", "extend-exclude", "pyproject", "option-over-pyproject"])
def test_excluded_files(tmp_path, capsys, options, settings, converted):
    _tree_of_modules(tmp_path / "src")
    if settings:
        (tmp_path / "pyproject.toml").write_text("[tool.autocond]\n" + settings)
    assert main(["convert", "--check", *options, str(tmp_path / "src")]) == 1
    err = capsys.readouterr().err
    assert sorted(line.removeprefix(f"would convert {tmp_path / 'src'}/") for line in err.splitlines()
                  if line.startswith("would convert")) == converted


def test_an_unknown_setting_is_a_usage_error(tmp_path, source_file, capsys):
    (tmp_path / "pyproject.toml").write_text("[tool.autocond]\nexclud = 'x'\n")
    assert main(["convert", "--check", str(source_file)]) == 2
    assert "[tool.autocond] in pyproject.toml: unknown setting 'exclud'" in capsys.readouterr().err


def test_a_broken_pyproject_is_a_usage_error(tmp_path, source_file, capsys):
    (tmp_path / "pyproject.toml").write_text("[tool.autocond\n")
    assert main(["convert", "--check", str(source_file)]) == 2
    assert "cannot read pyproject.toml: " in capsys.readouterr().err


def test_docstrings_stay_docstrings(tmp_path):
    text = ('import autocond\n\n\n@autocond.jit\ndef f(x, n):\n    """Sums."""\n    for i in range(n):\n'
            '        if i > 3:\n            y = i\n    return y\n')
    namespace = {}
    exec(compile(autocond.transform_source(text), "model.py", "exec"), namespace)
    assert namespace["f"].__wrapped__.__doc__ == "Sums."


def test_the_user_s_text_is_kept_where_the_conversion_changes_nothing():
    # A 2-space file: the signature, statements and the expressions the conversion keeps
    # are as written (layout, literals, quotes, comments); generated code is indented by 2.
    text = textwrap.dedent("""\
        import autocond
        import jax.numpy as jnp


        @autocond.jit
        def step(x,
                 scale=1e-3):  # the signature
          y = jnp.clip(x,
                       -1.0,  # low
                       +1.0)
          if y > 0:
            raise ValueError(
                'too large: '
                f'{scale}')
          return jnp.where(x > 0,
                           helper(y),  # changed
                           y * scale)
        """)
    assert autocond.transform_source(text).split("@jax.jit\n")[1] == textwrap.dedent("""\
        def step(x,
                 scale=1e-3):  # the signature
          y = jnp.clip(x,
                       -1.0,  # low
                       +1.0)

          def if_true():
            ac__.raise_(ValueError(
                'too large: '
                f'{scale}'))
            return ()
          ac__.if_stmt(y > 0, if_true, None, (), (), returned=(True, False))
          return jnp.where(x > 0,
                           ac__.call(helper)(y),  # changed
                           y * scale)
        """)


def test_generated_lines_are_wrapped_at_the_file_s_line_length():
    text = textwrap.dedent("""\
        import autocond


        @autocond.jit
        def step(x, y, some_long_variable_name, another_long_variable_name, and_more):
          if x > 0 and y > 0 and some_long_variable_name > another_long_variable_name:
            x, y, some_long_variable_name = -x, -y, and_more
          return x, y, some_long_variable_name
        """)
    # Its longest line is 79 characters, the call autocond generates longer.
    assert autocond.transform_source(text).split("    return (some_long_variable_name, x, y)\n")[1] == (
        "  some_long_variable_name, x, y = ac__.if_stmt(\n"
        "    ac__.and_(x > 0, lambda: y > 0, lambda: some_long_variable_name > another_long_variable_name),\n"
        "    if_true, None, (some_long_variable_name, x, y),\n"
        "    ('some_long_variable_name', 'x', 'y'))\n"
        "  return x, y, some_long_variable_name\n")
    longer = text + "\n# " + "-" * 300 + "\n"  # a file of longer lines: the call fits
    assert ("  some_long_variable_name, x, y = ac__.if_stmt(ac__.and_(x > 0, lambda: y > 0, lambda: "
            in autocond.transform_source(longer))


def test_a_form_feed_in_a_kept_statement_s_comment_splits_no_line():
    # Found by the property tests: `str.splitlines` splits at a form feed, Python does not.
    text = "def f(x):\n    if x:\n        global A  #\x0c, A\n        pass\n    else:\n        return x\n"
    out = autocond.transform_source(text, all_functions=True)
    assert "        global A  #\x0c, A\n" in out
    compile(out, "<converted>", "exec")


def test_a_multi_line_string_that_moves_keeps_its_text():
    # The code after the early `return` moves into a branch, one level deeper. A string whose
    # lines would move with it is written as Python writes it; one whose would not, as written.
    text = ('import autocond\n\n\n@autocond.jit\ndef f(x):\n    if x > 0:\n        return x\n'
            '    s = """one\n    two"""\n    t = """three\n  four"""\n    return x + len(s) + len(t)\n')
    out = autocond.transform_source(text)
    assert "        s = 'one\\n    two'\n" in out and '        t = """three\n  four"""\n' in out
    namespace = {}
    exec(compile(out, "model.py", "exec"), namespace)
    want = -1.0 + len("one\n    two") + len("three\n  four")
    assert_same(namespace["f"](jnp.float32(-1.0)), jnp.float32(want))


def test_the_pre_commit_hooks_convert_and_check(tmp_path):
    # Each hook's `entry`, given the files as pre-commit gives them: `autocond` rewrites them,
    # `autocond-check` fails until nothing is left to convert.
    hooks = (Path(__file__).parents[1] / ".pre-commit-hooks.yaml").read_text()
    entries = dict(re.findall(r"^- id: (\S+)$.*?^  entry: ([^\n]+)$", hooks, re.M | re.S))
    assert set(entries) == {"autocond", "autocond-check"}
    source = tmp_path / "model.py"
    source.write_text("import autocond\n\n\n@autocond.jit\ndef f(x):\n"
                      "    if x > 0:\n        x = -x\n    return x\n")
    check, convert = (entries[hook].split() for hook in ("autocond-check", "autocond"))
    assert check[0] == convert[0] == "autocond"
    assert main(check[1:] + [str(source)]) == 1
    assert main(convert[1:] + [str(source)]) == 0
    assert "ac__.if_stmt(" in source.read_text()
    assert main(check[1:] + [str(source)]) == 0


def test_pragmas_stay_on_the_line_they_apply_to():
    text = ("import autocond\n\n\n@autocond.jit\ndef f(x, n):\n    if x > 0:  # type: ignore[operator]\n"
            "        x = x * 2  # noqa: E501\n    for i in range(n):  # pragma: no cover\n        x = x + i\n"
            "    return x  # an ordinary comment\n")
    out = autocond.transform_source(text)
    lines = out.splitlines()
    assert "    x = ac__.if_stmt(x > 0, if_true, None, (x,), ('x',))  # type: ignore[operator]" in lines
    assert "        x = x * 2  # noqa: E501" in lines
    assert any(line.startswith("    x = ac__.for_stmt(") and line.endswith("  # pragma: no cover")
               for line in lines)
    assert not any(line.strip().startswith("#") for line in lines)  # none alone on a line


def test_a_comment_at_a_del_is_kept():
    text = ("import autocond\n\n\n@autocond.jit\ndef f(x):\n    y = x * 2\n    del y  # free the buffer\n"
            "    if x > 0:\n        y = x\n    return y\n")
    assert "    y = ac__.Undefined('y')  # free the buffer\n" in autocond.transform_source(text)


_CALLS_INTO_PACKAGES = textwrap.dedent("""\
    import autocond
    import hypothesis
    from not_installed_anywhere import helper

    @autocond.convert
    def f(x):
        return hypothesis.note(x) or helper(x)
    """)


def test_the_output_does_not_depend_on_what_is_installed():
    # `hypothesis` is installed here, the other not: both are called through `ac__.call`
    out = autocond.transform_source(_CALLS_INTO_PACKAGES)
    assert "    return ac__.or_(ac__.call(hypothesis.note)(x), lambda: ac__.call(helper)(x))\n" in out
    named = autocond.transform_source(_CALLS_INTO_PACKAGES, libraries=["hypothesis"])
    assert "    return ac__.or_(hypothesis.note(x), lambda: ac__.call(helper)(x))\n" in named


def test_libraries_set_in_pyproject(tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text('[tool.autocond]\nlibraries = ["hypothesis"]\n')
    (tmp_path / "model.py").write_text(_CALLS_INTO_PACKAGES)
    assert main(["convert", str(tmp_path / "model.py")]) == 0
    assert "hypothesis.note(x)" in capsys.readouterr().out
    (tmp_path / "pyproject.toml").write_text('[tool.autocond]\nlibraries = "hypothesis"\n')
    assert main(["convert", str(tmp_path / "model.py")]) == 2
    assert "`libraries` must be a list of package names" in capsys.readouterr().err
