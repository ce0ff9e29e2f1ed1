"""The acceptance example: a Python `if` on a traced value, under `autocond.jit`.

Under plain `jax.jit`, `if x > threshold` raises `TracerBoolConversionError`: `x` is traced, so
Python cannot tell which branch to run. `autocond.jit` turns the `if` into `lax.cond` at trace
time, so no argument has to be marked static.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

import autocond


def conditional_double(x, threshold):
    if x > threshold:
        return x * 2
    else:
        return x


def main() -> int:
    jitted = autocond.jit(conditional_double)  # traced `threshold`: one compiled program
    static = autocond.jit(conditional_double, static_argnames="threshold")  # as with jax.jit
    failures = 0
    for x, threshold, expected in [(5.0, 0.0, 10.0), (-2.0, 0.0, -2.0)]:
        x = jnp.array(x)
        python = conditional_double(x, threshold=threshold)  # plain Python on a concrete array
        for name, fn in [("autocond.jit", jitted), ("autocond.jit, static threshold", static)]:
            got = fn(x, threshold=threshold)
            ok = np.allclose(got, python) and np.allclose(got, expected)
            failures += not ok
            print(f"{name:31} conditional_double({float(x):4}, threshold={threshold}) = {float(got):5}"
                  f"   plain Python: {float(python):5}   {'ok' if ok else 'MISMATCH'}")
    try:
        jax.jit(conditional_double)(jnp.array(5.0), threshold=0.0)
        print("\nplain jax.jit: no error (unexpected)")
    except jax.errors.TracerBoolConversionError:
        print("\nplain jax.jit raises TracerBoolConversionError here; autocond.jit does not")
    print("\nautocond.to_source(conditional_double):\n")
    print(autocond.to_source(conditional_double))
    print("\nautocond.explain(conditional_double, jnp.array(5.0), threshold=0.0): what each line became\n")
    print(autocond.explain(conditional_double, jnp.array(5.0), threshold=0.0))
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
