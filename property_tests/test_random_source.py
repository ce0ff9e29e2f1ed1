"""The converter on random valid Python source (from `hypothesmith`), with every function
selected: it either converts or raises one of autocond's documented errors (never an
internal exception), its output compiles, is the code autocond generates (where it keeps the
user's text, that text reads as that code), and converting the output again changes nothing.
"""

from __future__ import annotations

import ast
import textwrap
from unittest import mock

import hypothesmith
from hypothesis import assume, event, given, note
from hypothesis import strategies as st

import autocond
from autocond import _source as source_conversion
from autocond import errors

_modules = st.one_of(hypothesmith.from_grammar(), hypothesmith.from_node())
# Random expressions, from a small grammar: hypothesmith's own (`start="eval_input"`) is
# nearly always past hypothesis' depth limit.
_BINARY = ("+", "-", "*", "/", "//", "%", "**", "@", "&", "|", "^", "<<", ">>", "and", "or", "<",
           "<=", "==", "!=", ">", "is", "is not", "in", "not in")


def _compound(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    two, three = st.tuples(inner, inner), st.tuples(inner, inner, inner)
    return st.one_of(
        st.tuples(inner, st.sampled_from(_BINARY), inner).map(lambda t: "({} {} {})".format(*t)),
        st.tuples(st.sampled_from(("not ", "-", "~")), inner).map(lambda t: "({}{})".format(*t)),
        three.map(lambda t: "({} if {} else {})".format(*t)),
        two.map(lambda t: "{}[{}]".format(*t)),
        st.lists(inner, max_size=3).map(lambda args: f"g({', '.join(args)})"),
        two.map(lambda t: "[{} for i in {}]".format(*t)),
        three.map(lambda t: "{{{}: i for i in {} if {}}}".format(*t)),
        inner.map(lambda e: f"(lambda i: {e})"),
        inner.map(lambda e: f"(y := {e})"),
    )


_expressions = st.recursive(
    st.sampled_from(("x", "i", "y", "0", "1.5", "'s'", "None", "True", "[]", "{}", "()", "x.shape",
                     "jnp.sum(x)", "...")),
    _compound, max_leaves=8)

# Control flow around random expressions (`{e}`, `{f}`) and random statements (`{body}`,
# `{body4}` and `{body8}` indented by 0, 4 and 8 spaces), so the converter has work to do.
_SKELETONS = (
    "{body}",
    "if {e}:\n{body4}\nelif {f}:\n    x = 1\nelse:\n    return x\n",
    "while {e}:\n{body4}\n    if {f}:\n        break\n",
    "for i in {e}:\n{body4}\n    if {f}:\n        continue\n    x = i\n",
    "x = {e} if {f} else x\n{body}\n",
    "y = {e} and not {f} or x\n{body}\n",
    "match {e}:\n    case 0:\n{body8}\n    case 1 | 2:\n        return {f}\n",
    "{body}\nreturn [{e} for i in x if {f}]\n",
)


def _source(body: str, skeleton: str | None, e: str, f: str) -> str:
    """The module `body`, or a function around it, with the control flow of `skeleton`."""
    if skeleton is None:
        return body
    body += "\npass"  # a statement to end the block on, where `body` holds only comments
    body = skeleton.format(e=e, f=f, body=body, body4=textwrap.indent(body, " " * 4),
                           body8=textwrap.indent(body, " " * 8))
    source = "def f(x):\n" + textwrap.indent(body, "    ") + "\n    pass\n"
    try:
        compile(source, "<random>", "exec")
    except SyntaxError:  # e.g. `nonlocal` or `from m import *`, legal only at the top level
        assume(False)
    return source


def _none(*args, **kwargs) -> None:
    """The user's text kept nowhere: all of the converted functions as `ast.unparse` writes them."""


# Drawn side by side, not nested: hypothesmith's strategies are close to hypothesis' depth limit.
@given(body=_modules, skeleton=st.sampled_from((*_SKELETONS, None)), e=_expressions,
       f=_expressions)
def test_random_source_converts_or_raises_a_documented_error(body: str, skeleton: str | None, e: str,
                                                             f: str) -> None:
    source = _source(body, skeleton, e, f)
    note(f"source:\n{source}")
    try:
        converted = autocond.transform_source(source, "<random>", all_functions=True)
    except errors.ConversionError as e:
        event(f"refused: {type(e).__name__}")
        return
    event(f"{'converted' if converted != source else 'unchanged'}, skeleton {_SKELETONS.index(skeleton)}"
          if skeleton else "module unchanged" if converted == source else "module converted")
    note(f"converted:\n{converted}")
    compile(converted, "<converted>", "exec")
    keeping = dict(text_of=_none, header_of=_none, decorator_of=_none)
    with mock.patch.multiple(source_conversion._Written, **keeping), \
            mock.patch.object(source_conversion, "_wrapped", _none):
        generated = autocond.transform_source(source, "<random>", all_functions=True)
    assert ast.dump(ast.parse(converted)) == ast.dump(ast.parse(generated))
    assert autocond.transform_source(converted, "<converted>", all_functions=True) == converted
