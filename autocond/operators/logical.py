"""Runtime of logical operators on possibly traced values."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from autocond.operators import staging


def not_(value: Any) -> Any:
    """Negates as Python does::

        def not_(value):
            return not value

    A traced value gives a traced bool (`jnp.logical_not`), with Python's truth rules for
    numbers; it must have one element.
    """
    if not staging.is_traced(value):
        return not value
    return jnp.logical_not(staging.predicate(value, "`not`"))
