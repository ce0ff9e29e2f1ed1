"""The operators' tests: each operator keeps the Python semantics its docstring gives as code
(the block after `::`), on Python values and on traced ones."""

from __future__ import annotations

import inspect
import re
import sys
import textwrap
from collections.abc import Callable
from typing import Any

import jax

from tests.support import assert_same


def reference(op: Callable) -> Callable:
    """The Python function in `op`'s docstring, run in `op`'s module (so it may use its names)."""
    block = re.match(r"\n\n((?:    .*\n|\n)+)", inspect.getdoc(op).split("::", 1)[1] + "\n")
    namespace = dict(vars(sys.modules[op.__module__]))
    exec(textwrap.dedent(block.group(1)), namespace)
    return namespace[op.__name__]


def assert_as_reference(op: Callable, args: Callable[..., tuple], *values: Any,
                        reference_args: Callable[..., tuple] | None = None, **keywords: Any) -> Any:
    """`op(*args(*values), **keywords)` gives what its reference gives on `values` (with
    `reference_args(*values)` where the two are called differently), both with `values`
    as they are and with them traced under `jax.jit`. Returns the reference's result."""
    want = reference(op)(*(reference_args or args)(*values), **keywords)
    assert_same(want, op(*args(*values), **keywords))
    assert_same(want, jax.jit(lambda *traced: op(*args(*traced), **keywords))(*values))
    return want
