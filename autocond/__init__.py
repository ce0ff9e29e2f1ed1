"""autocond: Python control flow on traced values, for `jax.jit`."""

from typing import TYPE_CHECKING

from autocond import errors as errors
from autocond._library import convert_module as convert_module
from autocond._library import do_not_convert as do_not_convert
from autocond._source import transform_source as transform_source

if TYPE_CHECKING:
    from autocond._api import Jitted as Jitted
    from autocond._api import convert as convert
    from autocond._api import jit as jit
    from autocond._api import to_source as to_source
    from autocond._explain import explain as explain

__all__ = ["Jitted", "convert", "convert_module", "do_not_convert", "errors", "explain", "jit", "to_source",
           "transform_source"]
__version__ = "0.1.0"

# The names that need the runtime, and so JAX: imported when first used, so that converting
# source text (`transform_source`, the `autocond` command) does not import JAX.
_RUNTIME = ("Jitted", "convert", "jit", "to_source")


def __getattr__(name: str):
    if name in _RUNTIME:
        from autocond import _api

        return getattr(_api, name)
    if name == "explain":
        from autocond._explain import explain

        return explain
    raise AttributeError(f"module 'autocond' has no attribute {name!r}")
