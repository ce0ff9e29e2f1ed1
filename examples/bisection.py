"""A bisection root finder with `while True: ... break`, converted and run under autocond.jit.

The loop leaves as soon as the bracket is narrow enough, a data-dependent exit that plain
`jax.jit` rejects (`TracerBoolConversionError`) and that `lax.while_loop` would need the loop
rewritten for. autocond keeps the Python and makes it one `lax.while_loop`.
"""

import jax.numpy as jnp
import numpy as np

import autocond


def cubic(x, c):
    return x**3 - 2.0 * x - c


def bisect(c, low, high, tol):
    steps = 0
    while True:
        mid = (low + high) / 2
        if cubic(low, c) * cubic(mid, c) <= 0:
            high = mid
        else:
            low = mid
        steps += 1
        if high - low < tol:
            break
    return (low + high) / 2, steps


def main() -> int:
    solve = autocond.jit(bisect)
    failures = 0
    for c in (1.0, 5.0, -3.0):
        args = (jnp.float32(c), jnp.float32(-3.0), jnp.float32(3.0), jnp.float32(1e-5))
        want = bisect(*args)  # plain Python, on concrete arrays
        got = solve(*args)
        same = np.isclose(want[0], got[0], rtol=1e-6) and int(want[1]) == int(got[1])
        failures += not same
        print(f"c={c:+.1f}  root={float(got[0]):+.6f}  steps={int(got[1])}  residual="
              f"{float(cubic(got[0], c)):+.1e}  {'matches plain Python' if same else 'MISMATCH'}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
