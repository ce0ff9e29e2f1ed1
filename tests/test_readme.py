"""The README's examples, pinned: each block of code shown with what `autocond.to_source`
gives for it is what autocond generates, and generated code stores nothing it never reads and
has no function that gives back its arguments as they are."""

from __future__ import annotations

import ast
import pathlib
import re
import textwrap

import gast
import pytest

import autocond
from tests.converters.support import convert

_README = (pathlib.Path(__file__).parent.parent / "README.md").read_text()
_BLOCKS = list(re.finditer(r"```python\n(.*?)```", _README, re.S))

# Each README example is a fragment of a function: the parameters it reads and what the
# function returns after it (the variables later code reads, which decide what is carried).
_FUNCTIONS = {
    "if x > threshold:": ("x, threshold", "y"),
    "while x < limit:": ("x, limit, steps", "steps, x"),
    "for i in range(n):\n    x = jnp.sin(x) + i": ("x, n", "x"),
    "for i in range(n):\n    if x > limit:": ("x, n, limit", "x"),
    "match mode:": ("mode, x", "y"),
}


def _pairs() -> list[tuple[str, str]]:
    """The README's (user code, generated code) pairs: a block followed at once by the block
    of what it becomes."""
    pairs = []
    for shown, generated in zip(_BLOCKS, _BLOCKS[1:]):
        if _README[shown.end():generated.start()].strip() == "" and "ac__." in generated.group(1):
            pairs.append((shown.group(1), generated.group(1)))
    return pairs


def _converted(code: str) -> ast.FunctionDef:
    """`code` converted as the command converts a module importing `jnp` (whole functions as
    they are; a fragment in a function `_FUNCTIONS` describes)."""
    if not code.startswith("def "):
        (params, returned), = [v for first, v in _FUNCTIONS.items() if code.startswith(first)]
        code = f"def f({params}):\n{textwrap.indent(code, '    ')}    return {returned}\n"
    module = ast.parse(autocond.transform_source("import jax.numpy as jnp\n" + code, all_functions=True))
    (fn,) = [node for node in module.body if isinstance(node, ast.FunctionDef)]
    return fn


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


def test_every_example_with_its_generated_code_is_pinned():
    fragments = [code for code, _ in _pairs() if not code.startswith("def ")]
    assert sorted(fragments) == sorted(code for code in fragments for first in _FUNCTIONS
                                       if code.startswith(first))
    assert len(fragments) == len(_FUNCTIONS)


@pytest.mark.parametrize("code, generated", _pairs(), ids=[code.split("\n")[0] for code, _ in _pairs()])
def test_example_converts_to_the_code_the_readme_shows(code, generated):
    fn = _converted(code)
    body, shown = [ast.unparse(s) for s in fn.body], [ast.unparse(s) for s in ast.parse(generated).body]
    assert any(body[k:k + len(shown)] == shown for k in range(len(body))), "\n".join(body)
    assert _dead_stores(fn) == set()
    assert _identity_functions(fn) == []


def _headline() -> str:
    (fn,) = [m.group(1) for m in _BLOCKS if "def conditional_double" in m.group(1)]
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
