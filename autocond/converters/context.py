"""What every converter knows about the function being converted."""

from __future__ import annotations

import dataclasses

import gast

from autocond.analysis import activity
from autocond.pyct import naming, traversal


@dataclasses.dataclass
class Context:
    namer: naming.Namer
    qualname: str
    filename: str
    first_line: int  # file line of the function's line 1
    namespace: dict | None = None  # the function's globals, when converting a live function
    library_names: frozenset[str] = frozenset()  # globals imported from library code (no namespace)
    in_class: bool = False  # a method, defined in a class body (its `super()` finds `__class__`)
    local_names: frozenset[str] = frozenset()  # the function's own variables (carried state)
    outer_names: frozenset[str] = frozenset()  # declared `global`
    # Variables that nested scopes capture (closures read them when called, so they must see
    # the current value), and those declared `nonlocal`, whose cells other closures may read:
    # generated functions share them with the function (`nonlocal`) instead of taking
    # copies. They are always live, and carried wherever assigned.
    shared_names: frozenset[str] = frozenset()
    closure_writes: frozenset[str] = frozenset()  # those closures assign through `nonlocal`
    # Attributes carried as variables (`converters.composites`): (`c`, `n`) -> `c_n`.
    composites: dict[tuple[str, str], str] = dataclasses.field(default_factory=dict)
    shared: activity.Shared | None = None  # the function's, set before the converters run
    return_value: str | None = None  # the variable lowered `return` statements assign
    # Variables computed with as ints (`q + q`), where a Python bool and a bool array differ:
    # each with the file line doing it first.
    int_operands: dict[str, int] = dataclasses.field(default_factory=dict)
    # All the nodes of the tree, as parsed, then as each scope analysis finds it (the tree the
    # converters start from, whose user code later passes find where the converters moved
    # it): for the passes that ask whether they have work, and the analyses.
    nodes: list[gast.AST] = dataclasses.field(default_factory=list)
    _groups: tuple[list, dict] = ([], {})  # `nodes`, and they by class

    @classmethod
    def of(cls, fn: gast.FunctionDef, qualname: str, filename: str, first_line: int, **fields) -> Context:
        """The context of converting `fn`, as parsed."""
        nodes = traversal.walk(fn)
        return cls(naming.Namer(nodes), qualname, filename, first_line, nodes=nodes, **fields)

    def of_class(self, *classes: type) -> list[gast.AST]:
        """The nodes of `nodes` of `classes` (gast's own, which have no subclasses): for the
        passes asking whether they have work, without a walk each."""
        groups = self._by_class()
        return [n for kind in classes for n in groups.get(kind, ())]

    def has(self, *classes: type) -> bool:
        """Whether some node of `nodes` is of one of `classes`."""
        groups = self._by_class()
        return any(kind in groups for kind in classes)

    def _by_class(self) -> dict[type, list[gast.AST]]:
        nodes, groups = self._groups
        if nodes is not self.nodes:
            groups = {}
            for n in self.nodes:
                groups.setdefault(n.__class__, []).append(n)
            self._groups = (self.nodes, groups)
        return groups

    def label(self, name: str) -> str:
        """How errors name a carried variable: `c.n` for the one carrying that attribute."""
        return next((f"{base}.{attr}" for (base, attr), n in self.composites.items() if n == name), name)

    def line(self, node: gast.AST) -> int:
        """`node`'s line in the file."""
        return self.first_line + node.lineno - 1

    def where(self, node: gast.AST) -> str:
        return f"{self.filename}:{self.line(node)}"

    def scan_scope(self, fn: gast.FunctionDef) -> None:
        """Record which names are the function's local variables, and its nodes."""
        self.nodes = traversal.walk(fn)
        self.outer_names = frozenset(activity.declared_outer(fn, (gast.Global,)))
        bound = activity.parameters(fn.args) | activity.summarize(fn.body).binds
        self.local_names = frozenset(bound - self.outer_names)
        self.shared_names = (self.shared.captured | activity.declared_outer(fn, (gast.Nonlocal,))) \
            & self.local_names
        self.closure_writes = self.shared.closure_writes & self.shared_names
        self.int_operands = {name: self.line(node) for name, node in activity.int_operands(self.nodes).items()
                             if name in self.local_names}
