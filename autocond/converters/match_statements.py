"""`match` on literal patterns and captures becomes the `if`/`elif` chain it means.

    match mode:                    if mode == 0:
        case 0:                        A
            A                      elif (mode == 1 or mode == 2) and mode > lo:
        case (1 | 2) as k if k > lo:   k = mode
            B                →         B
        case 4:                    elif mode == 4:
            C                          C
        case other:                else:
            D                          other = mode
                                       D

Value patterns compare with `==`, `None`/`True`/`False` with `is`, `|` joins alternatives;
a capture (`case k:`, `case _ as k`, `case (1 | 2) as k`) binds the subject itself, so it
matches whatever its inner pattern matches and is bound at the start of its block; a guard
is one more condition, joined by `and` (reading the subject where it reads the capture);
an irrefutable last case is the `else`: exactly the chain's meaning. A subject that is not
a variable is evaluated once, into a fresh one. The chain then converts like any other (one
`ac__.switch_stmt` when it compares one variable with int constants). A `match` with other
patterns (classes, sequences, mappings, captures inside alternatives) stays Python, and its
subject must be static: `ac__.python_subject` raises a clear error when it is traced. Runs
before the lowerings and analyses, which then see only `if` statements.
"""

from __future__ import annotations

from typing import Any

import gast

from autocond.converters import functional
from autocond.converters.context import Context
from autocond.pyct import origin, templates, traversal
from autocond.pyct.loader import RUNTIME_NAME

_UNSUPPORTED = object()  # a pattern that is not a literal or a capture


def _test(pattern: gast.AST, subject: str) -> Any:
    """The condition a literal pattern stands for, None for one that matches anything (`_`,
    a capture), or `_UNSUPPORTED`."""
    if isinstance(pattern, gast.MatchAs):
        return None if pattern.pattern is None else _test(pattern.pattern, subject)
    if isinstance(pattern, gast.MatchValue):
        return templates.replace_as_expression("subject == value", subject=subject, value=pattern.value)
    if isinstance(pattern, gast.MatchSingleton):
        return templates.replace_as_expression(
            "subject is value", subject=subject, value=gast.Constant(value=pattern.value, kind=None))
    if isinstance(pattern, gast.MatchOr):
        tests = [_UNSUPPORTED if isinstance(p, gast.MatchAs) else _test(p, subject) for p in pattern.patterns]
        if any(t is None or t is _UNSUPPORTED for t in tests):
            return _UNSUPPORTED
        return gast.BoolOp(op=gast.Or(), values=tests)
    return _UNSUPPORTED


def _captures(pattern: gast.AST) -> list[str]:
    """The names a supported pattern binds (to the subject): `k` in `case (1 | 2) as k`."""
    names = []
    while isinstance(pattern, gast.MatchAs):
        names += [pattern.name] if pattern.name else []
        pattern = pattern.pattern
    return names


class _Captured(traversal.Transformer):
    """A guard reading the subject where it reads a capture (which holds the subject)."""

    def __init__(self, names: list[str], subject: str):
        self.names, self.subject = set(names), subject

    def visit_Name(self, node: gast.Name):
        if node.id in self.names and isinstance(node.ctx, gast.Load):
            return gast.Name(id=self.subject, ctx=gast.Load(), annotation=None, type_comment=None)
        return node


class _Transformer(functional.Transformer):

    def visit_Match(self, node: gast.Match):
        node = self.generic_visit(node)
        prologue, subject = [], node.subject
        if not isinstance(subject, gast.Name):
            name = self.ctx.namer.new("subject")
            prologue = templates.replace("name = subject", name=name, subject=subject)
            origin.mark(prologue, node)
            subject = gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)
        tests = [_test(case.pattern, subject.id) for case in node.cases]
        if _UNSUPPORTED in tests:
            node.subject = templates.replace_as_expression(
                f"{RUNTIME_NAME}.python_subject(subject)", subject=node.subject)
            origin.mark([node.subject], node)
            return node
        chain = []
        for case, test in reversed(list(zip(node.cases, tests))):
            captures = _captures(case.pattern)
            body = [stmt for name in captures for stmt in templates.replace("name = subject", name=name,
                                                                          subject=subject.id)] + case.body
            origin.mark(body[:len(captures)], case.pattern)
            if case.guard is not None:
                guard = _Captured(captures, subject.id).visit(case.guard)
                test = guard if test is None else gast.BoolOp(op=gast.And(), values=[test, guard])
            if test is None:  # irrefutable: the last case, the `else` (nothing after it)
                chain = body
                continue
            chain = templates.replace("if test:\n    body\nelse:\n    orelse", test=test, body=body,
                                      orelse=chain)
            origin.mark(chain, case.pattern)
        return prologue + (chain or [gast.Pass()])


def needed(node: gast.FunctionDef, ctx: Context) -> bool:
    return ctx.has(gast.Match)


def transform(node: gast.FunctionDef, ctx: Context) -> gast.FunctionDef:
    transformer = _Transformer(ctx)
    node.body = functional.visit_block(transformer, node.body)
    return node
