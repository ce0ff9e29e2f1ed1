"""Calls that may reach the user's own functions go through `ac__.call`, which converts them.

    y = helper(x)              →     y = ac__.call(helper)(x)
    z = self.step(y)           →     z = ac__.call(self.step)(y)
    w = jnp.sin(z)             →     w = jnp.sin(z)        (a library module: left alone)

What is called is decided at run time (`ac__.call`); the converter only leaves out calls it
can tell reach library code, builtins or classes: attributes of modules of installed packages
or the standard library, builtins not shadowed by a global (but those autocond replaces to
take traced values: `max`, `int`..., and `len` of a comprehension), classes, and the methods
of builtin containers and arrays (`xs.append`, `x.sum`). Converting source text, with no
globals to look at, the names its imports bind from library code stand for the modules.
Runs last among the converters, on every call the earlier ones left, so generated code calls
`ac__` directly.
"""

from __future__ import annotations

import builtins
import types

import gast

from autocond import _library
from autocond.converters import containers, functional
from autocond.converters.context import Context
from autocond.pyct import templates
from autocond.pyct.loader import RUNTIME_NAME

# Methods of the builtin containers (and the names they share with NumPy and JAX arrays):
# a call of one on a variable is taken to be the container's own.
_CONTAINER_METHODS = frozenset({
    "append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault", "popitem",
    "add", "discard", "sort", "reverse", "get", "items", "keys", "values", "copy", "index",
    "count", "astype", "reshape", "sum", "mean", "max", "min", "any", "all", "at", "set",
})


def _root(node: gast.expr) -> str | None:
    while isinstance(node, gast.Attribute):
        node = node.value
    return node.id if isinstance(node, gast.Name) else None


class _Transformer(functional.ExpressionTransformer):

    def visit_Call(self, node: gast.Call):
        node = self.generic_visit(node)
        if self._library(node.func) and not self._replaced(node):
            return node
        node.func = templates.replace_as_expression(f"{RUNTIME_NAME}.call(fn)", fn=node.func)
        return node

    def _replaced(self, node: gast.Call) -> bool:
        """Whether `node` calls a builtin `ac__.call` replaces: `len` only of a comprehension,
        the one case where its replacement counts differently (`builtin_functions.len_`)."""
        if not isinstance(node.func, gast.Name) or node.func.id not in _library.REPLACED_BUILTINS:
            return False
        return node.func.id != "len" or bool(node.args) and containers.is_filtered(node.args[0])

    def _library(self, func: gast.expr) -> bool:
        if isinstance(func, gast.Attribute) and func.attr in _CONTAINER_METHODS:
            return True
        root = _root(func)
        if root is None or root in self.ctx.local_names or root == RUNTIME_NAME:
            return root == RUNTIME_NAME
        if root in self.ctx.library_names:
            return True
        namespace = self.ctx.namespace
        if namespace is not None and root in namespace:
            value = namespace[root]
            if isinstance(func, gast.Name) and isinstance(value, type):
                return True  # a class: constructing it calls its methods as they are
            return isinstance(value, types.ModuleType) and _library.library_module(value)
        return isinstance(func, gast.Name) and hasattr(builtins, root)


def transform(node: gast.FunctionDef, ctx: Context) -> gast.FunctionDef:
    return _Transformer(ctx).generic_visit(node)
