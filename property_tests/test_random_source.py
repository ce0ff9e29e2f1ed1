"""The converter on random valid Python source (from `hypothesmith`), with every function
selected: it either converts or raises one of autocond's documented errors (never an
internal exception), its output compiles, and converting the output again changes nothing.
"""

from __future__ import annotations

import textwrap

import hypothesmith
import libcst
from hypothesis import assume, event, given, note
from hypothesis import strategies as st

import autocond
from autocond import errors

_modules = st.one_of(hypothesmith.from_grammar(), hypothesmith.from_node(),
                     *(hypothesmith.from_node(n) for n in (libcst.If, libcst.While, libcst.For)))


@st.composite
def _functions(draw) -> str:
    """Random statements as the body of a function, so that the converter has work to do."""
    source = "def f(x):\n" + textwrap.indent(draw(_modules), "    ") + "\n    pass\n"
    try:
        compile(source, "<random>", "exec")
    except SyntaxError:  # e.g. `nonlocal` or `from m import *`, legal only at the top level
        assume(False)
    return source


_sources = st.one_of(_modules, _functions())


@given(source=_sources)
def test_random_source_converts_or_raises_a_documented_error(source: str) -> None:
    try:
        converted = autocond.transform_source(source, "<random>", all_functions=True)
    except errors.ConversionError as e:
        event(f"refused: {type(e).__name__}")
        return
    event("converted" if converted != source else "unchanged")
    note(f"converted:\n{converted}")
    compile(converted, "<converted>", "exec")
    assert autocond.transform_source(converted, "<converted>", all_functions=True) == converted
