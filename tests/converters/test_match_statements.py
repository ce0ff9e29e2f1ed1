"""`converters.match_statements`: `match` as the `if`/`elif` chain it means."""

from __future__ import annotations

import pytest

from autocond.converters import match_statements
from tests.converters.support import assert_alone_gives, assert_converts

MATCHES = [
    pytest.param(
        # A `match` on literals is the `if`/`elif` chain it means, and a chain comparing one
        # variable with int constants is one `switch_stmt` (the default branch last).
        """
        def f(k, x):
            match k:
                case 0:
                    x = x + 1
                case 1 | -2:
                    x = x * 2
            return x
        """,
        """
        def f(k, x):

            def case_0(x):
                x = x + 1
                return x

            def case_1_or_minus_2(x):
                x = x * 2
                return x
            x = ac__.switch_stmt(k, ((0,), (1, -2)), (case_0, case_1_or_minus_2, None), (x,), ('x',))
            return x
        """,
        id="match-as-switch",
    ),
    pytest.param(
        # A capture binds the subject at the start of its block; a guard is one more
        # condition, reading the subject for the capture; the irrefutable last case is the
        # `else`.
        """
        def f(k, x):
            match k + 1:
                case (1 | 2) as m if m > x:
                    x = x * m
                case n:
                    x = x + n
            return x
        """,
        """
        def f(k, x):
            subject = k + 1

            def if_true(x):
                m = subject
                x = x * m
                return x

            def if_false(x):
                n = subject
                x = x + n
                return x
            x = ac__.if_stmt(ac__.and_(ac__.or_(subject == 1, lambda: subject == 2), lambda: subject > x), if_true, if_false, (x,), ('x',))
            return x
        """,
        id="match-captures-and-guards",
    ),
]




@pytest.mark.parametrize(("src", "expected"), MATCHES)
def test_matches(src, expected):
    assert_converts(src, expected)


# --- `match_statements` alone (the analyses it reads, and nothing else, before it) ---

ALONE = [
    pytest.param(
        """
        def f(k, x):
            match k:
                case 0:
                    x = x + 1
                case n:
                    x = x * n
            return x
        """,
        """
        def f(k, x):
            if k == 0:
                x = x + 1
            else:
                n = k
                x = x * n
            return x
        """,
        id="literal-and-capture",
    ),
]


@pytest.mark.parametrize(("src", "expected"), ALONE)
def test_the_pass_alone(src, expected):
    assert_alone_gives(match_statements.transform, src, expected)
