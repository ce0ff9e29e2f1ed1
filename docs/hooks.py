"""mkdocs hooks for the docs site (`mkdocs.yml`: `hooks`).

markdown-exec runs the docs' examples, compiling each code block under a name of its own
(`<code block: session start; n1>`) that no file holds. autocond reads a function's source with
`linecache`, as it does for a notebook cell, so each block's text is registered there before it
runs. This reaches into markdown-exec's runner (`formatters.python.exec_python`): a release that
moves it fails the build here, loudly, rather than rendering errors into the pages.
"""

from __future__ import annotations

import linecache
from typing import Any

from markdown_exec._internal.formatters import python as _runner


def on_startup(**kwargs: Any) -> None:
    run = _runner.exec_python

    def exec_python(code: str, filename: str, exec_globals: dict[str, Any] | None = None) -> None:
        linecache.cache[filename] = (len(code), None, code.splitlines(keepends=True), filename)
        run(code, filename, exec_globals)

    _runner.exec_python = exec_python
