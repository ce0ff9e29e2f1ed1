"""Converts `while` and `for` into `ac__.while_stmt` / `ac__.for_stmt` over loop functions.

    while i < n:                   def loop_test(i, x):
        x = x * 2                      return i < n
        i += 1               →     def loop_body(i, x):
                                       x = x * 2
                                       i += 1
                                       return i, x
                                   i, x = ac__.while_stmt(loop_test, loop_body, (i, x), ('i', 'x'))

    for i in range(n):             def loop_body(i, x):
        x = x + i            →         x = x + i
                                       return x
                                   x = ac__.for_stmt(ac__.range_(range, n), loop_body, (x,), ('x',))

The carried variables are those the body assigns and that are read before being assigned
in an iteration (live at the body's start) or after the loop. A `for` target is carried
only when it is read after the loop. Without `break`, a loop's `else` always runs, so it
follows the loop (with `break`, `loop_exits` already put it under the flag). A loop whose
`break` was lowered carries its flag and passes it as `stop`.
"""

from __future__ import annotations

import gast

from autocond.analysis import activity
from autocond.converters import functional, unsupported
from autocond.converters.context import Context
from autocond.pyct import anno, origin, templates
from autocond.pyct.loader import RUNTIME_NAME


class _Transformer(functional.Transformer):

    def _carried(self, node, assigned: set[str], first_read: set[str]) -> list[str]:
        live_after = anno.getanno(node, anno.Static.LIVE_IN_ORELSE)
        carried = assigned & self.ctx.local_names & (first_read | live_after)
        return sorted(carried | set(self._stop(node, assigned)))

    @staticmethod
    def _stop(node, assigned: set[str]) -> list[str]:
        """The loop's `break`/`return` flags that its body sets, read by the operator itself
        (a `return` after a `break` is dropped as unreachable, and its flag never set here)."""
        return [flag for flag in anno.getanno(node, anno.Basic.STOP, ()) if flag in assigned]

    def _call(self, node, operator: str, head: list, carried: list[str],
              test_state: bool = False) -> gast.stmt:
        """`carried = ac__.<operator>(*head, loop_body, (carried,), names)`, with `stop=flags`,
        `test_state=True` and `int_operands` where they apply."""
        stop = self._stop(node, set(carried))
        call = templates.replace_as_expression(
            f"{RUNTIME_NAME}.{operator}(head, inputs, names)",
            head=head, inputs=functional.values(carried),
            names=functional.name_strings(carried, self.ctx.label))
        if stop:
            call.keywords.append(gast.keyword(arg="stop", value=functional.name_strings(stop)))
        if test_state:
            call.keywords.append(gast.keyword(arg="test_state", value=gast.Constant(value=True, kind=None)))
        call.keywords += functional.int_operands(carried, self.ctx)
        return functional.call(carried, call, set(carried) - anno.getanno(node, anno.Static.DEFINED_IN))

    def visit_While(self, node: gast.While):
        reason = anno.getanno(node, anno.Static.KEEP_PYTHON)
        if not reason:  # named before inner statements, so outer blocks get the plain names
            test_name, body_name = self.ctx.namer.new("loop_test"), self.ctx.namer.new("loop_body")
        node = self.generic_visit(node)
        if reason:
            node.test = unsupported.python_condition(node, reason)
            return node
        first_read = anno.getanno(node, anno.Static.LIVE_IN_BODY) | activity.reads(node.test)
        carried = self._carried(node, anno.getanno(node, anno.Static.MODIFIED), first_read)
        # A test that assigns variables (`:=`) or may call a closure assigning one gives them
        # back with its value: the loop goes on from the state it leaves.
        test_state = bool(activity.binds(node.test)
                          or self.ctx.closure_writes and activity.calls_in(node.test))
        returns = gast.Tuple(elts=[node.test, functional.values(carried)], ctx=gast.Load())
        test_fn = functional.function(test_name, carried, [], returns if test_state else node.test)
        body_fn = functional.function(body_name, carried, node.body, functional.pack(carried))
        call = self._call(node, "while_stmt", [test_name, body_name], carried, test_state=test_state)
        generated = [test_fn, body_fn, call]
        origin.mark(generated, node)
        return generated + node.orelse

    def visit_For(self, node: gast.For):
        reason = anno.getanno(node, anno.Static.KEEP_PYTHON)
        if not reason:
            body_name = self.ctx.namer.new("loop_body")
        node = self.generic_visit(node)
        if reason:
            node.iter = unsupported.python_iterable(node, reason)
            return node
        targets = activity.binds(node.target)
        first_read = anno.getanno(node, anno.Static.LIVE_IN_BODY) - targets
        carried = self._carried(node, anno.getanno(node, anno.Static.MODIFIED) | targets, first_read)
        if isinstance(node.target, gast.Name) and node.target.id not in carried:
            item, body = node.target.id, node.body
        else:  # the target is unpacked, or carried out of the loop
            item = self.ctx.namer.new("itr")
            body = templates.replace("target = item", target=node.target, item=item) + node.body
        body_fn = functional.function(body_name, [item, *carried], body, functional.pack(carried))
        call = self._call(node, "for_stmt", [_iterable(node.iter), body_name], carried)
        generated = [body_fn, call]
        origin.mark(generated, node)
        return generated + node.orelse


def _iterable(node: gast.expr) -> gast.expr:
    """`range(...)` becomes `ac__.range_(range, ...)`, which accepts traced arguments;
    `enumerate`, `zip` and `reversed` become `ac__.iterate(enumerate, ...)`, which gives the
    items of JAX arrays as one traced loop can take them (their arguments too, inside out)."""
    if (isinstance(node, gast.Call) and isinstance(node.func, gast.Name)
            and node.func.id in ("range", "enumerate", "zip", "reversed")
            and not node.keywords and not any(isinstance(a, gast.Starred) for a in node.args)):
        operator = "range_" if node.func.id == "range" else "iterate"
        return templates.replace_as_expression(
            f"{RUNTIME_NAME}.{operator}(fn, args)", fn=node.func.id,
            args=[_iterable(a) for a in node.args])
    return node


def transform(node: gast.FunctionDef, ctx: Context) -> gast.FunctionDef:
    return _Transformer(ctx).generic_visit(node)
