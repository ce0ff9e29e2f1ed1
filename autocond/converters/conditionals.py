"""Converts `if`/`elif`/`else` into `ac__.if_stmt` over functions of the carried variables.

    if x > threshold:              def if_true(y):
        y = x * 2                      y = x * 2
                             →         return y
                                   def if_false(y):
                                       return y
                                   y = ac__.if_stmt(x > threshold, if_true, if_false, (y,), ('y',))

The branches become functions of the variables they assign that are read in a branch before
being assigned, or read after the `if` (live) without being assigned by every branch. They
return the variables they assign that are live after the `if`. Temporaries of a branch stay
local to its function. `elif` is an `if` in the `else` branch, converted the same way,
inner statements first; but a chain comparing one variable with int constants is one
`ac__.switch_stmt` over one function per block (`_switch_chain`), `return`s included.
"""

from __future__ import annotations

import dataclasses

import gast

from autocond.converters import functional, unsupported
from autocond.converters.context import Context
from autocond.pyct import anno, origin, templates
from autocond.pyct.loader import RUNTIME_NAME


class _Transformer(functional.Transformer):

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self._return_lines_under: dict[int, tuple[gast.stmt, frozenset[int]]] = {}

    def visit_If(self, node: gast.If):
        reason = anno.getanno(node, anno.Static.KEEP_PYTHON)
        chain = None if reason else _switch_chain(node)
        if chain:
            return self._switch(node, chain)
        if not reason:  # named before inner statements, so outer blocks get the plain names
            true_name, false_name = self.ctx.namer.new("if_true"), self.ctx.namer.new("if_false")
        node = self.generic_visit(node)
        if reason:
            node.test = unsupported.python_condition(node, reason)
            return node
        inputs, outputs = self._carried(node)
        returns = self._returns(node, [node.body, node.orelse],
                                anno.getanno(node, anno.Basic.RETURNED, (False, False)), outputs)
        branches = [_branch(name, inputs, block, outputs)
                    for name, block in ((true_name, node.body), (false_name, node.orelse))]
        call = templates.replace_as_expression(
            f"{RUNTIME_NAME}.if_stmt(test, if_true, if_false, inputs, names)",
            test=node.test, if_true=branches[0][0], if_false=branches[1][0],
            inputs=functional.values(inputs), names=functional.name_strings(outputs, self.ctx.label))
        call.keywords += returns + functional.int_operands(outputs, self.ctx) + self._guarded(node)
        generated = [fn for _, fn in branches if fn]
        generated.append(functional.call(outputs, call,
                                         set(inputs) - anno.getanno(node, anno.Static.DEFINED_IN)))
        origin.mark(generated, node)
        return generated

    def _carried(self, node: gast.If) -> tuple[list[str], list[str]]:
        """The variables the branches take (read before assigning, or passed through) and
        give back (assigned, and live after the `if`)."""
        assigned = anno.getanno(node, anno.Static.MODIFIED) & self.ctx.local_names
        live_out = anno.getanno(node, anno.Static.LIVE_OUT)
        read_first = (anno.getanno(node, anno.Static.LIVE_IN_BODY)
                      | anno.getanno(node, anno.Static.LIVE_IN_ORELSE))
        passed_through = live_out - anno.getanno(node, anno.Static.BOUND_BY_BRANCHES)
        return sorted(assigned & (read_first | passed_through)), sorted(assigned & live_out)

    def _switch(self, node: gast.If, chain: _Chain):
        """`if k == 0: A elif k in (1, 2)...: B else: C` as one `ac__.switch_stmt` (its
        branches' variables are the whole chain's, from the annotations of its first `if`)."""
        names = [self.ctx.namer.new("case_" + "_or_".join(map(_label, values))) for values in chain.cases]
        names.append(self.ctx.namer.new("case_default"))
        blocks = [functional.visit_block(self, block) for block in chain.blocks]
        inputs, outputs = self._carried(node)
        returns = self._returns(node, blocks, chain.returned, outputs)
        branches = [_branch(name, inputs, block, outputs) for name, block in zip(names, blocks)]
        call = templates.replace_as_expression(
            f"{RUNTIME_NAME}.switch_stmt(subject, cases, branches, inputs, names)",
            subject=chain.subject, cases=templates.literal(tuple(chain.cases)),
            branches=gast.Tuple(elts=[argument for argument, _ in branches], ctx=gast.Load()),
            inputs=functional.values(inputs), names=functional.name_strings(outputs, self.ctx.label))
        call.keywords += returns + functional.int_operands(outputs, self.ctx)
        generated = [fn for _, fn in branches if fn]
        generated.append(functional.call(outputs, call,
                                         set(inputs) - anno.getanno(node, anno.Static.DEFINED_IN)))
        origin.mark(generated, node)
        return generated

    def _returns(self, node: gast.If, blocks: list[list[gast.stmt]], returned: tuple[bool, ...],
                 outputs: list[str]) -> list[gast.keyword]:
        """The `returned=` and `return_lines=` arguments (each only if needed) of the call
        running one of `blocks`, the branches of `node` or of the chain it starts: whether the
        function has returned at the end of each, and for errors, which `return`s each
        branch's return value is from."""
        # After a `raise`, the function does not go on either.
        returned = tuple(r or any(isinstance(s, gast.Raise) for s in b) for r, b in zip(returned, blocks))
        keywords = [gast.keyword(arg="returned", value=templates.literal(returned))] if any(returned) else []
        if self.ctx.return_value in outputs:
            lines = tuple(self._return_lines(block, node) for block in blocks)
            keywords.append(gast.keyword(arg="return_lines",
                                         value=templates.literal({self.ctx.return_value: lines})))
        return keywords

    def _guarded(self, node: gast.If) -> list[gast.keyword]:
        """The `guarded=` argument of a guard's call, if `node` is one: the kind and line of
        the exit whose flag it tests (`if_stmt`)."""
        exit = anno.getanno(node, anno.Basic.GUARDED_EXIT)
        if exit is None:
            return []
        kind = type(exit).__name__.lower()  # `break`, `continue`, `return`
        return [gast.keyword(arg="guarded", value=templates.literal((kind, self.ctx.line(exit))))]

    def _return_lines(self, block: list[gast.stmt], node: gast.If) -> tuple[int, ...]:
        """The lines of the `return`s whose value the return value may hold at the end of
        `block`: those in it, or if none, those before `node`."""
        inside = set().union(*map(self._lines_under, block))
        return tuple(sorted(inside or anno.getanno(node, anno.Basic.RETURNS_BEFORE, ())))

    def _lines_under(self, stmt: gast.stmt) -> frozenset[int]:
        """The lines of the `return`s lowered under `stmt`. Kept for each statement asked
        about: conversion goes inner statements first, so the statements under an `if` are
        final when it asks, and the walk of an outer `if` stops at them (else it would walk
        the rest of the function once per guard of an early `return`)."""
        lines, stack = set(), [stmt]
        while stack:
            n = stack.pop()
            known = self._return_lines_under.get(id(n))
            if known is not None:
                lines |= known[1]
                continue
            if anno.hasanno(n, anno.Basic.RETURN_LINE):
                lines.add(anno.getanno(n, anno.Basic.RETURN_LINE))
            for field in _BLOCKS:  # the annotation is on statements: no expression holds one
                stack += getattr(n, field, ())
        self._return_lines_under[id(stmt)] = (stmt, frozenset(lines))  # `stmt` kept: its id stays its own
        return self._return_lines_under[id(stmt)][1]


# The fields of statements (and of `except` and `case` parts) holding statements, the
# functions generated for branches and loop bodies included.
_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")


def _branch(name: str, inputs: list[str], block: list[gast.stmt],
            outputs: list[str]) -> tuple[gast.expr, gast.FunctionDef | None]:
    """The operator's argument for a branch running `block`, and the function it names; an
    empty branch that gives back what it takes is `None` and needs none."""
    if not block and inputs == outputs:
        return gast.Constant(value=None, kind=None), None
    fn = functional.function(name, inputs, block, functional.pack(outputs))
    return gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None), fn


def _label(value: int) -> str:
    """A case value as part of a branch's name: `case_2`, `case_minus_1`."""
    return str(value) if value >= 0 else f"minus_{-value}"


def _equalities(test: gast.expr) -> tuple[str, list[int]] | None:
    """`k == 1` or `1 == k` (or several joined by `or`): the name and the int constants."""
    if isinstance(test, gast.BoolOp) and isinstance(test.op, gast.Or):
        parts = [_equalities(v) for v in test.values]
        if all(parts) and len({name for name, _ in parts}) == 1:
            return parts[0][0], [c for _, values in parts for c in values]
        return None
    if not (isinstance(test, gast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], gast.Eq)):
        return None
    sides = (test.left, test.comparators[0])
    names = [s.id for s in sides if isinstance(s, gast.Name)]
    values = [v for v in map(_int_constant, sides) if v is not None]
    return (names[0], values) if len(names) == 1 and len(values) == 1 else None


def _int_constant(node: gast.expr) -> int | None:
    """The value of an int literal (`3`, `-3`), or None."""
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub):
        value = _int_constant(node.operand)
        return None if value is None else -value
    return node.value if isinstance(node, gast.Constant) and type(node.value) is int else None


@dataclasses.dataclass
class _Chain:
    """An `if`/`elif` chain as one switch: its blocks (the default last, maybe empty), the
    case (int constants) of each block but the last, and whether the function has returned
    at the end of each block."""

    subject: str
    cases: list[tuple[int, ...]]
    blocks: list[list[gast.stmt]]
    returned: tuple[bool, ...]


def _switch_chain(node: gast.If) -> _Chain | None:
    """The chain `node` starts, if its tests compare one variable with distinct int
    constants, and its `if`s all convert (none stays Python); if it has one test, only one
    with several constants (`k == 1 or k == 2`, whose `or` would be a `cond` of its own)."""
    subject, cases, blocks, returned, seen = None, [], [], [], set()
    while True:
        match = _equalities(node.test)
        if (match is None or anno.getanno(node, anno.Static.KEEP_PYTHON)
                or (subject or match[0]) != match[0] or seen & set(match[1])):
            return None
        subject = match[0]
        seen |= set(match[1])
        cases.append(tuple(match[1]))
        blocks.append(node.body)
        # Set (by the lowering of `return`) on each `if` of the chain that holds one.
        body_returned, orelse_returned = anno.getanno(node, anno.Basic.RETURNED, (False, False))
        returned.append(body_returned)
        if len(node.orelse) == 1 and isinstance(node.orelse[0], gast.If):
            node = node.orelse[0]
            continue
        blocks.append(node.orelse)
        returned.append(orelse_returned)
        return _Chain(subject, cases, blocks, tuple(returned)) if len(cases) + len(cases[0]) > 2 else None


def transform(node: gast.FunctionDef, ctx: Context) -> gast.FunctionDef:
    return _Transformer(ctx).generic_visit(node)
