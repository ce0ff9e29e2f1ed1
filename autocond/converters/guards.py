"""Early exits (`return`, `break`, `continue`) lowered to a flag and guards.

    A                        A
    if c:                    if c:
        EXIT                     flag = True        (and, for `return`, the value)
    B                  →     if ac__.not_(flag):
                                 B

Every statement after one that may set the flag runs under a guard; statements after one
that always does are unreachable and dropped. What follows an `if`/`elif` chain all of whose
branches but one always exit needs no guard: it becomes the end of that branch, where alone
it runs (`if c: return a` then `B` is `if c: return a` / `else: B`, one conditional). The
`return`, `break` and `continue` lowerings each use one `Lowering`.
"""

from __future__ import annotations

from collections.abc import Callable

import gast

from autocond.analysis import activity
from autocond.pyct import anno, origin, templates, traversal
from autocond.pyct.loader import RUNTIME_NAME

LOOPS = (gast.For, gast.While, gast.AsyncFor)
_BLOCKS = ("body", "orelse", "finalbody")


def _blocks(stmt: gast.stmt, enter_loops: bool) -> list[tuple[str, list[gast.stmt]]]:
    """The blocks of `stmt` (field, statements) whose exits belong to the code around it:
    all of them, but for a loop when not `enter_loops` only its `else` (the exits of its
    body are its own)."""
    fields = ("orelse",) if isinstance(stmt, LOOPS) and not enter_loops else _BLOCKS
    blocks = [(f, getattr(stmt, f)) for f in fields if getattr(stmt, f, None)]
    return blocks + [("", part.body) for part in getattr(stmt, "handlers", []) + getattr(stmt, "cases", [])]


def exits(stmts: list[gast.stmt], exit: type, enter_loops: bool) -> list[gast.stmt]:
    """The statements of kind `exit` under `stmts` (in nested loops too if `enter_loops`)."""
    found = []
    for stmt in stmts:
        if isinstance(stmt, exit):
            found.append(stmt)
        elif not isinstance(stmt, traversal.SCOPES):
            for _, block in _blocks(stmt, enter_loops):
                found += exits(block, exit, enter_loops)
    return found


def guard(flag: str, stmts: list[gast.stmt], exit: gast.stmt | None = None) -> gast.If:
    """`if ac__.not_(flag): stmts`, on the line of the first of `stmts`; `exit` is the
    statement setting `flag` before it, if one, which errors name."""
    (node,) = templates.replace(f"if {RUNTIME_NAME}.not_(flag):\n    stmts", flag=flag, stmts=stmts)
    origin.mark([node], stmts[0])
    if exit is not None:
        anno.setanno(node, anno.Basic.GUARDED_EXIT, exit)
    return node


def _always_exits(stmts: list[gast.stmt], exit: type) -> bool:
    """Whether `stmts` certainly leave by an `exit` (one of them, or an `if` both of whose
    branches do)."""
    return any(isinstance(stmt, exit) or isinstance(stmt, gast.If) and _always_exits(stmt.body, exit)
               and _always_exits(stmt.orelse, exit) for stmt in stmts)


def _chain_branches(node: gast.If) -> list[list[gast.stmt]]:
    """The blocks of an `if`/`elif`/`else` chain, the last `else` (maybe empty) included."""
    branches = [node.body]
    while len(node.orelse) == 1 and isinstance(node.orelse[0], gast.If):
        node = node.orelse[0]
        branches.append(node.body)
    return branches + [node.orelse]


class Lowering:
    """Lowers the exits of one kind (`exit`) in a block to `flag`.

    `lower_exit` gives the statements replacing an exit. Unless `enter_loops`, the exits
    inside nested loops are theirs and left alone. `on_guard(if_node, before)` and
    `on_if(if_node, (body_always_exits, orelse_always_exits), before)` let a lowering
    annotate the guards it adds and the `if`s it passes through; `before` is how many exits
    were lowered before the statements in them (exits are lowered in source order).
    """

    def __init__(self, exit: type, flag: str, lower_exit: Callable[[gast.stmt], list[gast.stmt]],
                 enter_loops: bool, on_guard: Callable = lambda guard, before: None,
                 on_if: Callable = lambda node, always, before: None):
        self.exit, self.flag, self.lower_exit, self.enter_loops = exit, flag, lower_exit, enter_loops
        self.on_guard, self.on_if = on_guard, on_if
        self.lowered = 0  # exits lowered so far
        self.last: gast.stmt | None = None  # the exit lowered last
        self._holding: dict[int, tuple[gast.stmt, bool]] = {}  # id -> (statement, holds an exit)

    def block(self, stmts: list[gast.stmt]) -> tuple[list[gast.stmt], bool, bool]:
        """The lowered block, whether it may exit, and whether it always does."""
        for k, stmt in enumerate(stmts[:-1]):
            if isinstance(stmt, gast.If):
                open_ = [b for b in _chain_branches(stmt) if not _always_exits(b, self.exit)]
                if len(open_) == 1:
                    open_[0] += stmts[k + 1:]
                    stmts = stmts[:k + 1]
                    break
        out = []
        for k, stmt in enumerate(stmts):
            lowered, may, always = self.stmt(stmt)
            out += lowered
            if always:
                return out, True, True  # the rest is unreachable
            if may:
                before, exit = self.lowered, self.last
                rest, _, rest_always = self.block(stmts[k + 1:])
                if rest:
                    out.append(guard(self.flag, rest, exit))
                    self.on_guard(out[-1], before)
                return out, True, rest_always
        return out, False, False

    def stmt(self, stmt: gast.stmt) -> tuple[list[gast.stmt], bool, bool]:
        if isinstance(stmt, self.exit):
            self.lowered, self.last = self.lowered + 1, stmt
            lowered = self.lower_exit(stmt)
            origin.mark(lowered, stmt)
            return lowered, True, True
        if not self._holds_exit(stmt):
            return [stmt], False, False
        # A compound statement around an exit. Only an `if` whose branches both always exit,
        # and a `while True:` no `break` leaves, are known to always exit; after any other, a
        # guard follows.
        may, always, before = False, {}, self.lowered
        for field, block in _blocks(stmt, self.enter_loops):
            lowered, block_may, always[field] = self.block(block)
            block[:] = lowered
            may = may or block_may
        if not isinstance(stmt, gast.If):
            return [stmt], may, activity.forever(stmt)  # the rest of a `while True:` is unreachable
        branches = (always.get("body", False), always.get("orelse", False))
        self.on_if(stmt, branches, before)
        return [stmt], may, all(branches)

    def _holds_exit(self, stmt: gast.stmt) -> bool:
        """Whether an exit is under `stmt`: kept for each statement, as the lowering asks of
        every statement of a nest of blocks, outer ones first."""
        known = self._holding.get(id(stmt))
        if known is None:
            holds = isinstance(stmt, self.exit) or not isinstance(stmt, traversal.SCOPES) and any(
                self._holds_exit(s) for _, block in _blocks(stmt, self.enter_loops) for s in block)
            known = self._holding[id(stmt)] = (stmt, holds)  # `stmt` kept: its id stays its own
        return known[1]
