"""`converters.unsupported` and `analysis.python_only`: what is refused, and what stays Python."""

from __future__ import annotations

import pytest

from autocond import errors
from tests.converters.support import assert_converts, convert

KEPT_PYTHON = [
    pytest.param(
        """
        def f(x):
            global counter
            if x > 0:
                counter = counter + 1
            return x
        """,
        """
        def f(x):
            global counter
            if ac__.python_bool(x > 0, 'it assigns `counter`, which is declared `global`'):
                ac__.outer_store(lambda: counter)
                counter = counter + 1
            return x
        """,
        id="if-assigning-global",
    ),
    pytest.param(
        """
        def f(x):
            if x > 0:
                log.append(x)
            return x
        """,
        """
        def f(x):
            if ac__.python_bool(x > 0, 'it changes `log` in place at <test>:3'):
                ac__.object_change(log)
                log.append(x)
            return x
        """,
        id="if-mutating-non-local",
    ),
]


@pytest.mark.parametrize(("src", "expected"), KEPT_PYTHON)
def test_kept_as_python(src, expected):
    assert_converts(src, expected)


@pytest.mark.parametrize(
    "src",
    [
        pytest.param("def f(x):\n    yield x\n", id="yield"),
        pytest.param("def f(xs):\n    for x in xs:\n        yield from x\n", id="yield-from-in-loop"),
    ],
)
def test_generator_is_refused(src):
    with pytest.raises(errors.UnsupportedSyntaxError, match=r"`f` uses `yield` at <test>:\d+; a generator"):
        convert(src)


def test_async_def_is_refused():
    with pytest.raises(errors.UnsupportedSyntaxError, match=r"`f` \(<test>:1\) is an `async def`"):
        convert("async def f(x):\n    return x\n")
