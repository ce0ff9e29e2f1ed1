"""The conversion pipeline: source → gast → analyses → converters → code object."""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import gc
import sys
import types
from collections.abc import Callable, Iterator

import gast

from autocond import errors
from autocond.analysis import activity, definedness, liveness, python_only
from autocond.converters import (
    calls,
    cleanup,
    composites,
    conditionals,
    containers,
    debugging,
    functional,
    logical,
    loop_exits,
    loops,
    match_statements,
    methods,
    return_statements,
    slices,
    stores,
    unsupported,
    variables,
)
from autocond.converters.context import Context
from autocond.pyct import loader, parsing, trees

# The analyses, in an order in which each follows those it reads. Each annotates the tree (or
# sets fields of the context) for the passes that read it; a pass that changes the tree makes
# them all stale, and they run again for the next pass that reads one.
_ANALYSES: dict[str, tuple[tuple[str, ...], Callable[[gast.FunctionDef, Context], None]]] = {
    # Which names are the function's variables, which closures share, which it computes with
    # as ints; and the nodes it holds (`ctx.nodes`), for the analyses and the passes that ask
    # whether they have work.
    "scope": ((), lambda fn, ctx: ctx.scan_scope(fn)),
    # What each `if` and loop modifies.
    "activity": (("scope",), lambda fn, ctx: activity.analyze(ctx.nodes, ctx.closure_writes)),
    # What is read later; what is bound on every path. Closures may read the shared names
    # whenever they are called, and anyone the attributes carried as variables (`hasattr`).
    "liveness": (("scope",), lambda fn, ctx: liveness.analyze(
        fn, ctx.shared_names | frozenset(ctx.composites.values()))),
    "definedness": ((), lambda fn, ctx: definedness.analyze(fn)),
    # Which constructs stay Python.
    "python_only": (("scope", "liveness"),
                    lambda fn, ctx: python_only.analyze(fn, ctx.outer_names, ctx.where)),
}
_ALL = tuple(_ANALYSES)


def _share(fn: gast.FunctionDef, ctx: Context) -> gast.FunctionDef:
    ctx.shared = activity.shared(fn)
    return fn


def _always(fn: gast.FunctionDef, ctx: Context) -> bool:
    return True


def _changes_objects(fn: gast.FunctionDef, ctx: Context) -> bool:
    return ctx.shared.changes_objects  # else no attribute is carried, no store is noticed


@dataclasses.dataclass(frozen=True)
class Pass:
    """One step of the pipeline: `transform(fn, ctx)` is the new tree, where `needed(fn, ctx)`
    (asked of the tree and context as the passes before left them) says there is work; before
    it, the analyses it `reads` are brought up to date. Unless it keeps them, its changes make
    them stale: the lowerings after the analyses keep them, reading the annotations of the
    user's statements they move into generated code."""

    transform: Callable[[gast.FunctionDef, Context], gast.FunctionDef]
    reads: tuple[str, ...] = ()
    keeps_analyses: bool = False
    needed: Callable[[gast.FunctionDef, Context], bool] = _always


PIPELINE = (
    Pass(unsupported.transform, keeps_analyses=True, needed=unsupported.needed),  # first: refuse generators
    Pass(methods.transform, needed=methods.needed),  # before code moves out of the method's frame
    Pass(slices.transform, needed=slices.needed),  # before the analyses: `x[i] = v` rebinds `x`
    Pass(match_statements.transform, needed=match_statements.needed),  # before the lowerings: they see `if`s
    Pass(return_statements.transform, needed=return_statements.needed),  # adds variables the analyses see
    # After the `if`s guarding what follows a `return`, which may carry attributes too; no
    # later pass makes closures or changes objects.
    Pass(_share, keeps_analyses=True),
    Pass(composites.mark, keeps_analyses=True, needed=_changes_objects),
    Pass(stores.transform, needed=_changes_objects),  # on the user's statements, but those carried
    # Loops that stay Python keep their `break` and `continue`.
    Pass(loop_exits.transform, reads=("activity", "python_only"), needed=loop_exits.needed),
    Pass(composites.transform, needed=composites.needed),  # after the lowerings: stored back on every path
    # From here on, the analyses of the tree the converters start from: all of them, before
    # generated code exists.
    Pass(variables.transform, reads=_ALL, keeps_analyses=True),
    # Loops, then conditionals. Each enters the functions the other generates, converting inner
    # statements first; the order only decides which of them wraps the other's output.
    Pass(loops.transform, reads=_ALL, keeps_analyses=True),
    Pass(conditionals.transform, reads=_ALL, keeps_analyses=True),
    # The expressions, where they end up; `containers` before `calls`, which sees `len` of a
    # comprehension; `calls` last, since the calls the others leave reach user code.
    Pass(logical.transform, reads=("scope",), keeps_analyses=True, needed=logical.needed),
    Pass(debugging.transform, reads=("python_only",), keeps_analyses=True, needed=debugging.needed),
    Pass(containers.transform, reads=("scope",), keeps_analyses=True, needed=containers.needed),
    Pass(calls.transform, reads=("scope",), keeps_analyses=True),
    Pass(functional.finish_scopes, reads=("scope",), keeps_analyses=True),  # declarations for every scope
    Pass(cleanup.transform, keeps_analyses=True),  # on the finished tree: what nothing reads
)


def _bring_up_to_date(names: tuple[str, ...], fn: gast.FunctionDef, ctx: Context, current: set[str]) -> None:
    for name in names:
        if name not in current:
            reads, analyze = _ANALYSES[name]
            _bring_up_to_date(reads, fn, ctx, current)
            analyze(fn, ctx)
            current.add(name)


def convert_tree(node: gast.FunctionDef, ctx: Context) -> ast.FunctionDef:
    """The converted function, as an `ast` tree with the file's lines (`ctx.first_line` is
    that of the function's line 1)."""
    node.decorator_list = []  # the function object the decorators were given is converted
    first = node.body[0]
    docstring = first if isinstance(first, gast.Expr) and isinstance(first.value, gast.Constant) \
        and isinstance(first.value.value, str) else None
    current: set[str] = set()  # the analyses whose annotations describe the tree
    for step in PIPELINE:
        if not step.needed(node, ctx):
            continue
        _bring_up_to_date(step.reads, node, ctx, current)
        node = step.transform(node, ctx)
        if not step.keeps_analyses and current:
            activity.forget(node)  # the summaries of the statements changed
            current.clear()
    if docstring is not None and any(stmt is docstring for stmt in node.body[1:]):
        # Before what the passes put first (placeholders, flags): else it is no docstring.
        node.body = [docstring, *(stmt for stmt in node.body if stmt is not docstring)]
    return trees.to_ast(node, ctx.first_line)


# Recursion the walks of a conversion may need: a few frames per level of the deepest
# expression or nest of generated functions, for code CPython itself compiles (about 900
# levels of `a + b + ...`).
_RECURSION_LIMIT = 10_000


@contextlib.contextmanager
def room_to_recurse() -> Iterator[None]:
    """Room for the recursion of walks over deep code (`_RECURSION_LIMIT`)."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, _RECURSION_LIMIT))
    try:
        yield
    finally:
        sys.setrecursionlimit(limit)


@contextlib.contextmanager
def converting(qualname: str, where: str) -> Iterator[None]:
    """The conditions of converting the function `qualname` (at `where`, `file:line`): no
    garbage collection (a large function's conversion makes hundreds of thousands of nodes,
    which would start several collections, each scanning every object the program holds, all
    of JAX's; one after it does the same work once), and room to recurse, beyond which a clear
    error."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        with room_to_recurse():
            yield
    except RecursionError:
        raise errors.ConversionError(
            f"`{qualname}` ({where}) nests too deeply to convert: an expression, or the functions "
            "autocond generates for the code after each `return` under a condition (each inside the "
            "one before), nest deeper than Python's recursion allows. Split the function or the "
            "expression, or return once at the end.") from None
    finally:
        if enabled:
            gc.enable()


def convert_function(fn: types.FunctionType) -> types.CodeType:
    """The code of `fn` converted (its free variables: the original's, then `ac__`). Its trees
    are freed before garbage collection is on again, which would otherwise scan them all."""
    with converting(fn.__qualname__, f"{fn.__code__.co_filename}:{fn.__code__.co_firstlineno}"):
        return loader.compile_function(_converted_tree(fn), fn)


def converted_source(fn: types.FunctionType) -> str:
    """The source of the code `convert_function(fn)` gives, for reading."""
    with converting(fn.__qualname__, f"{fn.__code__.co_filename}:{fn.__code__.co_firstlineno}"):
        return ast.unparse(_converted_tree(fn))


def _converted_tree(fn: types.FunctionType) -> ast.FunctionDef:
    node, source = parsing.parse_function(fn)
    ctx = Context.of(node, fn.__qualname__, source.filename, source.first_line, namespace=fn.__globals__,
                     in_class="__class__" in fn.__code__.co_freevars)
    return convert_tree(node, ctx)
