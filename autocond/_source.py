"""Source-to-source conversion of a module's text, for tools: never imports or runs it.

The functions decorated with `autocond.jit` or `autocond.convert` (under any import alias),
and those selected by name or all of them on request, are replaced by their converted code,
which calls `autocond.operators` (`ac__`) directly, so the result runs without converting
again; `@autocond.jit(...)` becomes `jax.jit` with the same keywords, other decorators stay.
Everything else in the text is kept byte for byte. Inside the converted functions, what the
conversion leaves as it was keeps the user's text (each piece checked to read as the
converted code), the code it generates is indented as the file is and wrapped at its line
length, and comments stay with the statements they belong to.

Converting twice changes nothing. Every change the converter makes calls `ac__`, so a
function whose code uses `ac__` is taken as converted (with the functions inside it, which
the converted code converts when it calls them), and one whose conversion would not use it
has nothing to convert: its text stays, but for our decorators, and the functions inside it
are looked at on their own.
"""

from __future__ import annotations

import ast
import copy
import dataclasses
import functools
import io
import re
import sys
import tokenize
from collections.abc import Callable, Collection, Iterator

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


def _holds_functions(fn: gast.FunctionDef) -> bool:
    return any(isinstance(n, (gast.FunctionDef, gast.AsyncFunctionDef)) for n in traversal.walk(fn)[1:])


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


# `autocond.jit`'s keywords that `jax.jit` does not take, and what a converted file loses without them.
_OWN_KEYWORDS = {"max_trips": "bound its loops", "warn_unrolled": "warn of loops that unroll"}


def _decorators(fn: gast.FunctionDef, kinds: list[str | None], qualname: str,
                filename: str) -> list[ast.expr]:
    """The converted function's decorators: ours become `jax.jit` or go, others stay."""
    kept = []
    for decorator, kind in zip(fn.decorator_list, kinds):
        if kind == "jit" and isinstance(decorator, gast.Call) and decorator.keywords:
            ours = next((k.arg for k in decorator.keywords if k.arg in _OWN_KEYWORDS), None)
            if ours:
                raise errors.UnsupportedSyntaxError(
                    f"`{qualname}` uses `{ours}`, which `jax.jit` does not take: a converted file "
                    f"cannot {_OWN_KEYWORDS[ours]}. Leave this file to `autocond.jit` at run time.",
                    (filename, decorator.lineno, decorator.col_offset + 1, None))
            keywords = ", ".join(ast.unparse(trees.to_ast(copy.deepcopy(k))) for k in decorator.keywords)
            kept.append(ast.parse(f"functools.partial(jax.jit, {keywords})", mode="eval").body)
        elif kind == "jit":
            kept.append(ast.parse("jax.jit", mode="eval").body)
        elif kind is None:
            kept.append(trees.to_ast(copy.deepcopy(decorator)))  # `fn` is converted next
    return kept


@_transpiler.room_to_recurse()  # deep expressions: CPython compiles about 900 levels
def transform_source(text: str, filename: str = "<string>", *, functions: Collection[str] = (),
                     all_functions: bool = False, libraries: Collection[str] = (),
                     progress: Callable[[int], None] | None = None) -> str:
    """`text` with its `autocond`-decorated functions converted (see the module docstring).

    `functions` also converts the functions with these names (`step`) or qualified names
    (`Model.step`), and `all_functions` every function (not generators or `async def`); their
    decorators stay as they are. Calls into the standard library, JAX, NumPy and the packages
    `libraries` names (`optax`) stay as written; others go through `ac__.call`, which converts
    the user's functions when they run. `progress(line)` is told of each function
    converted, by its last line. Raises `SyntaxError` for text that is not Python, and
    autocond's errors for functions it cannot convert.
    """
    module = trees.parse(text, filename)
    modules, entries = _autocond_names(module)
    library_names = _library_imports(module, _LIBRARIES | set(libraries))
    lines = _lines(text)
    newline = next((end for end in ("\r\n", "\r") if lines and lines[0].endswith(end)), "\n")
    written = None  # the user's text, read as needed
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
            # The tree is converted in place; its inner functions may be converted on their
            # own, when it has nothing to convert.
            given = copy.deepcopy(node) if _holds_functions(node) else node
            tree = _transpiler.convert_tree(given, Context.of(given, qualname, filename, 1, in_class=in_class,
                                                              library_names=library_names))
            tree.decorator_list = decorators
            if _uses_runtime(tree):
                written = written or _Written.of(text, lines)
                code = _function_text(tree, comments, written, indent)
            else:
                code = None
        if progress is not None:
            progress(node.end_lineno)
        if code is not None:
            covered.append((node.lineno, node.end_lineno))
            edits.append((first, node.end_lineno, code))
        elif any(kinds):  # nothing to convert but our decorators: only they change
            above, _ = comments.get(node.lineno, ([], None))
            code = [comment for _, comment in above] + ["@" + ast.unparse(d) for d in decorators]
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


# Comments that tools read on the line they end: noqa, type: ignore, pragma, pylint...
_PRAGMA = re.compile(r"#\s*(noqa|type:|pytype:|pragma\b|pylint:|mypy:|pyright:|fmt:)")


# The comments of each statement, by its first line: each comment's line and text, of those
# to put on lines above it and those at the end of its lines (the one that ends its own text,
# and pragmas on the lines before).
_Comments = dict[int, tuple[list[tuple[int, str]], list[tuple[int, str]]]]


def _comments_by_statement(fn: gast.FunctionDef, lines: list[str], first: int, filename: str) -> _Comments:
    """The comments in `fn`'s `lines` (the first is line `first`), by the line of the statement
    each belongs to: the statement whose own text it is on, else the next statement; those
    after code at the end of its text or (pragmas) of any line of it are its ends."""
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
        above, ends = comments.setdefault(owner.lineno, ([], []))
        after_code = head_end is not None and token.line[:token.start[1]].strip()
        if after_code and (line == head_end or _PRAGMA.search(token.string)):
            ends.append((line, token.string))
        else:
            above.append((line, token.string))
    return comments


# Expressions that need no parentheses wherever another expression stands.
_ATOMS = (ast.Name, ast.Constant, ast.Call, ast.Attribute, ast.Subscript, ast.List, ast.Dict, ast.Set,
          ast.ListComp, ast.DictComp, ast.SetComp)


@dataclasses.dataclass(frozen=True)
class _Written:
    """The user's text: the file's lines, its statements by where they start, the step its
    blocks are indented by, and its line length (its longest line's, or 79)."""

    lines: list[str]
    statements: dict[tuple[int, int], ast.stmt]
    step: str
    length: int

    @classmethod
    def of(cls, text: str, lines: list[str]) -> _Written:
        statements = {(n.lineno, n.col_offset): n for n in ast.walk(ast.parse(text))
                      if isinstance(n, ast.stmt)}
        blocks = [(n.body[0].col_offset - n.col_offset, n.body[0]) for n in statements.values()
                  if isinstance(getattr(n, "body", None), list) and n.body[0].lineno > n.lineno]
        step, inner = min(blocks, default=(4, None), key=lambda block: block[0])
        indent = lines[inner.lineno - 1][:step] if inner else ""
        length = max([79] + [len(line.rstrip("\r\n")) for line in lines])
        return cls(lines, statements, indent if indent and not indent.strip() else "    ", length)

    def text_of(self, stmt: ast.stmt, indent: str) -> tuple[list[str], set[int]] | None:
        """The lines of `stmt` (a simple statement of the converted code, or a compound one
        as the user wrote it) at `indent`, as the user wrote the statement at its place, but
        for what the conversion changed; with the lines whose comments they hold. None
        unless that statement is alone on its lines."""
        original = self.statements.get((stmt.lineno, stmt.col_offset))
        if original is None:
            return None
        first = self.lines[original.lineno - 1].encode()[:original.col_offset].decode()
        rest = self.lines[original.end_lineno - 1].rstrip("\r\n").encode()[original.end_col_offset:].decode()
        if first.strip() or rest.strip() and not rest.lstrip().startswith("#"):
            return None  # another statement on its lines
        # The user's statement, rather than one generated where it was (which has no length).
        own = (stmt.end_lineno, stmt.end_col_offset) == (original.end_lineno, original.end_col_offset)
        if own and ast.dump(original) == ast.dump(stmt):
            lines = self._placed(self._text(original) + rest, first, indent, stmt, exact=True)
            return (lines, set(range(original.lineno, original.end_lineno + 1))) if lines else None
        if hasattr(stmt, "body"):
            return None
        for parens in (False, True):  # around expressions put in, where they do not read so without
            spliced = self._spliced(original, stmt, parens) if own and type(original) is type(stmt) else None
            if spliced is not None:
                (text, kept), end = spliced, rest
                kept.add(original.end_lineno)
            else:  # the user's expressions in generated code: `raise e` as `ac__.raise_(e)`
                (text, kept), end = self._unparsed(stmt, original, parens, first), ""
            lines = self._placed(text + end, first, indent, stmt)
            if lines is not None:
                return lines, kept
        return None

    def header_of(self, fn: ast.FunctionDef, indent: str) -> tuple[list[str], set[int]] | None:
        """The lines of the `def` line (to its `:`) the user wrote for `fn` (a converted
        function, at `indent`), but for the defaults and annotations the conversion changed,
        if its body starts on a later line; with the lines whose comments they hold."""
        original = self.statements.get((fn.lineno, fn.col_offset))
        if not isinstance(original, ast.FunctionDef) or original.name != fn.name \
                or (original.returns is None) != (fn.returns is None):
            return None
        colon = self._colon(original)
        pairs = _differing(original.args, fn.args)
        if colon is None or original.body[0].lineno <= colon[0] or pairs is None:
            return None
        if fn.returns is not None and ast.dump(original.returns) != ast.dump(fn.returns):
            pairs.append((original.returns, fn.returns))
        rest = self.lines[colon[0] - 1].rstrip("\r\n").encode()[colon[1]:].decode()
        first = self.lines[original.lineno - 1].encode()[:original.col_offset].decode()
        header = ast.FunctionDef(name=fn.name, args=fn.args, body=[ast.Pass()], decorator_list=[],
                                 returns=fn.returns, type_params=getattr(fn, "type_params", []))
        for parens in (False, True):
            text, kept = self._replaced(original, pairs, parens, end=colon)
            lines = self._placed(text + rest, first, indent, header)
            if lines is not None:
                return lines, kept | {colon[0]}
        return None

    def decorator_of(self, fn: ast.FunctionDef, decorator: ast.expr, margin: str) -> list[str] | None:
        """The lines of `decorator` of `fn` (a converted function, at `margin`) as the user
        wrote it, with the comment that ends it, if it is one of the user's."""
        original_fn = self.statements.get((fn.lineno, fn.col_offset))
        at = (decorator.lineno, decorator.col_offset, decorator.end_lineno, decorator.end_col_offset)
        for original in getattr(original_fn, "decorator_list", []):
            if (original.lineno, original.col_offset, original.end_lineno, original.end_col_offset) == at \
                    and ast.dump(original) == ast.dump(decorator):
                before = self.lines[original.lineno - 1].encode()[:original.col_offset].decode()
                rest = self.lines[original.end_lineno - 1].rstrip("\r\n").encode()[original.end_col_offset:]
                if before != margin + before.lstrip() or before.strip() != "@" \
                        or rest.strip() and not rest.strip().startswith(b"#"):
                    return None
                return _split(margin + before.lstrip() + self._text(original) + rest.decode())
        return None

    def _colon(self, fn: ast.FunctionDef) -> tuple[int, int] | None:
        """The line and (byte) column after the `:` that ends `fn`'s `def` line."""
        depth = 0
        tokens = tokenize.generate_tokens(functools.partial(next, iter(self.lines[fn.lineno - 1:]), ""))
        try:
            for token in tokens:
                if token.type == tokenize.OP and token.string in ("(", "[", "{"):
                    depth += 1
                elif token.type == tokenize.OP and token.string in (")", "]", "}"):
                    depth -= 1
                elif token.type == tokenize.OP and token.string == ":" and not depth:
                    line, column = token.end
                    return fn.lineno + line - 1, len(token.line[:column].encode())
        except (tokenize.TokenError, SyntaxError):
            pass
        return None

    def _text(self, node: ast.AST, start: tuple[int, int] | None = None,
              end: tuple[int, int] | None = None) -> str:
        """The file's text of `node`, or of the part from `start` or to `end` (a line from 1
        and a column in bytes)."""
        (line, column), (end_line, end_column) = (start or (node.lineno, node.col_offset),
                                                   end or (node.end_lineno, node.end_col_offset))
        if line == end_line:
            return self.lines[line - 1].encode()[column:end_column].decode()
        first = self.lines[line - 1].encode()[column:].decode()
        last = self.lines[end_line - 1].encode()[:end_column].decode()
        return first + "".join(self.lines[line:end_line - 1]) + last

    def _spliced(self, original: ast.AST, new: ast.AST, parens: bool) -> tuple[str, set[int]] | None:
        """`new`'s code written as the user wrote `original` (of the same type), each child
        that differs in the place of `original`'s: written so in turn, or `new`'s code for it
        (see `_unparsed`); with the lines whose comments it holds. None where the children
        cannot be paired."""
        pairs = _differing(original, new) if not isinstance(new, ast.JoinedStr) else None
        if pairs is None:  # (where an f-string's parts are is not known before Python 3.12)
            return None
        return self._replaced(original, pairs, parens)

    def _replaced(self, original: ast.AST, pairs: list[tuple[ast.AST, ast.AST]], parens: bool,
                  end: tuple[int, int] | None = None) -> tuple[str, set[int]]:
        """The text of `original` (to `end`), each of its parts first in `pairs` written as
        the part second (see `_spliced`); with the lines whose comments it holds."""
        end = end or (original.end_lineno, original.end_col_offset)
        pieces, kept = [], set(range(original.lineno, end[0]))  # a comment ends its line
        at = original.lineno, original.col_offset
        for old_child, new_child in sorted(pairs, key=lambda pair: (pair[0].lineno, pair[0].col_offset)):
            pieces.append(self._text(original, start=at, end=(old_child.lineno, old_child.col_offset)))
            same = type(old_child) is type(new_child)
            spliced = self._spliced(old_child, new_child, parens) if same else None
            code, inner = spliced or self._unparsed(new_child, old_child, parens)
            pieces.append(code)
            kept = kept - set(range(old_child.lineno, old_child.end_lineno)) | inner
            at = old_child.end_lineno, old_child.end_col_offset
        pieces.append(self._text(original, start=at, end=end))
        return "".join(pieces), kept

    def _unparsed(self, new: ast.AST, original: ast.AST, parens: bool,
                  margin: str | None = None) -> tuple[str, set[int]]:
        """`new`'s code, in which each expression of `original` that it holds unchanged where
        it was is as the user wrote it; with the lines whose comments it holds. With `parens`,
        each expression put in another's text is in parentheses, unless an atom. A statement
        that would not fit the file's lines at `margin` has its call's arguments wrapped."""
        spans = {(n.lineno, n.col_offset, n.end_lineno, n.end_col_offset): n for n in ast.walk(original)
                 if isinstance(n, ast.expr) and not isinstance(n, ast.Name)}
        holes = []

        def hole(node):
            if isinstance(node, ast.expr) and hasattr(node, "end_col_offset"):
                old = spans.get((node.lineno, node.col_offset, node.end_lineno, node.end_col_offset))
                if old is not None and ast.dump(old) == ast.dump(node):
                    holes.append(old)
                    return ast.Name(id=f"ac__written_{len(holes) - 1}", ctx=ast.Load())
            if isinstance(node, ast.JoinedStr):
                return node  # its parts are no expressions to put in
            for field, value in ast.iter_fields(node):
                if isinstance(value, ast.AST):
                    setattr(node, field, hole(value))
                elif isinstance(value, list):
                    setattr(node, field, [hole(v) if isinstance(v, ast.AST) else v for v in value])
            return node

        def written(match):
            old = holes[int(match.group(1))]
            return self._text(old) if not parens or isinstance(old, _ATOMS) else f"({self._text(old)})"

        def code_of(node: ast.AST) -> str:
            return re.sub(r"\bac__written_(\d+)\b", written, ast.unparse(node))

        holed = hole(copy.deepcopy(new))
        code = code_of(holed)
        if margin is not None and len(margin + code.split("\n")[0]) > self.length:
            code = "\n".join(_wrapped(holed, margin, self, code_of) or [margin + code])[len(margin):]
        code = code if not parens or isinstance(new, (*_ATOMS, ast.stmt)) else f"({code})"
        return code, {line for old in holes for line in range(old.lineno, old.end_lineno)}

    def _placed(self, text: str, first: str, indent: str, meaning: ast.AST,
                exact: bool = False) -> list[str] | None:
        """The lines of `text`, whose first line followed `first` (its indentation), at
        `indent` instead; or None if they do not read as `meaning` (checked unless `text` is
        the `exact` text of a statement that does, and its lines did not move)."""
        lines = []
        for k, line in enumerate(_split(text)):
            lines.append(indent + line if k == 0 else
                         indent + line[len(first):] if line.startswith(first) and line.strip() else line)
        if (not exact or len(lines) > 1 and indent != first) and not _reads_as(lines, meaning):
            return None
        return lines


def _split(text: str) -> list[str]:
    """`text`'s lines as Python sees them, ends dropped (see `_lines`)."""
    return [line.rstrip("\r\n") for line in _lines(text)] or [""]


def _reads_as(lines: list[str], meaning: ast.AST) -> bool:
    """Whether `lines` (of one statement, or a `def` line) are the code of `meaning`."""
    margin = lines[0][:len(lines[0]) - len(lines[0].lstrip())]
    code = "\n".join(lines) + (f"\n{margin} pass" if isinstance(meaning, ast.FunctionDef) else "")
    try:  # in a block at its first line's indentation: the others' may be less (in strings)
        body = ast.parse("if 1:\n" + code).body[0].body if margin else ast.parse(code).body
    except SyntaxError:
        return False
    return len(body) == 1 and ast.dump(body[0]) == ast.dump(meaning)


def _differing(original: ast.AST, new: ast.AST) -> list[tuple[ast.AST, ast.AST]] | None:
    """The pairs of children of `original` and `new` (nodes of one type) that differ; None if
    they cannot be paired (other values, other numbers of children) or one that differs has
    no place in the text."""
    pairs = []
    for field in original._fields:
        old, now = getattr(original, field, None), getattr(new, field, None)
        if isinstance(old, ast.AST) and isinstance(now, ast.AST):
            old, now = [old], [now]
        elif not (isinstance(old, list) and isinstance(now, list) and len(old) == len(now)):
            if old != now:
                return None
            continue
        for a, b in zip(old, now):
            if not (isinstance(a, ast.AST) and isinstance(b, ast.AST)):
                if a != b:
                    return None
            elif ast.dump(a) != ast.dump(b):
                if not hasattr(a, "end_col_offset"):
                    return None
                pairs.append((a, b))
    return pairs


def _function_text(tree: ast.FunctionDef, comments: _Comments, written: _Written, indent: str) -> list[str]:
    """The lines of `tree`'s code (a converted function, at `indent`), with the user's text
    where it is the user's: its decorators, `def` line and statements, but for what the
    conversion changed in them; the code generated around them indented as the file is, a
    long call wrapped; and `comments` put back where they are not in that text: each at the
    end of its statement's line when the statement became one statement (a pragma: the last
    one made from it), else above the first one made from it."""
    code = ast.unparse(tree)
    shown = [n for n in traversal.walk(ast.parse(code)) if isinstance(n, ast.stmt)]  # their lines in `code`
    statements = [n for n in traversal.walk(tree) if isinstance(n, ast.stmt)]
    made_from: dict[int, list[ast.stmt]] = {}
    for statement, at in zip(statements, shown, strict=True):
        made_from.setdefault(statement.lineno, []).append(at)
    lines = [indent + _indented(line, written.step) if line else "" for line in code.split("\n")]
    edits = []  # (first line, last line, the lines to put there instead)
    kept = set()  # the user's lines whose comments are in the code as written
    header = written.header_of(tree, indent)
    if header is not None:
        edits.append((shown[0].lineno, shown[0].lineno, header[0]))
        kept |= header[1]
    for decorator, at in zip(tree.decorator_list, shown[0].decorator_list, strict=True):
        text = written.decorator_of(tree, decorator, indent)
        if text is not None:
            edits.append((at.lineno, at.end_lineno, text))
            kept.update(range(decorator.lineno, decorator.end_lineno + 1))
    covered = shown[0].lineno  # the last line of `code` kept as written
    for statement, at in sorted(zip(statements[1:], shown[1:]), key=lambda pair: pair[1].lineno):
        if at.lineno > covered:
            margin = re.match(r"[ \t]*", lines[at.lineno - 1]).group()
            text = written.text_of(statement, margin)
            if text is not None:
                edits.append((at.lineno, at.end_lineno, text[0]))
                kept |= text[1]
                covered = at.end_lineno
            elif at.lineno == at.end_lineno and len(lines[at.lineno - 1]) > written.length:
                wrapped = _wrapped(statement, margin, written, ast.unparse)
                if wrapped and _reads_as(wrapped, statement):
                    edits.append((at.lineno, at.lineno, wrapped))
    ending: dict[int, list[str]] = {}  # the comments to end lines of `code` with
    for line, (above, ends) in comments.items():
        made = sorted(made_from.get(line, []), key=lambda s: s.lineno)
        above, ends = ([comment for at, comment in part if at not in kept] for part in (above, ends))
        if not made or not (above or ends):
            continue  # nothing is left of the statement, or its comments are in the user's text
        # A pragma applies to its line: it ends the last line made (the call of a converted `if`
        # or loop, the assignment of a lowered `return`'s value); other comments end the one.
        trailing = ends if len(made) == 1 else [comment for comment in ends if _PRAGMA.search(comment)]
        above += [comment for comment in ends if comment not in trailing]
        if trailing:
            ending.setdefault(_head_end(made[-1]), []).extend(trailing)
        if above:
            top = min([made[0].lineno] + [d.lineno for d in getattr(made[0], "decorator_list", [])])
            margin = re.match(r"[ \t]*", lines[top - 1]).group()
            edits.append((top, top - 1, [margin + comment for comment in above]))
    # A statement's comments end the last of the lines it is written as.
    for first, last, text in edits:
        if last >= first and last in ending:
            text[-1] += "  " + "  ".join(ending.pop(last))
    for line, comments_there in ending.items():
        lines[line - 1] += "  " + "  ".join(comments_there)
    # From the bottom, and at one line the statement before the comments above it.
    for first, last, text in sorted(edits, key=lambda edit: (edit[0], edit[1] >= edit[0]), reverse=True):
        lines[first - 1:last] = text
    return lines


def _wrapped(stmt: ast.stmt, margin: str, written: _Written,
             code: Callable[[ast.AST], str]) -> list[str] | None:
    """The lines of `stmt` (`x = f(...)`, `return f(...)` or `f(...)`) at `margin`, written by
    `code`, its call's arguments on lines of the file's length after the first; or None."""
    call = getattr(stmt, "value", None)
    if not isinstance(stmt, (ast.Assign, ast.Return, ast.Expr)) or not isinstance(call, ast.Call):
        return None
    targets = [code(t)[1:-1] if isinstance(t, ast.Tuple) else code(t) for t in getattr(stmt, "targets", [])]
    head = "".join(target + " = " for target in targets) or "return " * isinstance(stmt, ast.Return)
    arguments = [code(a) for a in call.args] + [
        f"{k.arg}={code(k.value)}" if k.arg else f"**{code(k.value)}" for k in call.keywords]
    lines, inner = [f"{margin}{head}{code(call.func)}("], margin + written.step
    for k, argument in enumerate(arguments):
        piece = argument + (", " if k < len(arguments) - 1 else ")")
        if len(lines) == 1 or len(lines[-1].split("\n")[-1]) + len(piece.rstrip()) > written.length:
            lines.append(inner)
        lines[-1] += piece
    return [line.rstrip() for line in lines] if arguments else None


def _indented(line: str, step: str) -> str:
    """A line of `ast.unparse`'s code (4 spaces a level) indented by `step` a level."""
    if step == "    ":
        return line
    content = line.lstrip(" ")
    return step * ((len(line) - len(content)) // 4) + content


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
