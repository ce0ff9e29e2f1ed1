"""Source retrieval and parsing of user functions."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import linecache
import textwrap
import types
from typing import Any

import gast

from autocond import errors
from autocond.pyct import trees


@dataclasses.dataclass(frozen=True)
class Source:
    """Where a function's code came from: its file and the line its `def` starts on."""

    filename: str
    first_line: int
    text: str


def _describe(fn: types.FunctionType) -> str:
    code = fn.__code__
    return f"`{fn.__qualname__}` ({code.co_filename}:{code.co_firstlineno})"


def _unreadable(fn: types.FunctionType, why: Any) -> errors.SourceError:
    return errors.SourceError(
        f"autocond cannot read the source of {_describe(fn)}: {why}. Functions defined with "
        "`exec`, `eval` or at the interactive prompt have no source file; put the function "
        "in a module (or a notebook cell) and import it.")


def function_source(fn: types.FunctionType) -> Source:
    """The source of `fn`, dedented, or a SourceError that says how to fix it."""
    code = fn.__code__
    try:
        # The code object's source: the function's own would follow `__wrapped__`.
        lines, first_line = inspect.getsourcelines(code)
    except (OSError, TypeError) as e:
        raise _unreadable(fn, e) from None
    return Source(code.co_filename, first_line, textwrap.dedent("".join(lines)))


def _lambda(fn: types.FunctionType) -> tuple[gast.FunctionDef, Source]:
    """The lambda `fn` as the function it is (`def <lambda>(args): return body`), its lines
    counted from its own. It is found in its file's tree by the columns its code covers
    (Python 3.11's positions), among the lambdas of its line."""
    code = fn.__code__
    text = "".join(linecache.getlines(code.co_filename, fn.__globals__))
    try:
        module = ast.parse(text)
    except SyntaxError:
        module = None
    covered = [(line, col, end_line, end_col) for line, end_line, col, end_col in code.co_positions()
               if None not in (line, end_line, col, end_col) and (col, end_col) != (0, 0)]
    found = [n for n in ast.walk(module) if isinstance(n, ast.Lambda) and n.lineno == code.co_firstlineno
             and all(_within(span, n.body) for span in covered)] if module and covered else []
    if not found:
        raise _unreadable(fn, "its lambda is not in the source of its file")
    node = min(found, key=lambda n: (n.end_lineno - n.lineno, n.end_col_offset - n.col_offset))
    lam = trees.to_gast(node)
    fn_node = gast.FunctionDef(name=fn.__name__, args=lam.args, body=[gast.Return(value=lam.body)],
                               decorator_list=[], returns=None, type_comment=None, type_params=[])
    gast.copy_location(fn_node, lam)
    gast.copy_location(fn_node.body[0], lam.body)
    ast.increment_lineno(fn_node, 1 - node.lineno)
    return fn_node, Source(code.co_filename, node.lineno, ast.get_source_segment(text, node) or "")


def _within(span: tuple[int, int, int, int], node: ast.AST) -> bool:
    """Whether the positions `span` (line, column, end line, end column) lie in `node`."""
    return ((node.lineno, node.col_offset) <= span[:2]
            and span[2:] <= (node.end_lineno, node.end_col_offset))


def _quick_source(fn: types.FunctionType) -> Source | None:
    """`fn`'s source, read as `function_source` does but without `inspect`'s search of every
    loaded module for the file and its tokenizing: the lines from its `def` (or first
    decorator) to the first line indented no deeper. Where a string or bracket spans that line
    the cut fails to parse, and the caller falls back to `function_source`."""
    code = fn.__code__
    linecache.checkcache(code.co_filename)
    lines = linecache.getlines(code.co_filename, fn.__globals__)
    first = code.co_firstlineno - 1
    if not 0 <= first < len(lines):
        return None
    indent = len(lines[first]) - len(lines[first].lstrip())
    end = first + 1
    while end < len(lines):
        line = lines[end]
        text = line.lstrip()
        if "\t" in line[:len(line) - len(text)]:
            return None  # widths of tabs: left to the tokenizer
        if text and not text.startswith("#") and len(line) - len(text) <= indent:
            break
        end += 1
    return Source(code.co_filename, first + 1, textwrap.dedent("".join(lines[first:end])))


def parse_function(fn: types.FunctionType) -> tuple[gast.FunctionDef, Source]:
    """The gast tree of `fn`'s definition, with its lines counted from the `def` (1-based);
    a lambda's as a `def`."""
    if fn.__name__ == "<lambda>":
        return _lambda(fn)
    source = _quick_source(fn)
    if source is not None:
        try:
            node = _definition(trees.parse(source.text), fn)
        except SyntaxError:
            node = None
        if node is not None:
            return node, source
    source = function_source(fn)
    try:
        node = _definition(trees.parse(source.text), fn)
    except SyntaxError as e:
        raise errors.SourceError(
            f"autocond cannot parse the source of {_describe(fn)}: {e.msg} "
            f"(line {e.lineno} of its definition)."
        ) from None
    if node is None:  # the file changed since the function was defined, or other code is on its lines
        raise errors.SourceError(f"autocond found no `def {fn.__code__.co_name}` for {_describe(fn)} in its "
                                 "source: was its file changed after it was imported?")
    return node, source


def _definition(module: gast.Module, fn: types.FunctionType) -> gast.FunctionDef | None:
    """The definition of `fn` that `module` starts with; None if it starts with another."""
    node = module.body[0] if module.body else None
    if isinstance(node, (gast.FunctionDef, gast.AsyncFunctionDef)) and node.name == fn.__code__.co_name:
        return node
    return None
