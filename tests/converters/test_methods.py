"""`converters.methods`: zero-argument `super()` names its class and instance."""

from __future__ import annotations

from autocond.converters import methods
from tests.converters.support import assert_alone_gives, convert


def test_the_pass_alone():
    # (its own `super()` only: a nested function's `super()` is that function's)
    assert_alone_gives(
        methods.transform,
        """
        def scale(self, x):
            if x > 0:
                return super().scale(x)

            def inner(other):
                return super().scale(other)
            return super(type(self), self).scale(-x)
        """,
        """
        def scale(self, x):
            if x > 0:
                return super(__class__, self).scale(x)

            def inner(other):
                return super().scale(other)
            return super(type(self), self).scale(-x)
        """)


def test_outside_a_class_super_stays_as_written():
    # Python's own error (no `__class__` cell) is what a call gives there
    converted = convert("def scale(self, x):\n    if x > 0:\n        return super().scale(x)\n    return x\n")
    assert "super().scale" in converted and "__class__" not in converted
