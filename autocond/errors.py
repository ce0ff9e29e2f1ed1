"""The errors autocond raises. Each also subclasses the builtin a user would catch."""

from __future__ import annotations


class ConversionError(Exception):
    """Base class of every error autocond raises about user code."""


class SourceError(ConversionError, OSError):
    """A function's source cannot be retrieved or parsed."""


class UnsupportedSyntaxError(ConversionError, SyntaxError):
    """The function uses a construct autocond cannot convert (generators, async, ...)."""


class UndefinedVariableError(ConversionError, UnboundLocalError):
    """A variable is read where, on some path through traced control flow, it is unbound."""


class StagingError(ConversionError, TypeError):
    """Traced control flow would change a variable in a way one XLA program cannot express:
    a different shape, dtype or structure between branches or loop iterations, or a
    non-JAX value changed by a traced construct."""


class NotConvertedError(ConversionError, NotImplementedError):
    """A statement autocond keeps as plain Python met a traced value it would need to branch on."""


class UnrolledLoopWarning(UserWarning):
    """A loop ran as Python for more trips than `autocond.jit(..., warn_unrolled=N)` allows:
    its body was traced once per trip, so the program grows with the trip count."""
