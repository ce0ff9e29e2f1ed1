"""The public API's types, as a user's type checker reads them (autocond ships `py.typed`):
`convert` and `jit` keep the signature of the function they are given."""

from __future__ import annotations

import pathlib
import textwrap

import pytest

mypy_api = pytest.importorskip("mypy.api")  # in the `test` extra

_USER_CODE = textwrap.dedent("""
    import autocond

    def step(x: float, n: int) -> float:
        return x * n

    converted = autocond.convert(step)
    jitted = autocond.jit(step)

    @autocond.jit(static_argnames="n")
    def decorated(x: float, n: int) -> float:
        return x * n

    reveal_type(converted)
    reveal_type(jitted(1.0, 2))
    reveal_type(decorated(1.0, 2))
    jitted.lower(1.0, 2)
    converted(1.0, "two")
    decorated(1.0)
""")

_SETTINGS = textwrap.dedent("""
    [mypy]
    follow_imports = silent
    [mypy-jax.*,jaxlib.*,gast.*,numpy.*,ml_dtypes.*,opt_einsum.*,scipy.*]
    follow_imports = skip
    ignore_missing_imports = True
""")


def test_convert_and_jit_keep_the_signature(tmp_path):
    (tmp_path / "user.py").write_text(_USER_CODE)
    (tmp_path / "mypy.ini").write_text(_SETTINGS)
    out, err, _ = mypy_api.run([str(tmp_path / "user.py"), "--config-file", str(tmp_path / "mypy.ini"),
                                "--cache-dir", str(tmp_path / "cache"), "--no-error-summary"])
    # (older mypy releases name `builtins.float`)
    lines = [line.split(": ", 1)[1].replace("builtins.", "") for line in out.splitlines() if ": " in line]
    assert 'note: Revealed type is "def (x: float, n: int) -> float"' in lines, out
    assert lines.count('note: Revealed type is "float"') == 2, out
    assert any('Argument 2 has incompatible type "str"; expected "int"' in line for line in lines), out
    assert any('Missing positional argument "n"' in line for line in lines), out
    assert not any("lower" in line for line in lines), out  # the `jax.jit` object's methods are there
    assert pathlib.Path(__file__).parent.parent.joinpath("autocond", "py.typed").exists()


def test_the_public_api_type_checks(tmp_path):
    (tmp_path / "mypy.ini").write_text(_SETTINGS)
    package = pathlib.Path(__file__).parent.parent / "autocond"
    out, _, status = mypy_api.run([str(package / "__init__.py"), str(package / "_api.py"), "--config-file",
                                   str(tmp_path / "mypy.ini"), "--cache-dir", str(tmp_path / "cache")])
    assert status == 0, out
