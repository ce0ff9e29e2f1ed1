"""Converts `if`/`elif`/`else` into `ac__.if_stmt` over functions of the carried variables.

    if x > threshold:              def if_true(y):
        y = x * 2                      y = x * 2
                             →         return y
                                   def if_false(y):
                                       return y
                                   y = ac__.if_stmt(x > threshold, if_true, if_false, (y,), ('y',))

The branches become functions of the variables they assign that are read in a branch before
being assigned, or read after the `if` (live) without being assigned by every branch. They
return the variables they assign that are live after the `if`. Temporaries of a branch stay
local to its function. `elif` is an `if` in the `else` branch, converted the same way,
inner statements first.
"""

from __future__ import annotations

import gast

from autocond.converters import functional, unsupported
from autocond.converters.context import Context
from autocond.pyct import anno, origin, templates
from autocond.pyct.loader import RUNTIME_NAME


class _Transformer(functional.Transformer):

    def visit_If(self, node: gast.If):
        reason = anno.getanno(node, anno.Static.KEEP_PYTHON)
        if not reason:  # named before inner statements, so outer blocks get the plain names
            true_name, false_name = self.ctx.namer.new("if_true"), self.ctx.namer.new("if_false")
        node = self.generic_visit(node)
        if reason:
            node.test = unsupported.python_condition(node, reason)
            return node
        assigned = anno.getanno(node, anno.Static.MODIFIED) & self.ctx.local_names
        live_out = anno.getanno(node, anno.Static.LIVE_OUT)
        read_first = (anno.getanno(node, anno.Static.LIVE_IN_BODY)
                      | anno.getanno(node, anno.Static.LIVE_IN_ORELSE))
        passed_through = live_out - anno.getanno(node, anno.Static.BOUND_BY_BRANCHES)
        outputs = sorted(assigned & live_out)
        inputs = sorted(assigned & (read_first | passed_through))
        returned = anno.getanno(node, anno.Basic.RETURNED, (False, False))
        returned = f", returned={returned}" if any(returned) else ""
        if self.ctx.return_value in outputs:  # for errors: which `return`s each branch's value is from
            lines = (self._return_lines(node.body, node), self._return_lines(node.orelse, node))
            returned += f", return_lines={{{self.ctx.return_value!r}: {lines}}}"
        generated = [
            functional.function(true_name, inputs, node.body, functional.pack(outputs)),
            functional.function(false_name, inputs, node.orelse, functional.pack(outputs)),
            functional.call(
                outputs,
                templates.replace_as_expression(
                    f"{RUNTIME_NAME}.if_stmt(test, if_true, if_false, inputs, names{returned})",
                    test=node.test, if_true=true_name, if_false=false_name,
                    inputs=functional.values(inputs), names=functional.name_strings(outputs)),
                set(inputs) - anno.getanno(node, anno.Static.DEFINED_IN)),
        ]
        origin.mark(generated, node)
        return generated

    @staticmethod
    def _return_lines(block: list[gast.stmt], node: gast.If) -> tuple[int, ...]:
        """The lines of the `return`s whose value the return value may hold at the end of
        `block`: those in it, or if none, those before `node`."""
        inside = [anno.getanno(n, anno.Basic.RETURN_LINE) for stmt in block for n in gast.walk(stmt)
                  if anno.hasanno(n, anno.Basic.RETURN_LINE)]
        return tuple(sorted(set(inside or anno.getanno(node, anno.Basic.RETURNS_BEFORE, ()))))


def transform(node: gast.FunctionDef, ctx: Context) -> gast.FunctionDef:
    return _Transformer(ctx).generic_visit(node)
