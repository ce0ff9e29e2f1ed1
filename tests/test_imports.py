"""The package's import graph: no module imports, while it is imported, one that imports it."""

from __future__ import annotations

import ast
import graphlib
import pathlib

import autocond

_ROOT = pathlib.Path(autocond.__file__).parent


def _modules() -> dict[str, pathlib.Path]:
    found = {}
    for path in _ROOT.rglob("*.py"):
        parts = ("autocond", *path.relative_to(_ROOT).with_suffix("").parts)
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imported_at_import_time(name: str, path: pathlib.Path, modules: dict) -> set[str]:
    """The autocond modules `name` imports at its top level (not inside functions), with the
    packages they are in that are not `name`'s own (importing those runs their `__init__`)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, up `level - 1` packages
                above = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*above, base]).strip(".")
            found |= {f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                      for alias in node.names}
    with_packages = set()
    for module in found:
        parts = module.split(".")
        with_packages |= {".".join(parts[:k]) for k in range(1, len(parts) + 1)}
    own = {".".join(name.split(".")[:k]) for k in range(1, len(name.split(".")) + 1)}
    return {m for m in with_packages if m in modules and m not in own}


def test_no_module_imports_one_that_imports_it():
    modules = _modules()
    assert len(modules) > 40 and "autocond._library" in modules  # the walk found the package
    graph = {name: _imported_at_import_time(name, path, modules) for name, path in modules.items()}
    assert "autocond.converters.calls" in graph["autocond._transpiler"]  # edges are found
    graphlib.TopologicalSorter(graph).prepare()  # raises CycleError naming the cycle


_COMPILE_TIME = ("autocond.analysis", "autocond.converters", "autocond.pyct", "autocond._source",
                 "autocond._transpiler", "autocond._cli", "autocond._library")


def test_compile_time_code_imports_no_operator():
    """The converters, analyses, tools and the command read the library-code policy from
    `_library`, below both sides, and nothing else of the runtime."""
    modules = _modules()
    compile_time = [name for name in modules if name.startswith(_COMPILE_TIME)]
    assert len(compile_time) > 30
    for name in compile_time:
        imported = _imported_at_import_time(name, modules[name], modules)
        assert not {m for m in imported if m.startswith("autocond.operators")}, name
    assert "autocond._library" in _imported_at_import_time("autocond.converters.calls",
                                                           modules["autocond.converters.calls"], modules)
