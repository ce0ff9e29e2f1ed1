"""Named annotations that analyses attach to tree nodes and converters read."""

from __future__ import annotations

import enum
from typing import Any

_FIELD = "___autocond_anno"

# The keys are strings (`StrEnum`), hashed as fast as strings are, for the lookups the passes
# make on most nodes; each key's string is its own, across both kinds.


class Static(enum.StrEnum):
    """Keys set by the analyses (see `autocond.analysis`)."""

    # activity.Summary of a statement: what it binds, mutates in place, and how it exits.
    SUMMARY = "summary"
    # frozenset of names an `if` or loop may write (assign, del, mutate in place) in its
    # blocks (a loop's `else` and a `for` target excluded).
    MODIFIED = "modified"
    # On a `not`, `in`, `bool(...)`... whose value the function computes with as an int
    # (`activity.int_operands`):
    # the node doing it.
    INT_USE = "int_use"
    # frozenset of names live right after a statement.
    LIVE_OUT = "live_out"
    # frozenset of names live at the start of a block (If: each branch; loops: the body).
    LIVE_IN_BODY = "live_in_body"
    LIVE_IN_ORELSE = "live_in_orelse"
    # frozenset of names defined on every path reaching a statement.
    DEFINED_IN = "defined_in"
    # frozenset of names an `if` binds on every path through each of its branches.
    BOUND_BY_BRANCHES = "bound_by_branches"
    # str: why a statement must stay plain Python (see `converters.unsupported`).
    KEEP_PYTHON = "keep_python"
    # True on a `raise` an `except` of the function may catch (in a `try` body with handlers,
    # or in a handler): it stays Python's `raise` (see `converters.unsupported`).
    CAUGHT = "caught"


class Basic(enum.StrEnum):
    """Keys set by converters."""

    # frozenset of names a generated statement reads that may be unbound there.
    MAYBE_UNDEFINED = "maybe_undefined"
    # True on functions generated from a block (converters enter them, not the user's).
    GENERATED = "generated"
    # tuple of str on a loop: the flags of lowered `break`s and `return`s that end it (the
    # loop stops as soon as one is true).
    STOP = "stop"
    # (bool, bool) on an `if`: whether the function has returned at the end of each branch
    # (set by the lowering of `return`).
    RETURNED = "returned"
    # int on the assignment a lowered `return` leaves: the `return`'s line in the file, 0 for
    # the implicit `return None` at the end of the function.
    RETURN_LINE = "return_line"
    # tuple of such lines on an `if`: the `return`s before it, whose value it may pass on.
    RETURNS_BEFORE = "returns_before"
    # The `break`, `continue` or `return` statement on a guard `if` (`converters.guards`):
    # the exit before it whose flag it tests, as errors name the guard.
    GUARDED_EXIT = "guarded_exit"
    # str on an attribute store `c.n = ...` inside a branch or loop: the variable carrying it
    # (`converters.composites`); not a change in place.
    COMPOSITE = "composite"


def getanno(node: Any, key: enum.Enum, default: Any = None) -> Any:
    return getattr(node, _FIELD, {}).get(key, default)


def hasanno(node: Any, key: enum.Enum) -> bool:
    return key in getattr(node, _FIELD, {})


def delanno(node: Any, key: enum.Enum) -> None:
    getattr(node, _FIELD, {}).pop(key, None)


def setanno(node: Any, key: enum.Enum, value: Any) -> None:
    annotations = getattr(node, _FIELD, None)
    if annotations is None:
        annotations = {}
        setattr(node, _FIELD, annotations)
    annotations[key] = value
