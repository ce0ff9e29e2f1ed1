"""Fresh names for generated code that never collide with the user's names."""

from __future__ import annotations

import gast

from autocond.pyct import traversal


class Namer:
    """Hands out readable names (`if_true`, `if_true_1`, ...) unused in a tree."""

    def __init__(self, tree: gast.AST):
        self._taken = {n.id for n in traversal.walk(tree) if isinstance(n, gast.Name)}
        self.generated: set[str] = set()  # the names handed out
        self._taken.update(
            n.name
            for n in traversal.walk(tree)
            if isinstance(n, (gast.FunctionDef, gast.AsyncFunctionDef, gast.ClassDef))
        )

    def new(self, base: str) -> str:
        name, k = base, 0
        while name in self._taken:
            k += 1
            name = f"{base}_{k}"
        self._taken.add(name)
        self.generated.add(name)
        return name
