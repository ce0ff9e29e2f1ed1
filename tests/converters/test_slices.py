"""`converters.slices`: item assignments and appends as rebinding calls."""

from __future__ import annotations

import pytest

from autocond.converters import slices
from tests.converters.support import assert_alone_gives, assert_converts

SLICES = [
    pytest.param(
        # Item assignments rebind the variable (a JAX array's items are updated as
        # `.at[...]`); keys with slices are written as in the subscript; nested items are set
        # from the inside out; a name the function does not bind (a global) is left alone.
        """
        def f(x, i):
            x[i] = 0.0
            x[i, 1:] += 2.0
            x[i][0] = 1.0
            g[i] = x
            return x
        """,
        """
        def f(x, i):
            x = ac__.setitem(x, i, 0.0)
            x = ac__.setitem(x, ac__.index[i, 1:], 2.0, '+')
            x = ac__.setitem(x, i, ac__.setitem(x[i], 0, 1.0))
            ac__.item_store(g, i)  # `g` is not local: a store a caller's trace must see
            g[i] = x
            return x
        """,
        id="item-assignments",
    ),
    pytest.param(
        # A tuple target with items is unpacked into fresh names, then each target is
        # assigned from left to right (`x[i]` with the `i` of its turn); several targets
        # take the value once.
        """
        def f(x, i, j):
            x[i], x[j] = x[j], x[i]
            x[0] = y = x[1] = i
            (a, x[i]), *b = (1, 2), 3, 4
            return x, y
        """,
        """
        def f(x, i, j):
            item, item_1 = (x[j], x[i])
            x = ac__.setitem(x, i, item)
            x = ac__.setitem(x, j, item_1)
            value = i
            x = ac__.setitem(x, 0, value)
            y = value
            x = ac__.setitem(x, 1, value)
            (item_2, item_3), *item_4 = ((1, 2), 3, 4)
            a = item_2
            x = ac__.setitem(x, i, item_3)
            b = item_4
            return (x, y)
        """,
        id="tuple-and-multiple-targets",
    ),
]


@pytest.mark.parametrize(("src", "expected"), SLICES)
def test_slices(src, expected):
    assert_converts(src, expected)


# --- `slices` alone (the analyses it reads, and nothing else, before it) ---

ALONE = [
    pytest.param(
        """
        def f(x, i):
            x[i] = 1.0
            x[i] += 2.0
            return x
        """,
        """
        def f(x, i):
            x = ac__.setitem(x, i, 1.0)
            x = ac__.setitem(x, i, 2.0, '+')
            return x
        """,
        id="item-assignment-and-augmented",
    ),
]


@pytest.mark.parametrize(("src", "expected"), ALONE)
def test_the_pass_alone(src, expected):
    assert_alone_gives(slices.transform, src, expected)
