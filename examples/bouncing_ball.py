"""A bouncing ball: a trajectory built with `append`, a traced `if` per step, under autocond.jit.

Each step integrates gravity and, when the ball is below the floor, reflects it with some
energy lost. Under plain `jax.jit` the `if` fails (`TracerBoolConversionError`), and the
Python loop would unroll every step into the program. autocond makes the loop over the time
steps one `scan`, with a `lax.cond` in its body, whose stacked outputs are the appended
heights.
"""

import jax
import jax.numpy as jnp
import numpy as np

import autocond


def simulate(height, velocity, dts, restitution):
    heights = []
    for dt in dts:
        velocity = velocity - 9.81 * dt
        height = height + velocity * dt
        if height < 0.0:  # bounce: reflect, losing energy
            height = -height * restitution
            velocity = -velocity * restitution
        heights.append(height)
    return jnp.stack(heights), velocity


def main() -> int:
    dts = jnp.full(200, 0.01, jnp.float32)
    args = (jnp.float32(2.0), jnp.float32(0.0), dts, jnp.float32(0.8))
    want = simulate(*args)  # plain Python, step by step on concrete arrays
    got = autocond.jit(simulate)(*args)
    same = np.allclose(want[0], got[0], rtol=1e-5, atol=1e-5) and np.isclose(want[1], got[1], atol=1e-5)
    primitives = [eqn.primitive.name for eqn in jax.make_jaxpr(autocond.convert(simulate))(*args).eqns]
    bounces = int(np.sum(np.diff(np.sign(np.diff(np.asarray(got[0])))) > 0))
    print(f"{dts.shape[0]} steps, {bounces} bounces, final height {float(got[0][-1]):.4f} m, "
          f"velocity {float(got[1]):+.4f} m/s: {'matches plain Python' if same else 'MISMATCH'}")
    print(f"one loop: {primitives.count('scan')} scan, {primitives.count('cond')} cond outside it")
    return 0 if same and primitives.count("scan") == 1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
