"""A safeguarded Newton root finder, converted and run under autocond.jit.

It checks its bracket with `raise`, keeps each Newton step inside the bracket with `max` and
`min` (falling back to bisection), counts sign changes of a grid with `sum` over a filtered
generator, and leaves its `while True:` loop by `return`. Under plain `jax.jit` each of these
stops at `TracerBoolConversionError`; autocond keeps the Python: one `lax.while_loop`, and a
failed argument check raises `ValueError` when the compiled program runs.
"""

import jax
import jax.numpy as jnp
import numpy as np

import autocond


def f(x, c):
    return x**3 - 2.0 * x - c


def df(x):
    return 3.0 * x**2 - 2.0


def sign_changes(c, low, high):
    grid = [low + (high - low) * k / 8 for k in range(9)]
    return sum(1 for a, b in zip(grid, grid[1:]) if f(a, c) * f(b, c) < 0)


def solve(c, low, high, tol):
    f_low, f_high = f(low, c), f(high, c)
    if f_low * f_high > 0:
        raise ValueError("root not bracketed")
    roots = sign_changes(c, low, high)  # a lower bound on how many roots the bracket holds
    steps = 0
    x = (low + high) / 2
    while True:
        fx = f(x, c)
        if abs(fx) < tol or steps == 50:
            return x, steps, roots
        if f_low * fx < 0:  # the root is in [low, x]
            high = x
        else:
            low, f_low = x, fx
        newton = x - fx / df(x)
        inside = max(low, min(newton, high))  # clamped to the bracket
        x = inside if low < inside < high else (low + high) / 2
        steps += 1


def main() -> int:
    solver = autocond.jit(solve)
    failures = 0
    for c in (1.0, 5.0, -3.0, 0.5):
        args = (jnp.float32(c), jnp.float32(-3.0), jnp.float32(3.0), jnp.float32(1e-5))
        want = solve(*args)  # plain Python, on concrete arrays
        got = solver(*args)
        same = np.isclose(want[0], got[0], atol=1e-5) and int(want[1]) == int(got[1]) and \
            int(want[2]) == int(got[2])
        failures += not same
        print(f"c = {c:5}: root {float(got[0]):+.6f} after {int(got[1])} steps, {int(got[2])} sign "
              f"change(s) on the grid ({'same as' if same else 'DIFFERENT FROM'} plain Python)")
    try:  # no root in [2, 3] for c = -3: the check fails when the program runs
        jax.block_until_ready(solver(*map(jnp.float32, (-3.0, 2.0, 3.0, 1e-5))))
        print("the argument check did not fire")
        failures += 1
    except jax.errors.JaxRuntimeError as e:
        print("unbracketed:", str(e).splitlines()[-1])
    return failures


if __name__ == "__main__":
    raise SystemExit(main())
