"""Which names a piece of code reads, binds, and mutates in place.

Names are those of the function being converted: nested `def`, `lambda` and comprehension
scopes contribute the names they read (closures read the enclosing variables) but bind nothing
outside themselves.
"""

from __future__ import annotations

from collections.abc import Iterable

import gast

from autocond.pyct import anno

_SCOPES = (gast.FunctionDef, gast.AsyncFunctionDef, gast.ClassDef, gast.Lambda,
           gast.ListComp, gast.SetComp, gast.DictComp, gast.GeneratorExp)

# Methods that change their object whatever position the call is in.
_MUTATING_METHODS = frozenset({
    "append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault",
    "popitem", "add", "discard", "sort", "reverse", "__setitem__", "__delitem__",
})


def base_name(node: gast.expr) -> str | None:
    """`x` for `x`, `x.a`, `x[i]`, `x.a[i].b`; None for other expressions."""
    while isinstance(node, (gast.Attribute, gast.Subscript)):
        node = node.value
    return node.id if isinstance(node, gast.Name) else None


def _own_nodes(node: gast.AST) -> Iterable[gast.AST]:
    """`node` and its descendants, not entering nested scopes (only their headers, which
    run in this scope: decorators, defaults, bases, a comprehension's first iterable)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        if isinstance(n, _SCOPES):
            if isinstance(n, (gast.FunctionDef, gast.AsyncFunctionDef)):
                stack.extend(n.decorator_list + n.args.defaults
                             + [d for d in n.args.kw_defaults if d is not None])
            elif isinstance(n, gast.ClassDef):
                stack.extend(n.decorator_list + n.bases + n.keywords)
            elif isinstance(n, gast.Lambda):
                stack.extend(n.args.defaults)
            else:  # a comprehension's first iterable is evaluated in the enclosing scope
                stack.append(n.generators[0].iter)
            continue
        stack.extend(gast.iter_child_nodes(n))


def reads(node: gast.AST) -> set[str]:
    """Names `node` may read, including those read by closures it defines (and the target of
    `x += v`, which gast marks as a store)."""
    names = set()
    for n in gast.walk(node):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load):
            names.add(n.id)
        elif isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Name):
            names.add(n.target.id)
    return names


def binds(node: gast.AST) -> set[str]:
    """Names `node` (re)binds or deletes in the current scope."""
    names = set()
    for n in _own_nodes(node):
        if isinstance(n, gast.Name) and isinstance(n.ctx, (gast.Store, gast.Del)):
            names.add(n.id)
        elif isinstance(n, (gast.FunctionDef, gast.AsyncFunctionDef, gast.ClassDef)):
            names.add(n.name)
        elif isinstance(n, (gast.Import, gast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in n.names)
        elif isinstance(n, (gast.MatchAs, gast.MatchStar)) and n.name:
            names.add(n.name)
        elif isinstance(n, gast.MatchMapping) and n.rest:
            names.add(n.rest)
    return names


def mutates(node: gast.AST) -> dict[str, gast.AST]:
    """Names whose objects `node` may change in place (`x.a = v`, `x[i] = v`, `del x[i]`,
    `x.append(v)` and the other mutating methods of builtin containers), each with the first
    node that does it."""
    names = {}
    for n in _own_nodes(node):
        target = None
        if isinstance(n, (gast.Attribute, gast.Subscript)) and isinstance(n.ctx, (gast.Store, gast.Del)):
            target = n.value
        elif (isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute)
              and n.func.attr in _MUTATING_METHODS):
            target = n.func.value
        name = target is not None and base_name(target)
        if name:
            names.setdefault(name, n)
    return names


def modified(node: gast.AST) -> set[str]:
    return binds(node) | set(mutates(node))


def modified_block(stmts: list[gast.stmt]) -> set[str]:
    return set().union(*map(modified, stmts))


def declared_outer(fn: gast.FunctionDef) -> set[str]:
    """Names the function declares `global` or `nonlocal`."""
    return {name for stmt in fn.body for n in _own_nodes(stmt)
            if isinstance(n, (gast.Global, gast.Nonlocal)) for name in n.names}


def parameters(args: gast.arguments) -> set[str]:
    params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    params += [a for a in (args.vararg, args.kwarg) if a is not None]
    return {p.id for p in params}


def analyze(fn: gast.FunctionDef) -> None:
    """Annotate each `if` and loop with `MODIFIED`."""
    for node in gast.walk(fn):
        if isinstance(node, gast.If):
            anno.setanno(node, anno.Static.MODIFIED, frozenset(modified_block(node.body + node.orelse)))
        elif isinstance(node, gast.While):
            anno.setanno(node, anno.Static.MODIFIED,
                         frozenset(modified_block(node.body) | binds(node.test)))
        elif isinstance(node, gast.For):
            anno.setanno(node, anno.Static.MODIFIED, frozenset(modified_block(node.body)))
