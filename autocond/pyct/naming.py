"""Fresh names for generated code that never collide with the user's names."""

from __future__ import annotations

import gast


class Namer:
    """Hands out readable names (`if_true`, `if_true_1`, ...) unused in a tree."""

    def __init__(self, nodes: list[gast.AST]):
        """`nodes`: all the nodes of the tree (`traversal.walk`)."""
        self._taken = {n.id if isinstance(n, gast.Name) else n.name for n in nodes
                       if isinstance(n, (gast.Name, gast.FunctionDef, gast.AsyncFunctionDef, gast.ClassDef))}
        self.generated: set[str] = set()  # the names handed out

    def taken(self, name: str) -> bool:
        """Whether the tree uses `name`, or it was handed out."""
        return name in self._taken

    def new(self, base: str) -> str:
        name, k = base, 0
        while name in self._taken:
            k += 1
            name = f"{base}_{k}"
        self._taken.add(name)
        self.generated.add(name)
        return name
