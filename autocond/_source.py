"""Source-to-source conversion of a module's text, for tools: never imports or runs it.

The functions decorated with `autocond.jit` or `autocond.convert` (under any import alias),
and those selected by name or all of them on request, are replaced by their converted code,
which calls `autocond.operators` (`ac__`) directly, so the result runs without converting
again; `@autocond.jit(...)` becomes `jax.jit` with the same keywords, other decorators stay.
Everything else in the text is kept byte for byte, and comments inside the converted
functions stay with the statements they belong to.

Converting twice changes nothing. Every change the converter makes calls `ac__`, so a
function whose code uses `ac__` is taken as converted (with the functions inside it, which
the converted code converts when it calls them), and one whose conversion would not use it
has nothing to convert: its text stays, but for our decorators, and the functions inside it
are looked at on their own.
"""

from __future__ import annotations

import ast
import functools
import io
import re
import sys
import tokenize
from collections.abc import Collection, Iterator

import gast

from autocond import _transpiler, errors
from autocond.converters import unsupported
from autocond.converters.context import Context
from autocond.pyct import traversal, trees
from autocond.pyct.loader import RUNTIME_NAME

_ENTRY_POINTS = ("jit", "convert")
# What a compound statement holds besides its header.
_BLOCK_PARTS = (ast.stmt, ast.excepthandler, ast.match_case, gast.stmt, gast.excepthandler, gast.match_case)


def _autocond_names(module: gast.Module) -> tuple[set[str], dict[str, str]]:
    """Names bound to the `autocond` module, and names bound to its entry points."""
    modules, entries = set(), {}
    for node in traversal.walk(module):
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


def _functions(node: gast.AST, prefix: str = "") -> Iterator[tuple[str, gast.FunctionDef]]:
    """Each function (`async def` too) under `node` with its qualified name, outer functions
    before inner ones."""
    for child in gast.iter_child_nodes(node):
        inner = prefix
        if isinstance(child, (gast.FunctionDef, gast.AsyncFunctionDef, gast.ClassDef)):
            if not isinstance(child, gast.ClassDef):
                yield prefix + child.name, child
            inner = prefix + child.name + ("." if isinstance(child, gast.ClassDef) else ".<locals>.")
        yield from _functions(child, inner)


def function_names(text: str, filename: str = "<string>") -> set[str]:
    """The names and qualified names of the functions `text` defines: what `transform_source`'s
    `functions` may choose from. Raises `SyntaxError` for text that is not Python."""
    module = trees.parse(text, filename)
    return {name for qualname, node in _functions(module) for name in (node.name, qualname)}


def _lines(text: str) -> list[str]:
    """`text`'s lines as Python sees them, ends kept: split at `\n`, `\r\n` and `\r` only
    (`str.splitlines` also splits at form feeds and other characters Python code may hold)."""
    return io.StringIO(text, newline="").readlines()


# The packages whose calls stay as written whatever is installed: the standard library, JAX,
# NumPy (and those `transform_source` is told of). A call into another is `ac__.call(...)`,
# which, when it runs, converts the callee only if it is the user's: so the output is the same
# on every machine, and never leaves a user's function unconverted.
_LIBRARIES = frozenset(sys.stdlib_module_names) | {"jax", "jaxlib", "numpy", "autocond"}


def _library_imports(module: gast.Module, libraries: frozenset[str]) -> frozenset[str]:
    """The names the module's top-level imports bind from the packages `libraries` names."""
    names = set()
    for node in module.body:
        if isinstance(node, gast.Import):
            names.update(a.asname or a.name.split(".")[0] for a in node.names
                         if a.name.split(".")[0] in libraries)
        elif isinstance(node, gast.ImportFrom) and not node.level and node.module.split(".")[0] in libraries:
            names.update(a.asname or a.name for a in node.names if a.name != "*")
    return frozenset(names)


def _uses_runtime(node: gast.AST) -> bool:
    """Whether `node` holds converted code: it calls `ac__`."""
    return any(isinstance(n, (gast.Name, ast.Name)) and n.id == RUNTIME_NAME for n in traversal.walk(node))


def _imports_needed(text: str, converted: str) -> list[str]:
    """The imports the converted functions use that `text` lacks."""
    wanted = [f"import autocond.operators as {RUNTIME_NAME}"] if f"{RUNTIME_NAME}." in converted else []
    wanted += ["import functools"] if "@functools.partial(" in converted else []
    wanted += ["import jax"] if "jax.jit" in converted else []
    return [line for line in wanted if not re.search(rf"^{re.escape(line)}\s*$", text, re.M)]


def _decorators(fn: gast.FunctionDef, kinds: list[str | None], qualname: str,
                filename: str) -> list[ast.expr]:
    """The converted function's decorators: ours become `jax.jit` or go, others stay."""
    kept = []
    for decorator, kind in zip(fn.decorator_list, kinds):
        if kind == "jit" and isinstance(decorator, gast.Call) and decorator.keywords:
            if any(k.arg == "max_trips" for k in decorator.keywords):
                raise errors.UnsupportedSyntaxError(
                    f"`{qualname}` uses `max_trips`, which `jax.jit` does not take: a converted file "
                    "cannot bound its loops. Leave this file to `autocond.jit` at run time.",
                    (filename, decorator.lineno, decorator.col_offset + 1, None))
            keywords = ", ".join(ast.unparse(trees.to_ast(k)) for k in decorator.keywords)
            kept.append(ast.parse(f"functools.partial(jax.jit, {keywords})", mode="eval").body)
        elif kind == "jit":
            kept.append(ast.parse("jax.jit", mode="eval").body)
        elif kind is None:
            kept.append(trees.to_ast(decorator))
    return kept


@_transpiler.room_to_recurse()  # deep expressions: CPython compiles about 900 levels
def transform_source(text: str, filename: str = "<string>", *, functions: Collection[str] = (),
                     all_functions: bool = False, libraries: Collection[str] = ()) -> str:
    """`text` with its `autocond`-decorated functions converted (see the module docstring).

    `functions` also converts the functions with these names (`step`) or qualified names
    (`Model.step`), and `all_functions` every function (not generators or `async def`); their
    decorators stay as they are. Calls into the standard library, JAX, NumPy and the packages
    `libraries` names (`optax`) stay as written; others go through `ac__.call`, which converts
    the user's functions when they run. Raises `SyntaxError` for text that is not Python, and
    autocond's errors for functions it cannot convert.
    """
    module = trees.parse(text, filename)
    modules, entries = _autocond_names(module)
    library_names = _library_imports(module, _LIBRARIES | set(libraries))
    lines = _lines(text)
    newline = next((end for end in ("\r\n", "\r") if lines and lines[0].endswith(end)), "\n")
    covered = []  # the lines of the functions converted, now or before, inner ones included
    edits = []  # (first line, last line, lines of code to put there)
    for qualname, node in list(_functions(module)):  # listed first: converting changes the tree
        if any(first <= node.lineno <= last for first, last in covered):
            continue  # converted with the function around it
        kinds = [_entry_point(d, modules, entries) for d in node.decorator_list]
        chosen = (all_functions and isinstance(node, gast.FunctionDef)  # not an `async def`,
                  and unsupported.suspension(node) is None  # nor a generator
                  or node.name in functions or qualname in functions)
        if not any(kinds) and (not chosen or _uses_runtime(node)):
            if chosen:
                covered.append((node.lineno, node.end_lineno))  # converted already
            continue
        first = min([node.lineno] + [d.lineno for d in node.decorator_list])
        decorators = _decorators(node, kinds, qualname, filename)
        comments = _comments_by_statement(node, lines[first - 1:node.end_lineno], first, filename)
        indent = re.match(r"[ \t]*", lines[node.lineno - 1]).group()
        with _transpiler.converting(qualname, f"{filename}:{node.lineno}"):  # its unparsing too
            in_class = "." in qualname and not qualname.rpartition(".")[0].endswith("<locals>")
            tree = _transpiler.convert_tree(node, Context.of(node, qualname, filename, 1, in_class=in_class,
                                                             library_names=library_names))
            tree.decorator_list = decorators
            code = _unparse_with_comments(tree, comments).split("\n") if _uses_runtime(tree) else None
        if code is not None:
            covered.append((node.lineno, node.end_lineno))
            edits.append((first, node.end_lineno, [indent + line if line else "" for line in code]))
        elif any(kinds):  # nothing to convert but our decorators: only they change
            above, _ = comments.get(node.lineno, ([], None))
            code = above + ["@" + ast.unparse(d) for d in decorators]
            edits.append((first, node.lineno - 1, [indent + line for line in code]))
        # else nothing to convert: the text stays, and the functions inside may be ours
    if not edits:
        return text
    for first, last, code in sorted(edits, reverse=True):
        lines[first - 1:last] = [line + newline for line in code]
    converted = "\n".join(line for _, _, code in edits for line in code)
    return _add_imports("".join(lines), module, newline, converted)


def _head_end(stmt: ast.stmt | gast.stmt) -> int:
    """The last line of `stmt`'s own text: all of a simple statement, the header of a compound
    one (`if`, loops, `def`, ...)."""
    children = list(ast.iter_child_nodes(stmt))
    header = [c for c in children if not isinstance(c, _BLOCK_PARTS)]
    if len(header) == len(children):
        return stmt.end_lineno
    return max([stmt.lineno] + [getattr(n, "end_lineno", None) or stmt.lineno
                                for child in header for n in traversal.walk(child)])


# The comments of one statement: those to put on lines above it, and the one at its end.
_Comments = dict[int, tuple[list[str], str | None]]


def _comments_by_statement(fn: gast.FunctionDef, lines: list[str], first: int, filename: str) -> _Comments:
    """The comments in `fn`'s `lines` (the first is line `first`), by the line of the statement
    each belongs to: the statement whose own text it is on, else the next statement."""
    statements = sorted((s for s in traversal.walk(fn) if isinstance(s, gast.stmt)),
                        key=lambda s: (s.lineno, s.col_offset))
    heads = [(s, _head_end(s)) for s in statements]
    comments: _Comments = {}
    # `tokenize` reads a backslash before a lone `\r` as no line continuation, unlike Python.
    lines = [line.rstrip("\r\n") + "\n" for line in lines]
    try:
        tokens = list(tokenize.generate_tokens(functools.partial(next, iter(lines), "")))
    except (tokenize.TokenError, SyntaxError) as e:  # Python's tokenizer accepts more (`\` on a blank line)
        raise errors.SourceError(
            f"autocond cannot read the comments of `{fn.name}` ({filename}:{fn.lineno}) to keep them: "
            f"Python's `tokenize` fails on its source ({e}) though Python compiles it, as it does "
            "where a backslash continues a blank line; remove such backslashes.") from e
    for token in tokens:
        if token.type != tokenize.COMMENT:
            continue
        line = first + token.start[0] - 1
        on = [(s, end) for s, end in heads if s.lineno <= line <= end]
        owner, head_end = on[-1] if on else next((s, None) for s in statements if s.lineno > line)
        above, _ = comments.setdefault(owner.lineno, ([], None))
        if line == head_end and token.line[:token.start[1]].strip():
            comments[owner.lineno] = above, token.string
        else:
            above.append(token.string)
    return comments


# Comments that tools read on the line they end: noqa, type: ignore, pragma, pylint...
_PRAGMA = re.compile(r"#\s*(noqa|type:|pytype:|pragma\b|pylint:|mypy:|pyright:|fmt:)")


def _unparse_with_comments(tree: ast.FunctionDef, comments: _Comments) -> str:
    """`tree`'s code with `comments` put back: each at the end of its statement's line when the
    statement became one statement (a pragma: the last one made from it), else above the
    first statement made from it."""
    code = ast.unparse(tree)
    statements = [n for n in traversal.walk(tree) if isinstance(n, ast.stmt)]
    shown = [n for n in traversal.walk(ast.parse(code)) if isinstance(n, ast.stmt)]  # their lines in `code`
    made_from: dict[int, list[ast.stmt]] = {}
    for statement, at in zip(statements, shown, strict=True):
        made_from.setdefault(statement.lineno, []).append(at)
    lines = code.split("\n")
    insertions = []
    for line, (above, end) in comments.items():
        made = sorted(made_from.get(line, []), key=lambda s: s.lineno)
        if not made:
            continue  # nothing is left of the statement
        if end and (len(made) == 1 or _PRAGMA.match(end)):
            # A pragma applies to its line: it ends the last one made (the call of a converted
            # `if` or loop, the assignment of a lowered `return`'s value).
            lines[_head_end(made[-1]) - 1] += "  " + end
        elif end:
            above = above + [end]
        top = min([made[0].lineno] + [d.lineno for d in getattr(made[0], "decorator_list", [])])
        indent = re.match(r"[ \t]*", lines[top - 1]).group()
        insertions.append((top, [indent + comment for comment in above]))
    for top, inserted in sorted(insertions, reverse=True):
        lines[top - 1:top - 1] = inserted
    return "\n".join(lines)


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
    lines = _lines(text)
    lines[after:after] = [line + newline for line in needed]
    return "".join(lines)
