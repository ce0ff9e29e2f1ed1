"""Compile a converted function and rebuild it on the original's globals and closure."""

from __future__ import annotations

import ast
import types

RUNTIME_NAME = "ac__"  # the name generated code uses for `autocond.operators`
_DEFINED = "ac__converted"


def compile_function(node: ast.FunctionDef, fn: types.FunctionType) -> types.CodeType:
    """The code object of `node`, compiled under `fn`'s file name.

    It is compiled inside a factory whose parameters are `fn`'s free variables and the
    runtime module, so the code has them as free variables (`make_function` supplies the
    cells). Locations are those of the user's lines, so tracebacks show them.
    """
    params = ", ".join((RUNTIME_NAME, *fn.__code__.co_freevars))
    factory = ast.parse(f"def ac__factory({params}): pass").body[0]
    # Defined under another name, so the function's own name in its body (a recursive call)
    # stays the global it is, not the factory's local.
    name, node.name = node.name, _DEFINED
    returned = ast.Return(value=ast.Name(id=_DEFINED, ctx=ast.Load()))
    factory.body = [node, returned]
    for generated in (factory, returned, returned.value):
        ast.copy_location(generated, node)
    module = ast.Module(body=[factory], type_ignores=[])
    code = compile(module, fn.__code__.co_filename, "exec", dont_inherit=True)
    node.name = name
    for defined in ("ac__factory", _DEFINED):
        code = next(c for c in code.co_consts if isinstance(c, types.CodeType) and c.co_name == defined)
    return code.replace(co_name=name, co_qualname=fn.__qualname__)


def make_function(code: types.CodeType, fn: types.FunctionType,
                  runtime: types.ModuleType) -> types.FunctionType:
    """A function running `code` that shares `fn`'s live globals, closure cells, defaults and
    metadata, so writes through `nonlocal` reach the user's own cells."""
    own_cells = dict(zip(fn.__code__.co_freevars, fn.__closure__ or ()))
    closure = tuple(own_cells[n] if n in own_cells else types.CellType(runtime) for n in code.co_freevars)
    converted = types.FunctionType(code, fn.__globals__, fn.__name__, fn.__defaults__, closure)
    converted.__kwdefaults__ = fn.__kwdefaults__
    converted.__qualname__ = fn.__qualname__
    converted.__doc__ = fn.__doc__
    converted.__module__ = fn.__module__
    converted.__dict__.update(fn.__dict__)
    converted.__wrapped__ = fn
    return converted
