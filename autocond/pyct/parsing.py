"""Source retrieval and parsing of user functions."""

from __future__ import annotations

import dataclasses
import inspect
import linecache
import textwrap
import types

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


def function_source(fn: types.FunctionType) -> Source:
    """The source of `fn`, dedented, or a SourceError that says how to fix it."""
    code = fn.__code__
    if fn.__name__ == "<lambda>":
        raise errors.SourceError(
            f"autocond cannot convert the lambda {_describe(fn)}: a lambda's source cannot be "
            "separated from the line around it. Define it with `def` instead."
        )
    try:
        # The code object's source: the function's own would follow `__wrapped__`.
        lines, first_line = inspect.getsourcelines(code)
    except (OSError, TypeError) as e:
        raise errors.SourceError(
            f"autocond cannot read the source of {_describe(fn)}: {e}. Functions defined with "
            "`exec`, `eval` or at the interactive prompt have no source file; put the function "
            "in a module (or a notebook cell) and import it."
        ) from None
    return Source(code.co_filename, first_line, textwrap.dedent("".join(lines)))


def _quick_source(fn: types.FunctionType) -> Source | None:
    """`fn`'s source, read as `function_source` does but without `inspect`'s search of every
    loaded module for the file and its tokenizing: the lines from its `def` (or first
    decorator) to the first line indented no deeper. Where a string or bracket spans that line
    the cut fails to parse, and the caller falls back to `function_source`."""
    code = fn.__code__
    linecache.checkcache(code.co_filename)
    lines = linecache.getlines(code.co_filename, fn.__globals__)
    first = code.co_firstlineno - 1
    if fn.__name__ == "<lambda>" or not 0 <= first < len(lines):
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
    """The gast tree of `fn`'s definition, with its lines counted from the `def` (1-based)."""
    module, source = None, _quick_source(fn)
    if source is not None:
        try:
            module = trees.parse(source.text)
        except SyntaxError:
            pass
    if module is None:
        source = function_source(fn)
        try:
            module = trees.parse(source.text)
        except SyntaxError as e:
            raise errors.SourceError(
                f"autocond cannot parse the source of {_describe(fn)}: {e.msg} "
                f"(line {e.lineno} of its definition)."
            ) from None
    node = module.body[0]
    if not isinstance(node, (gast.FunctionDef, gast.AsyncFunctionDef)):
        raise errors.SourceError(f"autocond found no `def` for {_describe(fn)} in its source.")
    return node, source
