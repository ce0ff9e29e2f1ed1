"""Source-to-source conversion of a module's text, for tools: never imports or runs it.

The functions decorated with `autocond.jit` or `autocond.convert` (under any import alias)
are replaced by their converted code, which calls `autocond.operators` directly, so the
result runs without converting again; `@autocond.jit(...)` becomes `jax.jit` with the same
keywords. Everything else in the text is kept byte for byte.
"""

from __future__ import annotations

import ast
import re

import gast

from autocond import _transpiler
from autocond.converters.context import Context
from autocond.pyct import naming
from autocond.pyct.loader import RUNTIME_NAME

_ENTRY_POINTS = ("jit", "convert")


def _autocond_names(module: gast.Module) -> tuple[set[str], dict[str, str]]:
    """Names bound to the `autocond` module, and names bound to its entry points."""
    modules, entries = set(), {}
    for node in gast.walk(module):
        if isinstance(node, gast.Import):
            modules.update(a.asname or a.name for a in node.names if a.name == "autocond")
        elif isinstance(node, gast.ImportFrom) and node.module == "autocond" and not node.level:
            entries.update({a.asname or a.name: a.name for a in node.names if a.name in _ENTRY_POINTS})
    return modules, entries


def _entry_point(decorator: gast.expr, modules: set[str], entries: dict[str, str]) -> str | None:
    """`"jit"` or `"convert"` if `decorator` is one of ours (called or not), else None."""
    target = decorator.func if isinstance(decorator, gast.Call) else decorator
    if isinstance(target, gast.Name):
        return entries.get(target.id)
    if (isinstance(target, gast.Attribute) and isinstance(target.value, gast.Name)
            and target.value.id in modules and target.attr in _ENTRY_POINTS):
        return target.attr
    return None


def _imports_needed(text: str, converted: str) -> list[str]:
    """The imports the converted functions use that `text` lacks."""
    wanted = [f"import autocond.operators as {RUNTIME_NAME}"]
    wanted += ["import functools"] if "@functools.partial(" in converted else []
    wanted += ["import jax"] if "jax.jit" in converted else []
    return [line for line in wanted if not re.search(rf"^{re.escape(line)}\s*$", text, re.M)]


def transform_source(text: str, filename: str = "<string>") -> str:
    """`text` with its `autocond`-decorated functions converted (see the module docstring).

    Raises `SyntaxError` for text that is not Python, and autocond's errors for functions it
    cannot convert.
    """
    module = gast.parse(text, filename)
    modules, entries = _autocond_names(module)
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    edits = []
    for node in gast.walk(module):
        if not isinstance(node, gast.FunctionDef):
            continue
        kinds = [_entry_point(d, modules, entries) for d in node.decorator_list]
        if not any(kinds) or any(first <= node.lineno <= last for first, last, _ in edits):
            continue  # not ours, or inside a function already converted
        indent = re.match(r"[ \t]*", lines[node.lineno - 1]).group()
        decorators = []
        for decorator, kind in zip(node.decorator_list, kinds):
            if kind == "jit" and isinstance(decorator, gast.Call) and decorator.keywords:
                keywords = ", ".join(ast.unparse(gast.gast_to_ast(k)) for k in decorator.keywords)
                decorators.append(f"@functools.partial(jax.jit, {keywords})")
            elif kind == "jit":
                decorators.append("@jax.jit")
            elif kind is None:
                decorators.append("@" + ast.unparse(gast.gast_to_ast(decorator)))
        first = min([node.lineno] + [d.lineno for d in node.decorator_list])
        tree = _transpiler.convert_tree(node, Context(naming.Namer(node), node.name, filename, 1))
        code = "\n".join(decorators + [ast.unparse(tree)])
        edits.append((first, node.end_lineno,
                      "".join((indent + line if line else "") + newline for line in code.split("\n"))))
    if not edits:
        return text
    for first, last, replacement in sorted(edits, reverse=True):
        lines[first - 1:last] = [replacement]
    return _add_imports("".join(lines), module, newline, "".join(r for _, _, r in edits))


def _add_imports(text: str, module: gast.Module, newline: str, converted: str) -> str:
    """`text` with the imports `converted` code needs, after the module's first imports."""
    needed = _imports_needed(text, converted)
    if not needed:
        return text
    body = module.body
    k = 0
    if body and isinstance(body[0], gast.Expr) and isinstance(body[0].value, gast.Constant):
        k = 1  # the docstring
    while k < len(body) and isinstance(body[k], (gast.Import, gast.ImportFrom)):
        k += 1
    after = body[k - 1].end_lineno if k else 0
    lines = text.splitlines(keepends=True)
    lines[after:after] = [line + newline for line in needed]
    return "".join(lines)
