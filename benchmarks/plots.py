"""Draw the benchmark plots the docs show (docs/benchmarks.md) from fresh measurements.

    pip install -e . -r benchmarks/requirements.txt
    python benchmarks/plots.py     # writes docs/plots/*.png (--quick: fewer sizes and repeats;
                                   # --out DIR: elsewhere)

Each plot names the machine, the versions and the date it was made on. The measurements are
`run.py`'s own (its functions, one process), drawn, and printed as they are made.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import importlib.util
import os
import pathlib
import platform
import statistics
import sys
import tempfile
from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp
import matplotlib
from jax import lax

matplotlib.use("Agg")  # files only, whatever the machine has for a display
import matplotlib.pyplot as plt  # noqa: E402
import run  # noqa: E402  (benchmarks/run.py, beside this file)

import autocond  # noqa: E402

_PLOTS = pathlib.Path(__file__).resolve().parent.parent / "docs" / "plots"  # what the docs show


def _stamp() -> str:
    """The machine, versions and date, for the foot of each plot."""
    versions = [f"python {platform.python_version()}", f"jax {jax.__version__}",
                f"autocond {importlib.metadata.version('autocond')}"]
    if importlib.util.find_spec("malt") is not None:
        versions.append(f"diastatic-malt {importlib.metadata.version('diastatic-malt')}")
    device = jax.devices()[0]
    return (f"{platform.machine()}, {os.cpu_count()} CPU cores, {jax.default_backend()} "
            f"({device.device_kind}); {', '.join(versions)}; {datetime.date.today().isoformat()}")


def _save(fig: plt.Figure, path: pathlib.Path) -> None:
    fig.text(0.01, 0.01, _stamp(), fontsize=7, color="0.4")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(f"wrote {path}")


def _range_loop_lax(n: int) -> Callable:
    def body(x):
        return lax.fori_loop(0, n, lambda i, x: jnp.sin(x) + i, x)

    return body


def first_call(quick: bool, out: pathlib.Path) -> None:
    sizes = (10, 100, 300) if quick else (10, 30, 100, 300, 1000)
    x = jnp.ones((8,), jnp.float32)
    ways = [("autocond.jit", autocond.jit, run._range_loop_fn),
            ("jax.jit (unrolled)", jax.jit, run._range_loop_fn),
            ("hand-written lax.fori_loop", jax.jit, _range_loop_lax)]
    reps = 3 if quick else 5
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for label, jit, make in ways:
        run._compile_seconds(jit, 3, x, make)  # warm up
        seconds = [statistics.median(sum(run._compile_seconds(jit, n, x, make)) for _ in range(reps))
                   for n in sizes]
        ax.plot(sizes, seconds, marker="o", label=label)
        print(f"  {label}: " + ", ".join(f"N={n} {s:.3f} s" for n, s in zip(sizes, seconds)))
    ax.set(xscale="log", yscale="log", xlabel="N (trips of `for i in range(N)`)",
           ylabel="first call: trace + lower + compile (s)",
           title="First call of `for i in range(N): x = jnp.sin(x) + i`")
    ax.legend()
    _save(fig, out / "first_call.png")


def conversion(quick: bool, out: pathlib.Path) -> None:
    sizes = (10, 30, 100) if quick else (10, 30, 100, 300, 1000)
    converters: list[tuple[str, Callable]] = [("autocond.convert", autocond.convert)]
    if importlib.util.find_spec("malt") is not None:
        converters.append(("diastatic-malt (malt.to_graph)", run._malt_convert))
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for label, convert in converters:
        for returns, style in ((False, "-"), (True, "--")):
            lines, seconds = [], []
            for n in sizes:
                source = run.sized_function(n, returns, 1)
                lines.append(source.count("\n") - 2)
                seconds.append(run._first_conversion_seconds(convert, source, 3 if quick or n > 100 else 5))
            label_ = f"{label}{', early returns' if returns else ''}"
            ax.plot(lines, seconds, style, marker="o", label=label_)
            print(f"  {label_}: " + ", ".join(f"{n} lines {1e3 * s:.1f} ms" for n, s in zip(lines, seconds)))
    ax.set(xscale="log", yscale="log", xlabel="lines of the function", ylabel="first conversion (s)",
           title="Conversion time against function size")
    ax.legend(fontsize=8)
    _save(fig, out / "conversion.png")


def programs(quick: bool, out: pathlib.Path) -> None:
    rounds = 5 if quick else 21
    names: list[str] = []
    trace_ratios: list[float] = []
    equation_ratios: list[float] = []
    with tempfile.TemporaryDirectory() as directory:
        for what, fn, hand, x in run._programs(directory):
            converted = autocond.convert(fn)
            ours, theirs = run._trace_seconds([converted, hand], [x], rounds)
            names.append(what.split(" / ")[0])
            trace_ratios.append(ours / theirs)
            equation_ratios.append(run.equation_counts(converted, x)[1] / run.equation_counts(hand, x)[1])
            print(f"  {names[-1]}: trace {trace_ratios[-1]:.2f}x, equations {equation_ratios[-1]:.2f}x")
    fig, ax = plt.subplots(figsize=(7.5, 5.0))
    rows = range(len(names))
    ax.barh([r - 0.2 for r in rows], trace_ratios, height=0.4, label="trace time")
    ax.barh([r + 0.2 for r in rows], equation_ratios, height=0.4, label="jaxpr equations (all levels)")
    ax.axvline(1.0, color="0.3", linewidth=0.8)
    ax.set_yticks(list(rows), names, fontsize=8)
    ax.invert_yaxis()
    ax.set(xlabel="autocond / hand-written lax (1 = the same)",
           title="Against the same programs written by hand")
    ax.legend(fontsize=8)
    _save(fig, out / "programs.png")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer sizes and repeats")
    parser.add_argument("--out", type=pathlib.Path, default=_PLOTS, help=f"where to write them ({_PLOTS})")
    args = parser.parse_args(argv)
    for plot in (first_call, conversion, programs):
        plot(args.quick, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
