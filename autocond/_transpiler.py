"""The conversion pipeline: source → gast → analyses → converters → code object."""

from __future__ import annotations

import ast
import dataclasses
import types

import gast

from autocond import errors
from autocond.analysis import activity, definedness, liveness
from autocond.converters import (
    calls,
    cleanup,
    composites,
    conditionals,
    containers,
    debugging,
    functional,
    guards,
    logical,
    loop_exits,
    loops,
    match_statements,
    return_statements,
    slices,
    stores,
    unsupported,
    variables,
)
from autocond.converters.context import Context
from autocond.pyct import loader, naming, origin, parsing, trees


@dataclasses.dataclass(frozen=True)
class Converted:
    code: types.CodeType  # the converted function's code; free variables: the original's + ac__
    tree: ast.FunctionDef  # for `to_source`


def _analyze(node: gast.FunctionDef, ctx: Context) -> None:
    ctx.scan_scope(node)  # first: which names are local, shared, written by closures
    activity.analyze(node, ctx.closure_writes)
    liveness.analyze(node, ctx.shared_names)
    definedness.analyze(node)
    unsupported.annotate(node, ctx)


def convert_tree(node: gast.FunctionDef, ctx: Context) -> ast.FunctionDef:
    """The converted function, as an `ast` tree with the file's lines (`ctx.first_line` is
    that of the function's line 1)."""
    node.decorator_list = []  # the function object the decorators were given is converted

    # The ordered passes. Each converter reads the annotations of the analyses, which run on
    # the tree the converters start from.
    node = unsupported.transform(node, ctx)  # first: refuse generators before any work
    node = slices.transform(node, ctx)  # before the analyses: `x[i] = v` rebinds `x`
    node = match_statements.transform(node, ctx)  # before the lowerings: they see `if`s
    node = return_statements.transform(node, ctx)  # before the analyses: adds variables
    # After the `if`s guarding what follows a `return`, which may carry attributes too; before
    # the analyses of the `break`/`continue` lowering, which must not count those as changes.
    ctx.shared = activity.shared(node)  # no later pass makes closures or changes objects
    if ctx.shared.changes_objects:  # else neither has anything to do
        composites.mark(node, ctx)
        node = stores.transform(node, ctx)  # on the user's statements, but those carried or checked
    if guards.exits(node.body, (gast.Break, gast.Continue), enter_loops=True):
        # They become flags, except in loops that stay Python: asked first.
        ctx.scan_scope(node)
        activity.analyze(node, ctx.closure_writes)
        liveness.analyze(node, ctx.shared_names)
        unsupported.annotate(node, ctx)
        node = loop_exits.transform(node, ctx)
        activity.forget(node)  # the lowering changed the statements summarized
    node = composites.transform(node, ctx)  # after the lowerings: stored back on every path
    _analyze(node, ctx)  # on the tree the converters start from
    node = variables.transform(node, ctx)  # after the analyses, before generated code exists
    # Loops, then conditionals. Each enters the functions the other generates, converting
    # inner statements first; the order only decides which of them wraps the other's output.
    node = loops.transform(node, ctx)
    node = conditionals.transform(node, ctx)
    node = logical.transform(node, ctx)  # after them: the expressions are where they end up
    node = debugging.transform(node, ctx)  # `assert` and `print`, likewise
    node = containers.transform(node, ctx)  # likewise; before `calls`, which sees `len` of a comprehension
    node = calls.transform(node, ctx)  # last: the calls the others leave reach user code
    functional.finish_scopes(node, ctx)  # last: declarations and placeholders for every scope
    node = cleanup.transform(node, ctx)  # on the finished tree: what nothing reads
    return origin.place(trees.to_ast(node), ctx.first_line)


def convert_function(fn: types.FunctionType) -> Converted:
    node, source = parsing.parse_function(fn)
    ctx = Context(naming.Namer(node), fn.__qualname__, source.filename, source.first_line, fn.__globals__)
    try:
        tree = convert_tree(node, ctx)
        return Converted(loader.compile_function(tree, fn), tree)
    except RecursionError:  # the generated code nests a function per early `return` it follows
        raise errors.ConversionError(
            f"`{fn.__qualname__}` ({source.filename}:{source.first_line}) nests too deeply once converted: "
            "the code after each `return` under a condition runs in a function of its own, inside the "
            "one before. Split the function, or return once at the end.") from None
