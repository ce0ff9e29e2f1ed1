"""Walking syntax trees (gast's, whose nodes are `ast`'s)."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

import gast

# The nodes that open a scope of their own: names in them are not the enclosing function's.
SCOPES = (gast.FunctionDef, gast.AsyncFunctionDef, gast.ClassDef, gast.Lambda)


def walk(node: ast.AST) -> list[ast.AST]:
    """`node` and its descendants (`add_children`'s), breadth first, in the order of
    `ast.walk` (about three times as fast: the analyses walk whole functions many times)."""
    nodes = [node]
    for n in nodes:  # grows while it is read
        add_children(n, nodes)
    return nodes


def same_scope(stmts: list[ast.stmt]) -> Iterator[ast.AST]:
    """The nodes under `stmts` in their own scope: nested functions, classes and lambdas
    themselves, not what is inside them."""
    stack = list(stmts)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, SCOPES):
            add_children(node, stack)


def children(node: ast.AST) -> list[ast.AST]:
    """The direct children of `node` (`add_children`'s), in the order of `ast.iter_child_nodes`."""
    nodes = []
    add_children(node, nodes)
    return nodes


# Fields that hold no node: names, flags and Python values; `name` and `names` but in the
# classes named (gast's handler names a `Name`), `value` in those named. Names of classes, so
# that the rules hold for `ast`'s and gast's.
_SCALARS = frozenset({"id", "attr", "arg", "kind", "type_comment", "simple", "level", "module", "is_async",
                      "conversion", "kwd_attrs", "rest", "tag", "asname", "str"})
_NODES_ONLY_IN = {"name": ("ExceptHandler", "TypeAlias"), "names": ("Import", "ImportFrom")}
_SCALARS_ONLY_IN = {"value": ("Constant", "MatchSingleton")}
# The leaves without fields (`Load`, `Add`, `Eq`) that only qualify their parent: a third of a
# function's nodes, which no walk looks for.
_LEAVES = ("ctx", "op", "ops")
_node_fields: dict[type, tuple[str, ...]] = {}
_walked_fields: dict[type, tuple[str, ...]] = {}


def node_fields(kind: type) -> tuple[str, ...]:
    """The fields of node class `kind` (`ast`'s or gast's) that may hold nodes."""
    try:
        return _node_fields[kind]
    except KeyError:
        name = kind.__name__
        fields = _node_fields[kind] = tuple(
            f for f in kind._fields if f not in _SCALARS and name in _NODES_ONLY_IN.get(f, (name,))
            and name not in _SCALARS_ONLY_IN.get(f, ()))
        return fields


def _fields_walked(kind: type) -> tuple[str, ...]:
    fields = _walked_fields[kind] = tuple(f for f in node_fields(kind) if f not in _LEAVES)
    return fields


def add_children(node: ast.AST, nodes: list[ast.AST]) -> None:
    """Append the direct children of `node` to `nodes`, but the leaves that only qualify their
    parent (a `Name`'s `ctx`, a `BinOp`'s `op`)."""
    try:
        fields = _walked_fields[node.__class__]
    except KeyError:
        fields = _fields_walked(node.__class__)
    for field in fields:
        value = getattr(node, field, None)
        if value.__class__ is list:
            nodes.extend([x for x in value if isinstance(x, ast.AST)])
        elif isinstance(value, ast.AST):
            nodes.append(value)


# What a pass that visits only statements descends into: blocks, never expressions.
_BLOCK_PARTS = (gast.stmt, gast.excepthandler, gast.match_case)


class Transformer:
    """`ast.NodeTransformer`, faster: each node class's visit method is looked up once, the
    fields `walk` passes by are not visited (so no `visit_Load`), nor nodes without fields that
    no method visits, and a transformer whose methods visit only statements descends only into
    blocks (no expression holds a statement; a lambda holds none)."""

    _visitors: dict[type, Callable | None]
    _blocks_only: bool

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        kinds = [getattr(gast, name[len("visit_"):], None) for name in dir(cls) if name.startswith("visit_")]
        cls._blocks_only = all(kind is gast.Lambda or (kind is not None and issubclass(kind, gast.stmt))
                               for kind in kinds)
        cls._visitors = {}

    def visit(self, node: ast.AST):
        kind = node.__class__
        try:
            visitor = self._visitors[kind]
        except KeyError:
            visitor = getattr(type(self), "visit_" + kind.__name__, None)
            if visitor is None and kind._fields:
                visitor = type(self).generic_visit
            self._visitors[kind] = visitor
        return node if visitor is None else visitor(self, node)

    def generic_visit(self, node: ast.AST) -> ast.AST:
        """`node`, its children visited: a visit may return a node, a list of them, or None."""
        blocks_only = self._blocks_only
        try:
            fields = _walked_fields[node.__class__]
        except KeyError:
            fields = _fields_walked(node.__class__)
        for field in fields:
            value = getattr(node, field, None)
            if value.__class__ is list:
                if not value:
                    continue
                visited = []
                for item in value:
                    if isinstance(item, _BLOCK_PARTS if blocks_only else ast.AST):
                        item = self.visit(item)
                        if item is None:
                            continue
                        if item.__class__ is list:
                            visited += item
                            continue
                    visited.append(item)
                value[:] = visited
            elif not blocks_only and isinstance(value, ast.AST):
                new = self.visit(value)
                if new is None:
                    delattr(node, field)
                elif new is not value:
                    setattr(node, field, new)
        return node
