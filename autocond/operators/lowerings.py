"""What each `if`, loop and conditional expression became while it was traced: recorded for
`autocond.explain`, and the warning, opted into, for loops that unroll many trips.

The operators decide at trace time; each tells `lowered` what it chose and why, which costs
nothing unless `recording` or `warn_unrolled` is on.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import reprlib
import warnings
from collections.abc import Iterator
from typing import Any

from autocond import errors
from autocond.operators import staging

# What a construct became.
PYTHON, COND, SWITCH, SELECT, WHILE, SCAN, UNROLLED = (
    "Python", "lax.cond", "lax.switch", "lax.select_n", "lax.while_loop", "lax.scan", "unrolled")


@dataclasses.dataclass(frozen=True)
class Lowering:
    """The construct at `where` (`file:line`) became `became` (`lax.cond`...), for the reason
    `why`; an unrolled loop ran `trips` trips."""

    where: str
    construct: str
    became: str
    why: str
    trips: int | None = None


_recorded: contextvars.ContextVar[list[Lowering] | None] = contextvars.ContextVar(
    "autocond_lowerings", default=None)
_warn_after: contextvars.ContextVar[int | None] = contextvars.ContextVar("autocond_warn_unrolled",
                                                                         default=None)


@contextlib.contextmanager
def recording() -> Iterator[list[Lowering]]:
    """Within it, what each construct traced becomes is appended to the list it gives."""
    record: list[Lowering] = []
    token = _recorded.set(record)
    try:
        yield record
    finally:
        _recorded.reset(token)


@contextlib.contextmanager
def warn_unrolled(trips: int | None) -> Iterator[None]:
    """Within it, a loop traced as Python for more than `trips` trips warns
    (`errors.UnrolledLoopWarning`); None: none does."""
    token = _warn_after.set(trips)
    try:
        yield
    finally:
        _warn_after.reset(token)


def wanted() -> bool:
    """Whether anyone asks what constructs become (else the operators need not say)."""
    return _recorded.get() is not None or _warn_after.get() is not None


@contextlib.contextmanager
def trial() -> Iterator[list[bool]]:
    """Within it, constructs traced for an attempt (a loop's body, traced to see whether the
    loop may roll) are recorded only if the attempt is kept: set the flag it gives."""
    kept, record = [False], _recorded.get()
    start = len(record) if record is not None else 0
    try:
        yield kept
    finally:
        if record is not None and not kept[0]:
            del record[start:]


def static(where: str, construct: str, test: Any) -> None:
    """The construct at `where` ran as Python: its condition `test` is not traced."""
    lowered(where, construct, PYTHON, f"its condition is not traced ({reprlib.repr(test)})")


def traced(phrase: str, test: Any, became: str) -> None:
    """The construct errors call `phrase` ("the traced `and` at f.py:3"), whose condition
    `test` is traced, became `became`."""
    construct, _, where = phrase.removeprefix("the traced ").rpartition(" at ")
    why = f"its condition is traced ({staging.describe(test)})"
    lowered(where, construct, became, why + (": its branches only pick values" if became == SELECT else ""))


def lowered(where: str, construct: str, became: str, why: str, trips: int | None = None) -> None:
    """The construct at `where` became `became`, because `why`."""
    record, limit = _recorded.get(), _warn_after.get()
    if record is not None:
        record.append(Lowering(where, construct, became, why, trips))
    if limit is not None and became == UNROLLED and trips is not None and trips > limit:
        file, _, line = where.rpartition(":")
        warnings.warn_explicit(errors.UnrolledLoopWarning(
            f"The {construct} at {where} was unrolled: its body was traced {trips} times (more than "
            f"{limit}), because {why}. Its program grows with each trip; see `autocond.explain` for "
            "what each statement became."), errors.UnrolledLoopWarning, file, int(line))
