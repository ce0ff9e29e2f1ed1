"""Which names a piece of code reads, binds, and mutates in place, and how it exits.

Names are those of the function being converted: nested `def`, `lambda` and comprehension
scopes contribute the names they read (closures read the enclosing variables) but bind nothing
outside themselves.

`summary(stmt)` says what a statement does with its nested blocks included. It is computed
once, bottom-up, and kept as an annotation, so asking it of every `if` and loop of a nest
costs no more than one walk of the function. Passes that run before the analyses (and change
the tree) must not ask for it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

import gast

from autocond.pyct import anno, traversal
from autocond.pyct.loader import RUNTIME_NAME

_SCOPES = (gast.FunctionDef, gast.AsyncFunctionDef, gast.ClassDef, gast.Lambda,
           gast.ListComp, gast.SetComp, gast.DictComp, gast.GeneratorExp)
_SCOPE_CLASSES = frozenset(_SCOPES)  # gast's classes have no subclasses: a set finds them faster
_LOOPS = (gast.For, gast.AsyncFor, gast.While)
_BLOCK_HOLDERS = (gast.stmt, gast.excepthandler, gast.match_case)
# Scopes whose code may run later than where they are defined, reading the variables then.
_LAZY_SCOPES = (gast.FunctionDef, gast.AsyncFunctionDef, gast.ClassDef, gast.Lambda, gast.GeneratorExp)
EXITS = (gast.Return, gast.Raise, gast.Break, gast.Continue)

# Methods that change their object whatever position the call is in.
MUTATING_METHODS = frozenset({
    "append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault",
    "popitem", "add", "discard", "sort", "reverse", "__setitem__", "__delitem__",
})


@dataclasses.dataclass(frozen=True)
class Summary:
    """What statements do, their nested blocks included (in this scope)."""

    binds: frozenset[str]
    # Names whose objects change in place, each with the first node doing it, in source order.
    mutations: Mapping[str, gast.AST]
    # For each kind of exit (`gast.Return`, ...), the first statement of that kind that leaves
    # the statements: a `break`/`continue` inside a loop among them leaves only that loop.
    exits: Mapping[type, gast.stmt]


def base_name(node: gast.expr) -> str | None:
    """`x` for `x`, `x.a`, `x[i]`, `x.a[i].b`; None for other expressions."""
    while isinstance(node, (gast.Attribute, gast.Subscript)):
        node = node.value
    return node.id if isinstance(node, gast.Name) else None


def _own_nodes(node: gast.AST, statements: bool = True) -> list[gast.AST]:
    """`node` and its descendants, not entering nested scopes (only their headers, which
    run in this scope: decorators, defaults, bases, a comprehension's first iterable), nor,
    unless `statements`, the statements nested in `node`."""
    nodes, stack = [], [node]
    while stack:
        n = stack.pop()
        nodes.append(n)
        if n.__class__ in _SCOPE_CLASSES:
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
        if statements or not isinstance(n, _BLOCK_HOLDERS):  # an expression holds no statement
            traversal.add_children(n, stack)
        else:
            stack += [c for c in traversal.children(n) if not isinstance(c, gast.stmt)]
    return nodes


def reads(node: gast.AST) -> set[str]:
    """Names `node` may read, including those read by closures it defines (and the target of
    `x += v`, which gast marks as a store)."""
    return _reads(traversal.walk(node))


def _reads(nodes: Iterable[gast.AST]) -> set[str]:
    names = set()
    for n in nodes:
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load):
            names.add(n.id)
        elif isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Name):
            names.add(n.target.id)
    return names


_STORES = (gast.Store, gast.Del)


def _effects(nodes: Iterable[gast.AST]) -> tuple[set[str], dict[str, gast.AST]]:
    """The names `nodes` (re)bind or delete, and the in-place changes among them (`x.a = v`,
    `x[i] = v`, `del x[i]`, `x.append(v)` and the other mutating methods of builtin
    containers): each name changed, with the first node changing it. In one pass, by each
    node's class (gast's classes have no subclasses)."""
    names, changed = set(), {}
    for n in nodes:
        kind, target = n.__class__, None
        if kind is gast.Name:
            if isinstance(n.ctx, _STORES):
                names.add(n.id)
        elif kind is gast.Attribute or kind is gast.Subscript:
            if isinstance(n.ctx, _STORES) and not anno.hasanno(n, anno.Basic.COMPOSITE):  # else carried
                target = n.value
        elif kind is gast.Call:
            if n.func.__class__ is gast.Attribute and n.func.attr in MUTATING_METHODS:
                target = n.func.value
        elif kind is gast.FunctionDef or kind is gast.AsyncFunctionDef or kind is gast.ClassDef:
            names.add(n.name)
        elif kind is gast.Import or kind is gast.ImportFrom:
            names.update((a.asname or a.name).split(".")[0] for a in n.names)
        elif kind is gast.MatchAs or kind is gast.MatchStar:
            if n.name:
                names.add(n.name)
        elif kind is gast.MatchMapping and n.rest:
            names.add(n.rest)
        name = target is not None and base_name(target)
        if name and name != RUNTIME_NAME:  # `ac__.append(xs, v)` is the converted form
            changed.setdefault(name, n)
    return names, changed


def binds(node: gast.AST) -> set[str]:
    """Names `node` (re)binds or deletes in the current scope."""
    return _effects(_own_nodes(node))[0]


def _blocks(stmt: gast.stmt) -> list[tuple[list[gast.stmt], bool]]:
    """The statement lists nested in `stmt`, each with whether `break`/`continue` in it
    belong to `stmt` (a loop's body)."""
    if isinstance(stmt, _SCOPES):
        return []
    blocks = [(stmt.body, isinstance(stmt, _LOOPS))] if isinstance(getattr(stmt, "body", None), list) else []
    blocks += [(getattr(stmt, f), False) for f in ("orelse", "finalbody") if getattr(stmt, f, None)]
    blocks += [(part.body, False) for part in getattr(stmt, "handlers", []) + getattr(stmt, "cases", [])]
    return blocks


def summary(stmt: gast.stmt) -> Summary:
    """What `stmt` binds, mutates and how it exits, its nested blocks included."""
    cached = anno.getanno(stmt, anno.Static.SUMMARY)
    if cached is not None:
        return cached
    bound, mutations = _effects(_own_nodes(stmt, statements=False))
    exits = {type(stmt): stmt} if isinstance(stmt, EXITS) else {}
    for block, own_loop in _blocks(stmt):
        inner = summarize(block)
        bound |= inner.binds
        for name, node in inner.mutations.items():
            mutations.setdefault(name, node)
        for kind, node in inner.exits.items():
            if not (own_loop and kind in (gast.Break, gast.Continue)):
                exits.setdefault(kind, node)
    result = Summary(frozenset(bound), mutations, exits)
    anno.setanno(stmt, anno.Static.SUMMARY, result)
    return result


def summarize(stmts: list[gast.stmt]) -> Summary:
    """What a block of statements binds, mutates and how it exits."""
    bound, mutations, exits = set(), {}, {}
    for stmt in stmts:
        s = summary(stmt)
        bound |= s.binds
        for name, node in s.mutations.items():
            mutations.setdefault(name, node)
        for kind, node in s.exits.items():
            exits.setdefault(kind, node)
    return Summary(frozenset(bound), mutations, exits)


def declared_outer(fn: gast.FunctionDef, kinds: tuple[type, ...] = (gast.Global, gast.Nonlocal)) -> set[str]:
    """Names the function declares `global` or `nonlocal` (or only those of `kinds`): the
    statements of its blocks, not of nested scopes, are all that can declare them."""
    names, blocks = set(), [fn.body]
    while blocks:
        for stmt in blocks.pop():
            if isinstance(stmt, kinds):
                names.update(stmt.names)
            elif not isinstance(stmt, _SCOPES):
                blocks += [block for block, _ in _blocks(stmt)]
    return names


def _scope_locals(scope: gast.AST) -> set[str]:
    """The names a nested scope binds for itself (not those it declares `nonlocal`/`global`)."""
    if isinstance(scope, (gast.FunctionDef, gast.AsyncFunctionDef)):
        own = parameters(scope.args) | {name for stmt in scope.body for name in binds(stmt)}
        return own - {name for n in traversal.walk(scope) if isinstance(n, (gast.Global, gast.Nonlocal))
                      for name in n.names}
    if isinstance(scope, gast.Lambda):
        return parameters(scope.args)
    if isinstance(scope, gast.GeneratorExp):
        return {name for g in scope.generators for name in binds(g.target)}
    return set()  # a class body: what its methods read is counted


@dataclasses.dataclass(frozen=True)
class Shared:
    """What a function shares with other code, which traced constructs must keep."""

    # Names of the function that nested functions, lambdas, classes and generator expressions
    # read or write when they run (closures: Python keeps them in cells), over-approximated
    # where a deeper scope shadows a name; and those of them they assign through `nonlocal`.
    captured: frozenset[str]
    closure_writes: frozenset[str]
    # Whether it (nested scopes included) may change an object in place (assign or delete an
    # attribute or item, call a method named like a mutating one), or declares a name
    # `global` or `nonlocal`.
    changes_objects: bool


def shared(fn: gast.FunctionDef) -> Shared:
    """`Shared` of `fn`, in one walk of it."""
    nodes = [n for stmt in fn.body for n in traversal.walk(stmt)]
    read, written, inside = set(), set(), set()  # `inside`: ids of the nodes of lazy scopes
    for node in nodes:
        if id(node) in inside or not isinstance(node, _LAZY_SCOPES):
            continue
        if isinstance(node, gast.GeneratorExp):  # its first iterable is evaluated here, at once
            first = node.generators[0]
            node = gast.GeneratorExp(elt=node.elt, generators=[
                gast.comprehension(target=first.target, iter=gast.Constant(value=None, kind=None),
                                   ifs=first.ifs, is_async=0), *node.generators[1:]])
        scope = traversal.walk(node)
        inside.update(map(id, scope))
        read |= _reads(scope) - _scope_locals(node)
        written |= {name for n in scope if isinstance(n, gast.Nonlocal) for name in n.names}
    return Shared(frozenset(read | written), frozenset(written), changes_objects(nodes))


def changes_objects(nodes: list[gast.AST]) -> bool:
    """Whether any of `nodes` changes an object in place or declares an outer name."""
    return any(map(_changes, [n for n in nodes if isinstance(n, CHANGING)]))


def _changes(n: gast.AST) -> bool:
    """Whether `n`, one of `CHANGING`, changes an object or declares an outer name."""
    return (isinstance(n, (gast.Attribute, gast.Subscript)) and isinstance(n.ctx, (gast.Store, gast.Del))
            or isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute)
            and n.func.attr in MUTATING_METHODS
            or isinstance(n, (gast.Global, gast.Nonlocal)))


# The nodes that may change an object or declare an outer name.
CHANGING = (gast.Attribute, gast.Subscript, gast.Call, gast.Global, gast.Nonlocal)


# Operators for which Python's bools (ints) and bool arrays differ: `True + True` is 2, but
# JAX adds bool arrays as a logical or; `-`, `~` and the rest are ints' operators too.
_INT_OPERATORS = (gast.Add, gast.Sub, gast.Mult, gast.FloorDiv, gast.Mod, gast.Pow, gast.LShift,
                  gast.RShift, gast.USub, gast.UAdd, gast.Invert)
_BIT_OPERATORS = (gast.BitAnd, gast.BitOr, gast.BitXor)


def _maybe_bool(node: gast.expr, bools: set[str]) -> bool:
    """Whether `node` may give a bool (Python's or an array), the names in `bools` may:
    comparisons, `not`, `True`, `bool(...)`, `any(...)`, `all(...)`, and operations on them
    do. Other calls, items and attributes are taken to give numbers."""
    if isinstance(node, gast.Constant):
        return type(node.value) is bool
    if isinstance(node, gast.Name):
        return node.id in bools
    if isinstance(node, gast.Compare) or isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.Not) \
            or _calls(node, _BOOL_BUILTINS):
        return True
    if _calls(node, _PICKING_BUILTINS):
        return any(_maybe_bool(arg, bools) for arg in node.args)
    if isinstance(node, gast.UnaryOp):
        return _maybe_bool(node.operand, bools)
    if isinstance(node, gast.BinOp):
        return (isinstance(node.op, _INT_OPERATORS + _BIT_OPERATORS)
                and _maybe_bool(node.left, bools) and _maybe_bool(node.right, bools))
    if isinstance(node, gast.BoolOp):
        return any(_maybe_bool(v, bools) for v in node.values)
    if isinstance(node, gast.IfExp):
        return _maybe_bool(node.body, bools) or _maybe_bool(node.orelse, bools)
    if isinstance(node, gast.NamedExpr):
        return _maybe_bool(node.value, bools)
    if isinstance(node, (gast.Tuple, gast.List, gast.Set)):  # as the items of a `for`
        return any(_maybe_bool(e, bools) for e in node.elts)
    return False


def _assignments(nodes: list[gast.AST]) -> list[tuple[gast.expr, gast.expr]]:
    """(target, value) of each assignment among `nodes` (`x += v` as `x = x + v`, a `for`
    target given its iterable), tuples unpacked where both sides are tuples."""
    assignments = []
    for n in nodes:
        if isinstance(n, gast.Assign):
            for target in n.targets:
                if isinstance(target, gast.Tuple) and isinstance(n.value, gast.Tuple) \
                        and len(target.elts) == len(n.value.elts):
                    assignments += zip(target.elts, n.value.elts)
                else:
                    assignments.append((target, n.value))
        elif isinstance(n, gast.AugAssign):
            assignments.append((n.target, gast.BinOp(left=n.target, op=n.op, right=n.value)))
        elif isinstance(n, (gast.NamedExpr, gast.For)):
            assignments.append((n.target, n.value if isinstance(n, gast.NamedExpr) else n.iter))
    return assignments


def _bool_names(assignments: list[tuple[gast.expr, gast.expr]]) -> set[str]:
    """The names assigned a value that may be a bool (`_maybe_bool`), or iterating over a
    literal that may hold one. Parameters are taken to be numbers."""
    bools = set()
    while True:
        more = {name for target, value in assignments if _maybe_bool(value, bools)
                for name in binds(target)} - bools
        if not more:
            return bools
        bools |= more


def int_operands(nodes: list[gast.AST]) -> dict[str, gast.AST]:
    """The names a function (`nodes`: all of its nodes, nested scopes included) computes with
    as ints where a bool would be one: operands of `-q`, `~q`, or of `q + p`, `n += q` and
    such with another operand that may be a bool (not `q + 1`, where a bool array becomes an
    int too). Each comes with the node doing it first in the source. Each `not`, `in` or call
    of `bool`, `any` or `all` (`_python_bools_giving`) whose value is computed with so
    (directly, or assigned to such a name where a run may reach the computation) is
    annotated with that node (`Static.INT_USE`): it gives a Python bool in Python, an int
    there."""
    assignments = _assignments(nodes)
    bools = _bool_names(assignments)
    uses: dict[str, list[gast.AST]] = {}
    for n in nodes:
        if isinstance(n, gast.UnaryOp) and isinstance(n.op, _INT_OPERATORS):
            pairs = [(n.operand, n.operand)]
        elif isinstance(n, (gast.BinOp, gast.AugAssign)) and isinstance(n.op, _INT_OPERATORS):
            left = n.left if isinstance(n, gast.BinOp) else n.target
            right = n.right if isinstance(n, gast.BinOp) else n.value
            pairs = [(left, right), (right, left)]
        else:
            continue
        for operand, other in pairs:
            if not _maybe_bool(other, bools):
                continue
            for value in _python_bools_giving(operand):
                anno.setanno(value, anno.Static.INT_USE, n)
            if isinstance(operand, gast.Name) and operand.id in bools:
                uses.setdefault(operand.id, []).append(n)
    parents = {child: node for node in nodes for child in traversal.children(node)} if uses else {}
    for target, value in assignments:
        givings = _python_bools_giving(value)
        reached = [use for name in binds(target) for use in uses.get(name, ())
                   if _may_reach(target, use, parents)] if givings else []
        for giving in givings if reached else ():
            anno.setanno(giving, anno.Static.INT_USE, min(reached, key=lambda use: use.lineno))
    return {name: min(found, key=lambda use: use.lineno) for name, found in uses.items()}


def _may_reach(target: gast.expr, use: gast.AST, parents: Mapping[gast.AST, gast.AST]) -> bool:
    """Whether a run may reach `use` after binding `target`: `use` follows it in the source,
    outside the other branch of an `if` or `match`, or a loop runs both again. Where either
    is in a nested scope, it may."""
    up_target, up_use = _ancestors(target, parents), _ancestors(use, parents)
    above_use = set(up_use)
    at = next(k for k, n in enumerate(up_target) if n in above_use)
    common = up_target[at]
    below_target, below_use = up_target[:at], up_use[:up_use.index(common)]
    if any(isinstance(n, _SCOPES) for n in below_target + below_use):
        return True
    if any(isinstance(loop, _LOOPS) and _field(loop, child) == "body"
           for child, loop in zip(up_target[at - 1:], up_target[at:])):
        return True
    if not below_use:  # `use` computes with the binding's value: `(q := not p) + q`, not `q += p`
        return not isinstance(use, gast.AugAssign)
    mine, theirs = below_target[-1], below_use[-1]
    fields = {_field(common, mine), _field(common, theirs)}
    if (isinstance(common, (gast.If, gast.IfExp)) and fields == {"body", "orelse"}
            or isinstance(common, gast.Match) and fields == {"cases"}
            or isinstance(common, gast.Try) and fields <= {"handlers", "orelse"} and fields != {"orelse"}):
        return False  # other branches
    if isinstance(common, (gast.Assign, gast.AnnAssign)) and _field(common, theirs) == "value":
        return False  # the value is computed before it is bound
    order = traversal.children(common)
    return order.index(theirs) > order.index(mine)


def _ancestors(node: gast.AST, parents: Mapping[gast.AST, gast.AST]) -> list[gast.AST]:
    """`node`, its parent, and so on up to the function."""
    chain = [node]
    while chain[-1] in parents:
        chain.append(parents[chain[-1]])
    return chain


def _field(parent: gast.AST, child: gast.AST) -> str:
    """The field of `parent` holding `child`."""
    for name in parent._fields:
        value = getattr(parent, name, None)
        if value is child or value.__class__ is list and any(x is child for x in value):
            return name
    raise ValueError(f"{child} is not a child of {parent}")


# Builtins that give a Python bool, even of a traced value (`bool(x)` where autocond gives a
# bool array), and those that give one of their arguments.
_BOOL_BUILTINS = frozenset({"bool", "any", "all"})
_PICKING_BUILTINS = frozenset({"max", "min"})
_IN = (gast.In, gast.NotIn)


def _python_bools_giving(node: gast.AST) -> list[gast.AST]:
    """The expressions giving a Python bool (a bool array where autocond converts them with a
    traced operand) that may be the value of `node`: a `not`, an `in` or `not in`, a call of
    `bool`, `any` or `all`; `node` itself, or an operand of `|`, `&`, `^` (a bool with a bool
    gives a bool), `and`, `or`, `max`, `min`, or a branch of `... if ... else ...` in it."""
    membership = isinstance(node, gast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], _IN)
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.Not) or _calls(node, _BOOL_BUILTINS) \
            or membership:
        return [node]
    if isinstance(node, gast.BinOp) and isinstance(node.op, (gast.BitOr, gast.BitAnd, gast.BitXor)):
        return _python_bools_giving(node.left) + _python_bools_giving(node.right)
    if isinstance(node, gast.BoolOp):
        return [n for value in node.values for n in _python_bools_giving(value)]
    if isinstance(node, gast.IfExp):
        return _python_bools_giving(node.body) + _python_bools_giving(node.orelse)
    if _calls(node, _PICKING_BUILTINS):
        return [n for arg in node.args for n in _python_bools_giving(arg)]
    return []


def _calls(node: gast.AST, names: frozenset[str]) -> bool:
    return isinstance(node, gast.Call) and isinstance(node.func, gast.Name) and node.func.id in names


def calls_in(node: gast.AST) -> bool:
    """Whether `node` (its nested blocks included, not nested scopes) calls anything."""
    return any(isinstance(n, gast.Call) for n in _own_nodes(node))


def breaks(loop: gast.stmt) -> bool:
    """Whether a `break` may leave `loop` (not one of a loop inside it)."""
    def found(stmts) -> bool:
        for node in stmts:
            if isinstance(node, gast.Break):
                return True
            if isinstance(node, (gast.For, gast.AsyncFor, gast.While)):
                if found(node.orelse):
                    return True
            elif not isinstance(node, (gast.FunctionDef, gast.AsyncFunctionDef, gast.ClassDef)) and any(
                    found(getattr(node, field, [])) for field in ("body", "orelse", "finalbody", "handlers",
                                                                  "cases")):
                return True
        return False

    return found(loop.body)


def forever(loop: gast.stmt) -> bool:
    """Whether `loop` is `while True:` (or another truthy constant) that no `break` leaves."""
    return (isinstance(loop, gast.While) and isinstance(loop.test, gast.Constant) and bool(loop.test.value)
            and not breaks(loop))


def parameters(args: gast.arguments) -> set[str]:
    params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    params += [a for a in (args.vararg, args.kwarg) if a is not None]
    return {p.id for p in params}


def forget(fn: gast.FunctionDef) -> None:
    """Drop the statement summaries, after a pass changed the statements."""
    for node in traversal.walk(fn):
        anno.delanno(node, anno.Static.SUMMARY)


def analyze(nodes: list[gast.AST], call_writes: frozenset[str] = frozenset()) -> None:
    """Annotate each `if` and loop among `nodes` (a function's) with `MODIFIED`: the names
    its blocks bind or change in place (a loop's `else` and a `for` target excluded), and
    `call_writes` (the names closures assign through `nonlocal`) where its test or blocks
    call anything."""
    for node in nodes:
        if isinstance(node, gast.If):
            blocks = node.body + node.orelse
        elif isinstance(node, (gast.While, gast.For)):
            blocks = node.body
        else:
            continue
        s = summarize(blocks)
        extra = binds(node.test) if isinstance(node, gast.While) else set()
        if call_writes and any(map(calls_in, blocks + ([node.test] if isinstance(node, gast.While) else []))):
            extra |= call_writes
        anno.setanno(node, anno.Static.MODIFIED, s.binds | set(s.mutations) | extra)
