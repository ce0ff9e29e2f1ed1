"""Integrating an ODE with ordinary Python loops and branches on traced values.

A harmonic oscillator, x'' = -omega**2 x, integrated two ways:

- `rk4`: classic Runge-Kutta with a step count that is a traced integer, so
  `for _ in range(n_steps)` becomes one `lax.fori_loop` and a new `n_steps` needs no recompile;
- `adaptive_euler`: step doubling with an error estimate, run `while t < t_end` (a traced
  `lax.while_loop`) and an `if`/`elif`/`else` (nested `lax.cond`) that rejects, keeps or grows
  the step.

Each is run under `autocond.jit` and as plain Python on the same concrete inputs; the two must
agree, and both are compared with the exact solution.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

import autocond


def oscillator(state, omega):
    position, velocity = state[0], state[1]
    return jnp.stack([velocity, -omega**2 * position])


def rk4(state, omega, t_end, n_steps):
    dt = t_end / n_steps
    for _ in range(n_steps):
        k1 = oscillator(state, omega)
        k2 = oscillator(state + dt / 2 * k1, omega)
        k3 = oscillator(state + dt / 2 * k2, omega)
        k4 = oscillator(state + dt * k3, omega)
        state = state + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return state


def adaptive_euler(state, omega, t_end, tol):
    t = jnp.zeros_like(t_end)
    dt = t_end / 10
    accepted = 0
    rejected = 0
    while t < t_end:
        dt = jnp.minimum(dt, t_end - t)
        full = state + dt * oscillator(state, omega)
        half = state + dt / 2 * oscillator(state, omega)
        half = half + dt / 2 * oscillator(half, omega)
        error = jnp.max(jnp.abs(full - half))
        if error > 4 * tol:
            dt = dt / 2  # reject the step and retry with half of it
            rejected += 1
        elif error > tol / 4:
            state, t = 2 * half - full, t + dt  # keep the step
            accepted += 1
        else:
            state, t = 2 * half - full, t + dt  # keep it, and try a longer one next
            dt = dt * 2
            accepted += 1
    return state, t, accepted, rejected


def exact(state, omega, t):
    position, velocity = state
    return np.array([position * np.cos(omega * t) + velocity / omega * np.sin(omega * t),
                     -position * omega * np.sin(omega * t) + velocity * np.cos(omega * t)])


def agree(name: str, python, jitted) -> bool:
    """Whether the converted program's result matches plain Python's, leaf by leaf."""
    for p, j in zip(python, jitted, strict=True):
        if np.shape(p) != np.shape(j) or not np.allclose(p, j, rtol=1e-5, atol=1e-6):
            print(f"{name}: MISMATCH, plain Python gave {python}, autocond.jit gave {jitted}")
            return False
    return True


def main() -> int:
    state = jnp.array([1.0, 0.0])
    omega, t_end = jnp.array(2.0), jnp.array(3.0)
    want = exact(np.asarray(state), float(omega), float(t_end))
    ok = True

    rk4_jit = autocond.jit(rk4)
    for n_steps in (10, 40, 160):  # a traced step count: compiled once
        n = jnp.array(n_steps)
        python, jitted = rk4(state, omega, t_end, n), rk4_jit(state, omega, t_end, n)
        ok &= agree(f"rk4 n_steps={n_steps}", [python], [jitted])
        print(f"rk4             n_steps={n_steps:<4}               x(t_end)={float(jitted[0]):+.6f}  "
              f"error vs exact {np.max(np.abs(np.asarray(jitted) - want)):.1e}")

    euler_jit = autocond.jit(adaptive_euler)
    for tol in (1e-3, 1e-4):
        tol = jnp.array(tol)
        python = adaptive_euler(state, omega, t_end, tol)
        jitted = euler_jit(state, omega, t_end, tol)
        ok &= agree(f"adaptive_euler tol={float(tol):g}", python, jitted)
        final, t, accepted, rejected = jitted
        steps = f"{int(accepted)} kept, {int(rejected)} rejected"
        print(f"adaptive_euler  tol={float(tol):<6g} {steps:<20} x(t_end)={float(final[0]):+.6f}  "
              f"error vs exact {np.max(np.abs(np.asarray(final) - want)):.1e}")
    print(f"exact           x(t_end)={want[0]:+.6f}")
    print("autocond.jit agrees with plain Python" if ok else "autocond.jit DISAGREES with plain Python")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
