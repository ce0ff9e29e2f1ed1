"""`match` on literal patterns becomes the `if`/`elif` chain it means.

    match mode:                    if mode == 0:
        case 0:                        A
            A                →     elif mode == 1 or mode == 2:
        case 1 | 2:                    B
            B                      else:
        case _:                        C
            C

Value patterns compare with `==`, `None`/`True`/`False` with `is`, `|` joins alternatives,
and `case _` is the `else`: exactly the chain's meaning. A subject that is not a variable is
evaluated once, into a fresh one. The chain then converts like any other (one
`ac__.switch_stmt` when it compares one variable with int constants). A `match` with other
patterns (captures, classes, sequences, mappings) or guards stays Python, and its subject
must be static: `ac__.python_subject` raises a clear error when it is traced. Runs before
the lowerings and analyses, which then see only `if` statements.
"""

from __future__ import annotations

import gast

from autocond.converters import functional
from autocond.converters.context import Context
from autocond.pyct import origin, templates
from autocond.pyct.loader import RUNTIME_NAME

_SCOPES = (gast.FunctionDef, gast.AsyncFunctionDef, gast.ClassDef, gast.Lambda)


def _is_wildcard(pattern: gast.AST) -> bool:
    return isinstance(pattern, gast.MatchAs) and pattern.pattern is None and pattern.name is None


def _test(pattern: gast.AST, subject: str) -> gast.expr | None:
    """The condition a literal pattern stands for, or None for another pattern."""
    if isinstance(pattern, gast.MatchValue):
        return templates.replace_as_expression("subject == value", subject=subject, value=pattern.value)
    if isinstance(pattern, gast.MatchSingleton):
        return templates.replace_as_expression(
            "subject is value", subject=subject, value=gast.Constant(value=pattern.value, kind=None))
    if isinstance(pattern, gast.MatchOr):
        tests = [_test(p, subject) for p in pattern.patterns]
        return None if None in tests else gast.BoolOp(op=gast.Or(), values=tests)
    return None


class _Transformer(functional.Transformer):

    def visit_Match(self, node: gast.Match):
        node = self.generic_visit(node)
        cases = node.cases
        last = cases[-1] if cases else None
        default = last.body if last and _is_wildcard(last.pattern) and not last.guard else None
        if default is not None:
            cases = cases[:-1]
        prologue, subject = [], node.subject
        if not isinstance(subject, gast.Name):
            name = self.ctx.namer.new("subject")
            prologue = templates.replace("name = subject", name=name, subject=subject)
            origin.mark(prologue, node)
            subject = gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)
        tests = [None if case.guard else _test(case.pattern, subject.id) for case in cases]
        if None in tests:
            node.subject = templates.replace_as_expression(
                f"{RUNTIME_NAME}.python_subject(subject)", subject=node.subject)
            origin.mark([node.subject], node)
            return node
        chain = default or []
        for case, test in reversed(list(zip(cases, tests))):
            chain = templates.replace("if test:\n    body\nelse:\n    orelse",
                                      test=test, body=case.body, orelse=chain)
            origin.mark(chain, case.pattern)
        return prologue + (chain or [gast.Pass()])


def transform(node: gast.FunctionDef, ctx: Context) -> gast.FunctionDef:
    transformer = _Transformer(ctx)
    node.body = functional.visit_block(transformer, node.body)
    return node
