"""The README and the docs: the README is short and links every page of the docs; the code
the docs' examples generate (made by `autocond.to_source` as the docs build) stores nothing it
never reads and has no function that gives back its arguments as they are; the README's
headline example is pinned."""

from __future__ import annotations

import ast
import pathlib
import re
import textwrap

import gast
import pytest

import autocond
from tests.converters.support import convert

_ROOT = pathlib.Path(__file__).parent.parent
_README = (_ROOT / "README.md").read_text()
_DOCS = sorted((_ROOT / "docs").rglob("*.md"))
# The code blocks the docs build runs (markdown-exec's `exec="on"`).
_EXECUTED = [(path, block) for path in _DOCS
             for block in re.findall(r'```python exec="on"[^\n]*\n(.*?)```', path.read_text(), re.S)]
_FUNCTIONS = [pytest.param(block, id=f"{path.stem}:{block.split('def ', 1)[1].split('(')[0]}")
              for path, block in _EXECUTED if re.search(r"^def ", block, re.M)]


def test_the_readme_is_short_and_links_every_page():
    assert len(_README.splitlines()) <= 150
    links = set(re.findall(r"\]\(([^)#]+)", _README))
    pages = {str(p.relative_to(_ROOT)) for p in _DOCS} - {"docs/architecture.md"}
    assert len(pages) > 15 and sorted(pages - links) == []
    assert "ARCHITECTURE.md" in links  # what docs/architecture.md shows


def test_the_docs_run_examples_of_every_construct_page():
    pages = {path.stem for path, _ in _EXECUTED if path.parent.name == "constructs"}
    assert pages == {p.stem for p in (_ROOT / "docs" / "constructs").glob("*.md")}
    assert len(_FUNCTIONS) >= 10


@pytest.mark.parametrize("block", _FUNCTIONS)
def test_generated_code_stores_only_what_it_reads(block):
    # Converted as the command converts a module importing `jnp` (its calls stay as written).
    module = ast.parse(autocond.transform_source("import jax.numpy as jnp\n" + block, all_functions=True))
    scopes = [module, *(c for c in module.body if isinstance(c, ast.ClassDef))]
    converted = [n for scope in scopes for n in scope.body if isinstance(n, ast.FunctionDef)]
    assert converted and any("ac__." in ast.unparse(fn) for fn in converted)
    for fn in converted:
        assert _dead_stores(fn) == set()
        assert _identity_functions(fn) == []


def _dead_stores(tree: ast.AST) -> set[str]:
    stored = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return stored - {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _identity_functions(tree: ast.AST) -> list[str]:
    def gives_back(fn: ast.FunctionDef) -> bool:
        if len(fn.body) != 1 or not isinstance(fn.body[0], ast.Return) or fn.body[0].value is None:
            return False
        value = fn.body[0].value
        names = value.elts if isinstance(value, ast.Tuple) else [value]
        return [ast.unparse(n) for n in names] == [a.arg for a in fn.args.args]

    return [n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and gives_back(n)]


def _headline() -> str:
    (fn,) = [b for b in re.findall(r"```python\n(.*?)```", _README, re.S) if "def conditional_double" in b]
    module = gast.parse(fn)
    (node,) = [n for n in module.body if isinstance(n, gast.FunctionDef)]
    return ast.unparse(gast.gast_to_ast(node)).replace("@autocond.jit\n", "")


def test_the_headline_example_is_one_if_stmt_of_two_one_line_branches():
    assert convert(_headline()) == ast.unparse(ast.parse(textwrap.dedent("""
        def conditional_double(x, threshold):

            def if_true():
                return x * 2

            def if_false():
                return x
            return ac__.if_stmt(x > threshold, if_true, if_false, (), ('retval_',), returned=(True, True),
                                return_lines={'retval_': ((3,), (5,))})
        """)))


@pytest.mark.parametrize("code, dead, identities", [
    ("def f(x):\n    y = 1\n    return x", {"y"}, []),
    ("def f(x):\n    def g(x, y):\n        return (x, y)\n    return g(x, x)", set(), ["g"]),
    ("def f(x):\n    def g(x, y):\n        return (y, x)\n    return g(x, x)", set(), []),
])
def test_the_checks_find_what_they_look_for(code, dead, identities):
    tree = ast.parse(code)
    assert (_dead_stores(tree), _identity_functions(tree)) == (dead, identities)
