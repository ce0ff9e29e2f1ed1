"""The `autocond` command: converts source files without importing or running them."""

from __future__ import annotations

import argparse
import sys

from autocond import errors
from autocond._source import transform_source

# Exit codes, as black uses them.
OK, USAGE, FAILED = 0, 2, 123


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autocond", description="Convert Python control flow on traced JAX values, in source files.")
    commands = parser.add_subparsers(dest="command", required=True)
    convert = commands.add_parser(
        "convert", help="print each file with its @autocond.jit / @autocond.convert functions converted")
    convert.add_argument("paths", nargs="+", metavar="PATH", help="Python files; - reads standard input")
    return parser


def _convert(path: str) -> str:
    if path == "-":
        return transform_source(sys.stdin.read(), "<stdin>")
    with open(path, encoding="utf-8", newline="") as f:
        return transform_source(f.read(), path)


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit:
        return USAGE if exit.code else OK
    status = OK
    for path in args.paths:
        try:
            sys.stdout.write(_convert(path))
        except SyntaxError as e:
            if isinstance(e, errors.ConversionError):
                print(f"{path}: {e}", file=sys.stderr)
            else:
                print(f"{path}:{e.lineno}:{e.offset}: {e.msg}", file=sys.stderr)
            status = FAILED
        except (OSError, UnicodeDecodeError, errors.ConversionError) as e:
            print(f"{path}: {e}", file=sys.stderr)
            status = FAILED
    return status
