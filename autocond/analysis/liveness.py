"""Live variables: the names whose current value may still be read.

Annotates every statement with `LIVE_OUT`, and each `if` and loop with the names live at
the start of its body (`LIVE_IN_BODY`) and of its `else` (`LIVE_IN_ORELSE`). Converters use
them to carry only the variables that are read later, or around a loop. The analysis is
structured (no CFG): `break`/`continue` jump to the sets of their loop, `return` and `raise`
end a path. Where precision would cost code (`try`), it over-approximates, which only
carries a variable more than needed.
"""

from __future__ import annotations

import dataclasses

import gast

from autocond.analysis import activity
from autocond.pyct import anno

_Live = frozenset


@dataclasses.dataclass(frozen=True)
class _Loop:
    after: _Live  # live after the loop: where `break` goes
    head: _Live  # live at the loop's next test: where `continue` goes


class _Liveness:
    """One run of the analysis. The loops' fixed points revisit their bodies, so the names
    each node reads and binds are computed once and kept for the run."""

    def __init__(self, always: frozenset[str]):
        self.always = always  # live everywhere (read by closures whenever they are called)
        self._reads: dict[gast.AST, set[str]] = {}
        self._binds: dict[gast.AST, set[str]] = {}

    def reads(self, node: gast.AST) -> set[str]:
        if node not in self._reads:
            self._reads[node] = activity.reads(node)
        return self._reads[node]

    def binds(self, node: gast.AST) -> set[str]:
        if node not in self._binds:
            self._binds[node] = activity.binds(node)
        return self._binds[node]

    def block(self, stmts: list[gast.stmt], live: _Live, loop: _Loop | None) -> _Live:
        for stmt in reversed(stmts):
            live = self.stmt(stmt, live, loop)
        return live

    def loop(self, node, live_out: _Live, head_reads: set[str], target_binds: set[str]) -> _Live:
        """Live at the loop's head, iterated to a fixed point (sets only grow). The flags of
        lowered `break`s and `return`s are read at the head, by the loop operator."""
        head_reads = head_reads | set(anno.getanno(node, anno.Basic.STOP, ()))
        orelse = self.block(node.orelse, live_out, None)
        head = _Live(head_reads | orelse)
        while True:
            body = self.block(node.body, head, _Loop(live_out, head))
            new_head = _Live(head_reads | orelse | (body - target_binds))
            if new_head == head:
                break
            head = new_head
        anno.setanno(node, anno.Static.LIVE_IN_BODY, body)
        anno.setanno(node, anno.Static.LIVE_IN_ORELSE, orelse)
        return head

    def stmt(self, node: gast.stmt, live_out: _Live, loop: _Loop | None) -> _Live:
        live = self._stmt(node, live_out, loop)
        return live | self.always if self.always else live

    def _stmt(self, node: gast.stmt, live_out: _Live, loop: _Loop | None) -> _Live:
        anno.setanno(node, anno.Static.LIVE_OUT, live_out)
        if isinstance(node, gast.If):
            body = self.block(node.body, live_out, loop)
            orelse = self.block(node.orelse, live_out, loop)
            anno.setanno(node, anno.Static.LIVE_IN_BODY, body)
            anno.setanno(node, anno.Static.LIVE_IN_ORELSE, orelse)
            return _Live(self.reads(node.test) | body | orelse)
        if isinstance(node, gast.While):
            return self.loop(node, live_out, self.reads(node.test), set())
        if isinstance(node, (gast.For, gast.AsyncFor)):
            head = self.loop(node, live_out, set(), self.binds(node.target))
            return _Live(self.reads(node.iter) | head)
        if isinstance(node, gast.Break):
            return loop.after if loop else live_out
        if isinstance(node, gast.Continue):
            return loop.head if loop else live_out
        if isinstance(node, (gast.Return, gast.Raise)):
            return _Live(self.reads(node))
        if isinstance(node, (gast.With, gast.AsyncWith)):
            body = self.block(node.body, live_out, loop)
            live = set(body)
            for item in reversed(node.items):
                if item.optional_vars is not None:
                    live -= self.binds(item.optional_vars)
                live |= self.reads(item.context_expr)
            return _Live(live)
        if isinstance(node, gast.Match):
            live = set(live_out) | self.reads(node.subject)
            for case in node.cases:
                body = self.block(case.body, live_out, loop)
                live |= self.reads(case.pattern) | (body - self.binds(case.pattern))
                if case.guard is not None:
                    live |= self.reads(case.guard)
            return _Live(live)
        if isinstance(node, (gast.Try, gast.TryStar)):
            # Any statement of the body may raise: everything read anywhere stays live.
            everything = _Live(live_out | self.reads(node))
            for block in (node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)):
                self.block(block, everything, loop)
            return everything
        # A simple statement (or a def/class): kill what it rebinds (its summary's, kept by
        # the scope analysis), then add what it reads.
        return _Live((live_out - activity.summary(node).binds) | self.reads(node))


def analyze(fn: gast.FunctionDef, always: frozenset[str] = frozenset()) -> None:
    """Annotate `fn`'s statements; the names `always` are live everywhere."""
    _Liveness(always).block(fn.body, always, None)
