"""The `autocond` command: converts source files without importing or running them."""

from __future__ import annotations

import argparse
import difflib
import io
import os
import re
import stat
import sys
import tempfile
import tokenize
import tomllib
from collections.abc import Callable
from typing import Any

import autocond
from autocond import errors
from autocond._source import function_names, transform_source

# Exit codes, as black uses them.
OK, CHANGED, USAGE, FAILED, ABORTED = 0, 1, 2, 123, 130
# Directories not searched for files, besides hidden ones and `*.egg-info`.
SKIPPED_DIRECTORIES = frozenset({"__pycache__", "build", "dist", "venv"})
# A progress bar is shown from this many files on, when standard error is a terminal; and
# within a file from this many lines on.
PROGRESS_BAR_FILES = 10
PROGRESS_BAR_LINES = 5_000
_BAR_WIDTH = 30
_STDIN = "-"

_DESCRIPTION = """\
Convert the functions decorated with @autocond.jit / @autocond.convert (under any import
alias) in Python files, without importing or running them. The rest of each file is kept
byte for byte, and converting a converted file changes nothing.

Without a mode, one file (or -) is printed to standard output; several files or a directory
need a mode: --in-place, -o DIR, --diff or --check.

Exit status: 0 success, 1 --check found files to convert, 2 usage error (also when no file
defines a function -f names), 123 an error in some file (reported as path:line:col: message;
the other files are still converted)."""


class _FileError(Exception):
    """A problem with one file, told in its message."""


def _parsers() -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    """The command's parser, and that of `convert`."""
    parser = argparse.ArgumentParser(
        prog="autocond", description="Convert Python control flow on traced JAX values, in source files.")
    parser.add_argument("--version", action="version", version=f"autocond {autocond.__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    convert = commands.add_parser(
        "convert", help="convert the @autocond.jit / @autocond.convert functions of Python files",
        description=_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    convert.add_argument("paths", nargs="+", metavar="PATH",
                         help="Python files, directories (searched for *.py files), or - for standard input")
    select = convert.add_mutually_exclusive_group()
    select.add_argument("-f", "--function", action="append", default=[], dest="functions", metavar="NAME",
                        help="also convert the functions named NAME (or Class.method); repeatable")
    select.add_argument("-a", "--all", action="store_true", dest="all_functions",
                        help="convert every function but generators and coroutines (decorators other than "
                        "autocond's stay)")
    mode = convert.add_mutually_exclusive_group()
    mode.add_argument("-i", "--in-place", action="store_true", help="rewrite the files that change")
    mode.add_argument("-o", "--output", metavar="OUT",
                      help="write to the file OUT when converting one file, else into the directory OUT, "
                           "mirroring the files' paths below their common directory")
    mode.add_argument("--diff", action="store_true", help="print a unified diff; write nothing")
    mode.add_argument("--check", action="store_true",
                      help="write nothing; exit with 1 if some file would change")
    convert.add_argument("--exclude", metavar="REGEX",
                         help="leave out the files and directories (`/sub/`) below the directories given "
                              "that REGEX matches, instead of the default ones (hidden, build...)")
    convert.add_argument("--extend-exclude", metavar="REGEX",
                         help="also leave out those REGEX matches")
    convert.add_argument("-q", "--quiet", action="store_true",
                         help="report only the files that failed (no progress, no summary)")
    convert.add_argument("--stdin-filename", metavar="NAME",
                         help="the name standard input is reported and converted under (an editor's file)")
    return parser, convert


def _usage_problem(args: argparse.Namespace) -> str | None:
    """What is wrong with the arguments, beyond what argparse checks."""
    several = len(args.paths) > 1 or os.path.isdir(args.paths[0])
    if _STDIN in args.paths and len(args.paths) > 1:
        return "- (standard input) cannot be given with other paths"
    if _STDIN in args.paths and args.output and os.path.isdir(args.output):
        return f"-o {args.output} is a directory; standard input is written to a file"
    if _STDIN in args.paths and args.in_place:
        return "--in-place cannot rewrite standard input; use -o FILE or print to standard output"
    if several and not (args.in_place or args.output or args.diff or args.check):
        return "several files or a directory need --in-place, -o DIR, --diff or --check"
    if several and args.output and os.path.exists(args.output) and not os.path.isdir(args.output):
        return f"-o {args.output} must be a directory for several files or a directory"
    return None


def _skipped(directory: str) -> bool:
    """Whether a directory of this name is left out of the search for files."""
    return directory.startswith(".") or directory.endswith(".egg-info") or directory in SKIPPED_DIRECTORIES


def _files(paths: list[str], output: str | None = None, exclude: re.Pattern | None = None,
           extend_exclude: re.Pattern | None = None) -> list[str]:
    """`paths`, each directory replaced by the `*.py` files under it, in sorted order: not
    those of the `output` directory (the command's own output), nor those whose path below
    the directory given (`/sub/name.py`, a directory's with a `/` after it) `exclude` (else
    the default skipped directories) or `extend_exclude` matches. Paths given are kept."""
    avoided = os.path.realpath(output) if output else None

    def excluded(root: str, name: str, top: str, directory: bool) -> bool:
        below = "/" + os.path.relpath(os.path.join(root, name), top).replace(os.sep, "/") + "/" * directory
        default = _skipped(name) if directory else False
        return ((exclude.search(below) is not None) if exclude else default) or bool(
            extend_exclude and extend_exclude.search(below))

    files = []
    for path in paths:
        if path == _STDIN or not os.path.isdir(path):
            files.append(path)  # a file that cannot be read is reported when converted
            continue
        for root, directories, names in os.walk(path):
            directories[:] = sorted(d for d in directories if not excluded(root, d, path, True)
                                    and os.path.realpath(os.path.join(root, d)) != avoided)
            files += [os.path.join(root, name) for name in sorted(names)
                      if name.endswith(".py") and os.path.isfile(os.path.join(root, name))  # no FIFO
                      and not excluded(root, name, path, False)]
    return list(dict.fromkeys(files))


# What `[tool.autocond]` may set: the two excludes, and `libraries`, packages whose calls stay
# as written (as the standard library's, JAX's and NumPy's do), beside the project's own.
_SETTINGS = ("exclude", "extend-exclude", "libraries")


def _configure(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """Set `args.exclude` and `args.extend_exclude` (compiled) and `args.libraries` from the
    options, or else from `[tool.autocond]`."""
    try:
        settings = _settings(args.paths)
    except (OSError, tomllib.TOMLDecodeError) as e:
        parser.error(f"cannot read pyproject.toml: {e}")
    unknown = sorted(set(settings) - set(_SETTINGS))
    if unknown:
        parser.error(f"[tool.autocond] in pyproject.toml: unknown setting {unknown[0]!r} "
                     f"(known: {', '.join(_SETTINGS)})")
    for name in ("exclude", "extend-exclude"):
        field = name.replace("-", "_")
        pattern = getattr(args, field) if getattr(args, field) is not None else settings.get(name)
        try:
            setattr(args, field, re.compile(pattern) if pattern else None)
        except re.error as e:
            parser.error(f"--{name} {pattern!r}: not a regular expression: {e}")
    args.libraries = settings.get("libraries", [])
    if not (isinstance(args.libraries, list) and all(isinstance(n, str) for n in args.libraries)):
        parser.error("[tool.autocond] in pyproject.toml: `libraries` must be a list of package names")


def _settings(paths: list[str]) -> dict[str, Any]:
    """The `[tool.autocond]` table of the `pyproject.toml` nearest above the paths given (the
    directory they share, or a parent of it), as black finds its own."""
    given = [os.path.abspath(p) for p in paths if p != _STDIN] or [os.getcwd()]
    directory = os.path.commonpath([p if os.path.isdir(p) else os.path.dirname(p) for p in given])
    while True:
        candidate = os.path.join(directory, "pyproject.toml")
        if os.path.isfile(candidate):
            with open(candidate, "rb") as f:
                return tomllib.load(f).get("tool", {}).get("autocond", {})
        parent = os.path.dirname(directory)
        if parent == directory:
            return {}
        directory = parent


def _destinations(args: argparse.Namespace, files: list[str]) -> list[str | None]:
    """Where each file's conversion is written: the file itself, a path under `-o`, or nowhere."""
    if args.in_place:
        return list(files)
    if not args.output:
        return [None] * len(files)
    if len(args.paths) == 1 and not os.path.isdir(args.paths[0]) and not os.path.isdir(args.output):
        return [args.output]
    paths = [os.path.abspath(p) for p in args.paths]
    base = os.path.commonpath([p if os.path.isdir(p) else os.path.dirname(p) for p in paths])
    return [os.path.join(args.output, os.path.relpath(os.path.abspath(f), base)) for f in files]


def _read(path: str) -> bytes:
    if path == _STDIN:
        return sys.stdin.buffer.read()
    if os.path.exists(path) and not os.path.isfile(path):  # a FIFO or device would block or never end
        raise _FileError("not a regular file")
    with open(path, "rb") as f:
        return f.read()


def _decode(data: bytes) -> tuple[str, str]:
    """`data`'s text and encoding: that of its PEP 263 coding comment, or UTF-8 (`utf-8-sig`
    where it starts with a byte order mark, which encoding the text again keeps)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding), encoding
    except (SyntaxError, UnicodeDecodeError) as e:
        raise _FileError(f"cannot decode: {e}") from None


def _verify(text: str, path: str) -> None:
    """Raise unless `text` compiles: the converted code is never written broken."""
    try:
        compile(text, path, "exec", dont_inherit=True)
    except SyntaxError as e:
        raise _FileError(f"internal error, nothing written: the converted code does not compile: "
                         f"line {e.lineno}: {e.msg}") from None


def _write(path: str, data: bytes, mode: int, owner: tuple[int, int] | None = None) -> None:
    """Replace the file at `path` (through links) with `data`, atomically: a temporary file in
    the same directory, flushed to disk, then renamed over it; `path` is whole at any time. It
    gets the permissions `mode`, and the `owner` (user, group) of the file it replaces."""
    path = os.path.realpath(path)
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".autocond")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temporary, mode)
        if owner is not None and hasattr(os, "getuid") and owner != (os.getuid(), os.getgid()):
            os.chown(temporary, *owner)  # root rewriting another user's file
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def _mode(path: str) -> int:
    """The permissions of the file at `path`; for standard input, those of a new file."""
    if path != _STDIN:
        return stat.S_IMODE(os.stat(path).st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _diff(path: str, old: str, new: str) -> str:
    lines = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True), path, path)
    no_newline = "\n\\ No newline at end of file\n"
    return "".join(line if line.endswith("\n") else line + no_newline for line in lines)


def _problem(path: str, e: Exception) -> str:
    """The line that reports `e`, met converting the file at `path`."""
    if isinstance(e, SyntaxError) and e.lineno:
        return f"{path}:{e.lineno}:{e.offset or 1}: {e.msg}"
    if isinstance(e, OSError) and e.strerror:
        return f"{path}: {e.strerror}"
    if isinstance(e, (_FileError, errors.ConversionError, SyntaxError, OSError)):
        return f"{path}: {e}"
    return f"{path}: internal error, please report it: {type(e).__name__}: {e}"


class _Report:
    """Messages on standard error, counts, and in a `terminal` progress bars: of the files
    (when there are many), and of a long file's lines."""

    def __init__(self, total: int, terminal: bool, quiet: bool = False):
        self.total, self.terminal, self.quiet = total, terminal, quiet
        self.bar = terminal and total >= PROGRESS_BAR_FILES
        self.counts = {"converted": 0, "unchanged": 0, "failed": 0}
        self._within = ""  # the progress in a long file, drawn after the bar

    def within(self, name: str, lines: int) -> Callable[[int], None] | None:
        """What to tell of the progress (the line reached) converting `name`, of `lines`
        lines, if it is long enough to show; `count` clears it."""
        if not self.terminal or lines < PROGRESS_BAR_LINES:
            return None

        def reached(line: int) -> None:
            self._clear()
            self._within = f"{name}: line {line:,} of {lines:,}"
            self._draw()

        return reached

    def say(self, message: str, news: bool = False) -> None:
        """Tell `message`; unless `--quiet` where it is `news` (a file converted, the summary)."""
        if news and self.quiet:
            return
        self._clear()
        print(message, file=sys.stderr)
        self._draw()

    def count(self, outcome: str) -> None:
        self._clear()
        self._within = ""
        self.counts[outcome] += 1
        self._draw()

    def finish(self, check: bool) -> None:
        self._clear()
        if not self.quiet:
            print(_summary(**self.counts, check=check), file=sys.stderr)

    def _line(self) -> str:
        done = sum(self.counts.values())
        filled = _BAR_WIDTH * done // self.total if self.bar else 0
        bar = f"[{'#' * filled}{' ' * (_BAR_WIDTH - filled)}] {done}/{self.total}" if self.bar else ""
        return "  ".join(part for part in (bar, self._within) if part)

    def _draw(self) -> None:
        if self._line():
            sys.stderr.write("\r" + self._line())
            sys.stderr.flush()

    def _clear(self) -> None:
        if self._line():
            sys.stderr.write("\r" + " " * len(self._line()) + "\r")


def _summary(converted: int, unchanged: int, failed: int, check: bool = False) -> str:
    """The last line: `3 files converted, 5 unchanged, 1 failed`, leaving out zeros."""
    parts = [(converted, "would be converted" if check else "converted"), (unchanged, "unchanged"),
             (failed, "failed")]
    parts = [(n, what) for n, what in parts if n]
    if not parts:
        return "no Python files found"
    (n, what), rest = parts[0], parts[1:]
    return ", ".join([f"{n} file{'s' if n != 1 else ''} {what}"] + [f"{n} {what}" for n, what in rest])


def _convert(path: str, destination: str | None, args: argparse.Namespace, report: _Report,
             defined: set[str]) -> str:
    """Convert the file at `path` as `args` ask; its outcome: converted, unchanged or failed.
    Where `args` choose functions by name, adds the names the file defines to `defined`."""
    name = (args.stdin_filename or "<stdin>") if path == _STDIN else path
    try:
        data = _read(path)
        text, encoding = _decode(data)
        if args.functions:
            defined |= function_names(text, name)
        new = transform_source(text, name, functions=args.functions, all_functions=args.all_functions,
                               libraries=args.libraries, progress=report.within(name, text.count("\n")))
        changed = new != text
        if changed:
            _verify(new, name)
        output = new.encode(encoding) if changed else data
        if args.diff:
            sys.stdout.write(_diff(name, text, new))
        elif destination is None and not args.check:
            sys.stdout.flush()
            sys.stdout.buffer.write(output)
            sys.stdout.buffer.flush()
        elif destination is not None and (changed or not args.in_place):
            owner = None
            if args.in_place:
                status = os.stat(path)
                if not status.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
                    raise _FileError("read-only: not rewritten (make it writable to convert it in place)")
                owner = (status.st_uid, status.st_gid)
            _write(destination, output, _mode(path), owner)
    except Exception as e:
        report.say(_problem(name, e))
        return "failed"
    if changed and (args.check or args.in_place or args.output):
        report.say(f"{'would convert' if args.check else 'converted'} {name}", news=True)
    return "converted" if changed else "unchanged"


def main(argv: list[str] | None = None) -> int:
    """Run the command with the arguments `argv` (default: the process's); the exit status."""
    parser, convert = _parsers()
    try:
        args = parser.parse_args(argv)
        problem = _usage_problem(args)
        if problem:
            convert.error(problem)
        _configure(args, convert)
    except SystemExit as exit:
        return USAGE if exit.code else OK
    files = _files(args.paths, args.output, args.exclude, args.extend_exclude)
    quiet_stdout = args.in_place or args.output or args.check  # the modes a progress bar cannot disturb
    report = _Report(len(files), bool(quiet_stdout) and sys.stderr.isatty() and not args.quiet, args.quiet)
    defined = set()
    try:
        for path, destination in zip(files, _destinations(args, files)):
            report.count(_convert(path, destination, args, report, defined))
    except KeyboardInterrupt:  # each file is written whole or not at all
        report.say("Aborted!")
        return ABORTED
    # Not told where some file failed: the name may be in that file.
    missing = [] if report.counts["failed"] else [name for name in args.functions if name not in defined]
    for name in missing:
        report.say(f"error: -f {name}: no function `{name}` in the files given; "
                   "name a function (`step`) or a method (`Model.step`)")
    report.finish(args.check)
    if report.counts["failed"]:
        return FAILED
    if missing:
        return USAGE
    return CHANGED if args.check and report.counts["converted"] else OK
