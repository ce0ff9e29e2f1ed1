"""Item assignments and appends to local variables become rebinding calls.

    x[i] = v               →     x = ac__.setitem(x, i, v)
    x[i, 1:] += v          →     x = ac__.setitem(x, ac__.index[i, 1:], v, '+')
    x[i][j] = v            →     x = ac__.setitem(x, i, ac__.setitem(x[i], j, v))
    x[i], x[j] = x[j], x[i]   →  item, item_1 = x[j], x[i]
                                 x = ac__.setitem(x, i, item)
                                 x = ac__.setitem(x, j, item_1)
    xs.append(v)           →     xs = ac__.append(xs, v)
    jnp.stack(xs)          →     ac__.stacked(jnp.stack, xs)

`setitem` changes a list, dict or NumPy array in place, as Python does, and returns a JAX
array's updated copy (`.at[...]`); `append` appends. Rebinding the variable makes both mean
what the user wrote, also where a traced branch or loop works on a copy of the value: so
does `append`, and a marked (`owned=True`) `setitem`, on a container the function owns
(`_owned`); on another, that raises. `stacked` hands `jnp.stack`, `jnp.array` and
`jnp.asarray` of such a list the stacked output of the traced loop that appended to it.
(`ac__.index[...]` is NumPy's `s_`: the key written with slices, as written.)

Runs before the lowerings and analyses: the variable is then simply assigned, so branches
and loops carry it like any other. Only a local variable is rebound (rebinding a global or
a closure's variable would make it local), and in `x[i][j] = v` the outer indices are read
twice, so they must be names or constants.
"""

from __future__ import annotations

import gast

from autocond.analysis import activity
from autocond.converters import functional
from autocond.converters.context import Context
from autocond.pyct import origin, templates, traversal
from autocond.pyct.loader import RUNTIME_NAME

_SYMBOLS = {gast.Add: "+", gast.Sub: "-", gast.Mult: "*", gast.Div: "/", gast.Pow: "**",
            gast.FloorDiv: "//", gast.Mod: "%", gast.MatMult: "@", gast.BitAnd: "&",
            gast.BitOr: "|", gast.BitXor: "^", gast.LShift: "<<", gast.RShift: ">>"}


class _Transformer(functional.Transformer):
    def __init__(self, ctx: Context, local_names: set[str], owned: set[str]):
        super().__init__(ctx)
        self.local_names, self.owned = local_names, owned

    def visit_Call(self, node: gast.Call):
        node = self.generic_visit(node)
        if (isinstance(node.func, gast.Attribute) and node.func.attr in ("stack", "array", "asarray")
                and len(node.args) == 1 and not node.keywords and isinstance(node.args[0], gast.Name)
                and node.args[0].id in self.owned):
            return templates.replace_as_expression(f"{RUNTIME_NAME}.stacked(fn, items)",
                                                   fn=node.func, items=node.args[0])
        return node

    def visit_Assign(self, node: gast.Assign):
        node = self.generic_visit(node)
        if not any(self._rebinds(n) for t in node.targets for n in traversal.walk(t)):
            return node
        if len(node.targets) == 1:
            return self._assign(node, node.targets[0], node.value)
        # `x[0] = y[0] = v`: the value once, then each target from left to right
        value = self.ctx.namer.new("value")
        stmts = templates.replace("value = v", value=value, v=node.value)
        origin.mark(stmts, node)
        for target in node.targets:
            stmts += self._assign(node, target, _load(value))
        return stmts

    def _assign(self, node: gast.Assign, target: gast.expr, value: gast.expr) -> list[gast.stmt]:
        """`target = value` with items rebound; a tuple target unpacked into fresh names
        first, then each of its targets assigned from left to right, as Python does."""
        if not isinstance(target, (gast.Tuple, gast.List)):
            stmt = self._rebind(node, target, value, None)
            if stmt is None:
                stmt = gast.Assign(targets=[target], value=value, type_comment=None)
                origin.mark([stmt], node)
            return [stmt]
        leaves = []

        def spread(t: gast.expr) -> gast.expr:
            if isinstance(t, (gast.Tuple, gast.List)):
                return gast.Tuple(elts=[spread(e) for e in t.elts], ctx=gast.Store())
            if isinstance(t, gast.Starred):
                return gast.Starred(value=spread(t.value), ctx=gast.Store())
            leaves.append((self.ctx.namer.new("item"), t))
            return gast.Name(id=leaves[-1][0], ctx=gast.Store(), annotation=None, type_comment=None)

        unpack = gast.Assign(targets=[spread(target)], value=value, type_comment=None)
        origin.mark([unpack], node)
        return [unpack] + [stmt for name, leaf in leaves
                           for stmt in self._assign(node, leaf, _load(name))]

    def _rebinds(self, target: gast.expr) -> bool:
        """Whether assigning to `target` rebinds a local variable to a changed container."""
        root = _root(target)
        return isinstance(target, gast.Subscript) and root is not None and root.id in self.local_names

    def visit_Expr(self, node: gast.Expr):
        node = self.generic_visit(node)
        name = _appended(node)
        if name in self.owned:
            call = node.value
            assign = templates.replace(f"name = {RUNTIME_NAME}.append(name, value)",
                                       name=name, value=call.args[0])
            origin.mark(assign, node)
            return assign[0]
        return node

    def visit_AugAssign(self, node: gast.AugAssign):
        node = self.generic_visit(node)
        return self._rebind(node, node.target, node.value, _SYMBOLS[type(node.op)]) or node

    def _rebind(self, node, target, value, op: str | None) -> gast.stmt | None:
        if not isinstance(target, gast.Subscript):
            return None
        chain = [target]  # x[i][j]: [x[i][j], x[i]]
        while isinstance(chain[-1].value, gast.Subscript):
            chain.append(chain[-1].value)
        root = chain[-1].value
        if not (isinstance(root, gast.Name) and root.id in self.local_names
                and all(_plain(t.slice) for t in chain[1:])):
            return None
        for k, sub in enumerate(chain):
            call = templates.replace_as_expression(
                f"{RUNTIME_NAME}.setitem(container, key, value)",
                container=functional.load(sub.value), key=_key(sub.slice), value=value)
            if k == 0 and op is not None:
                call.args.append(gast.Constant(value=op, kind=None))
            if root.id in self.owned:
                call.keywords.append(gast.keyword(arg="owned", value=gast.Constant(value=True, kind=None)))
            value = call
        assign = templates.replace("name = value", name=root.id, value=value)
        origin.mark(assign, node)
        return assign[0]


def _load(name: str) -> gast.Name:
    return gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)


def _key(node: gast.expr) -> gast.expr:
    """The key of a subscript as a value: itself, or with slices `ac__.index[...]`."""
    if any(isinstance(n, gast.Slice) for n in traversal.walk(node)):
        return templates.replace_as_expression(f"{RUNTIME_NAME}.index[key]", key=node)
    return node


def _plain(node: gast.expr) -> bool:
    """A key read twice gives the same value: names, constants, and tuples of them."""
    return all(isinstance(n, (gast.Name, gast.Constant, gast.Tuple, gast.Load, gast.UnaryOp,
                              gast.USub, gast.Slice)) for n in traversal.walk(node))


def _appended(node: gast.AST) -> str | None:
    """The name `node` appends to, if it is a statement `name.append(value)`."""
    call = node.value if isinstance(node, gast.Expr) else None
    if (isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute)
            and call.func.attr == "append" and isinstance(call.func.value, gast.Name)
            and len(call.args) == 1 and not call.keywords
            and not isinstance(call.args[0], gast.Starred)):
        return call.func.value.id
    return None


def _root(target: gast.expr) -> gast.Name | None:
    """The variable an item assignment changes: `x` in `x[i][j] = v`."""
    while isinstance(target, gast.Subscript):
        target = target.value
    return target if isinstance(target, gast.Name) else None


def _header_targets(n: gast.For | gast.With | gast.ExceptHandler) -> list[gast.expr]:
    """What a `for`, `with` or `except` binds before its block runs."""
    if isinstance(n, gast.For):
        return [n.target]
    if isinstance(n, gast.With):
        return [item.optional_vars for item in n.items if item.optional_vars is not None]
    return [n.name] if n.name is not None else []


def _owned(fn: gast.FunctionDef) -> set[str]:
    """The containers the function owns: variables bound only to list and dict displays
    (`xs = []`, `d = {}`), never read before their last `append` or item assignment but by
    them or to read an item. A traced branch or loop works on a copy of such a container, which then reaches
    every reader; one someone else may hold (a parameter, one read into another variable
    first) keeps Python's in-place meaning."""
    changes, receivers = {}, set()
    for n in traversal.walk(fn):
        name = _appended(n)
        receiver = n.value.func.value if name else None
        if isinstance(n, (gast.Assign, gast.AugAssign)):
            targets = n.targets if isinstance(n, gast.Assign) else [n.target]
            single = len(targets) == 1 and isinstance(targets[0], gast.Subscript)
            receiver = _root(targets[0]) if single else None
        if receiver is not None:
            changes.setdefault(receiver.id, []).append(n.lineno)
            receivers.add(id(receiver))
        if isinstance(n, gast.Subscript) and isinstance(n.ctx, gast.Load) and isinstance(n.value, gast.Name):
            receivers.add(id(n.value))  # reading an item does not hold the container
    if not changes:
        return set()
    displays = {t.id for n in traversal.walk(fn)
                if isinstance(n, gast.Assign) and isinstance(n.value, (gast.List, gast.Dict))
                for t in n.targets if isinstance(t, gast.Name)}
    owned = set(changes) & displays - activity.parameters(fn.args) - activity.declared_outer(fn)
    for scope in traversal.walk(fn):  # a closure could hold the container
        if scope is not fn and isinstance(scope, traversal.SCOPES):
            owned -= {n.id for n in traversal.walk(scope) if isinstance(n, gast.Name)}
    for n in traversal.walk(fn):
        if isinstance(n, gast.Assign) and not isinstance(n.value, (gast.List, gast.Dict)):
            owned -= activity.binds(n)
        elif isinstance(n, (gast.For, gast.With, gast.ExceptHandler)):  # their headers' names
            owned -= activity.binds(gast.Tuple(elts=_header_targets(n), ctx=gast.Store()))
        elif isinstance(n, (gast.AugAssign, gast.AnnAssign, gast.Delete, gast.NamedExpr,
                            gast.comprehension, gast.Import, gast.ImportFrom)):
            owned -= activity.binds(n)
        elif (isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and n.id in owned
              and id(n) not in receivers and n.lineno <= max(changes[n.id])):
            owned.discard(n.id)
    return owned


def needed(node: gast.FunctionDef, ctx: Context) -> bool:
    # As parsed: else no item assignment, no `append`.
    return activity.changes_objects(ctx.of_class(*activity.CHANGING))


def transform(node: gast.FunctionDef, ctx: Context) -> gast.FunctionDef:
    local_names = activity.parameters(node.args) | activity.summarize(node.body).binds
    local_names -= activity.declared_outer(node)
    activity.forget(node)  # the summaries of statements about to change
    transformer = _Transformer(ctx, local_names, _owned(node))
    node.body = functional.visit_block(transformer, node.body)
    return node
