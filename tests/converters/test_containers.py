"""`converters.containers`: comprehensions with filters, `in`, and tables read by index."""

from __future__ import annotations

import pytest

from autocond.converters import containers
from tests.converters.support import assert_alone_gives, assert_converts

CONTAINERS = [
    pytest.param(
        # A comprehension's filters decide at trace time whether an item is kept (each filter
        # a clause giving the item's mask); membership and a table's items by index are calls
        # that take traced values; builtins that ask truth or order go through `ac__.call`,
        # `len` only of a comprehension; `raise` becomes a call too.
        """
        def f(x, n):
            table = (1.0, 2.0)
            if n in (1, 3):
                raise ValueError('odd')
            s = sum(v for v in x if v > 0 if v < 9)
            return (max(s, table[n]), len([v for v in x if v]), len(x), abs(s), [v for v in x])
        """,
        """
        def f(x, n):
            table = (1.0, 2.0)

            def if_true():
                ac__.raise_(ValueError('odd'))
                return ()
            ac__.if_stmt(ac__.in_(n, (1, 3)), if_true, None, (), (), returned=(True, False))
            s = ac__.call(sum)(ac__.filtered((ac__.item(kept, v) for v in x for kept in ac__.keep(True, v > 0) for kept in ac__.keep(kept, v < 9))))
            return (ac__.call(max)(s, ac__.lookup(table, n)), ac__.call(len)(ac__.filtered([ac__.item(kept_1, v) for v in x for kept_1 in ac__.keep(True, v)])), len(x), abs(s), [v for v in x])
        """,
        id="containers-builtins-raise",
    ),
]




@pytest.mark.parametrize(("src", "expected"), CONTAINERS)
def test_containers(src, expected):
    assert_converts(src, expected)


# --- `containers` alone (the analyses it reads, and nothing else, before it) ---

ALONE = [
    pytest.param(
        """
        def f(x, n):
            return ([v for v in x if v > 0], n in (1, 2))
        """,
        """
        def f(x, n):
            return (ac__.filtered([ac__.item(kept, v) for v in x for kept in ac__.keep(True, v > 0)]), ac__.in_(n, (1, 2)))
        """,
        id="filter-and-membership",
    ),
]


@pytest.mark.parametrize(("src", "expected"), ALONE)
def test_the_pass_alone(src, expected):
    assert_alone_gives(containers.transform, src, expected)
