"""A thermostat as a state machine: `match` on a traced integer mode, under autocond.jit.

Each step the controller is OFF, HEATING or COOLING, and switches mode when the temperature
leaves its band. Plain `jax.jit` rejects the `match` on a traced mode; autocond makes it one
`lax.switch` per step (the cases' index computed so any other mode keeps Python's meaning),
inside one `scan` over the time steps, with `and`/`or` in the tests.
"""

import jax
import jax.numpy as jnp
import numpy as np

import autocond

OFF, HEATING, COOLING = 0, 1, 2


def simulate(temperature, outside, mode, steps):
    log = []
    for t in range(steps):
        match mode:
            case 0:  # OFF: drift towards the outside temperature
                temperature = temperature + 0.1 * (outside[t] - temperature)
                if temperature < 18.0 or temperature > 24.0:
                    mode = 1 if temperature < 18.0 else 2
            case 1:  # HEATING
                temperature = temperature + 0.5
                if temperature >= 21.0 and outside[t] < 21.0:
                    mode = 0
            case _:  # COOLING
                temperature = temperature - 0.5
                if temperature <= 21.0:
                    mode = 0
        log.append(temperature)
    return jnp.stack(log), mode


def main() -> int:
    steps = 96
    outside = jnp.asarray(15.0 + 12.0 * np.sin(np.linspace(0.0, 2 * np.pi, steps)), jnp.float32)
    args = (jnp.float32(20.0), outside, jnp.int32(OFF))
    want = simulate(*args, steps)  # plain Python, step by step on concrete arrays
    got = autocond.jit(simulate, static_argnames="steps")(*args, steps=steps)
    same = np.allclose(want[0], got[0], atol=1e-4) and int(want[1]) == int(got[1])
    jaxpr = jax.make_jaxpr(autocond.convert(simulate), static_argnums=3)(*args, steps).jaxpr
    (scan,) = [eqn for eqn in jaxpr.eqns if eqn.primitive.name == "scan"]
    switch = max(len(eqn.params["branches"]) for eqn in scan.params["jaxpr"].eqns
                 if eqn.primitive.name == "cond")
    print(f"{steps} steps: temperature {float(got[0].min()):.1f}..{float(got[0].max()):.1f} C, "
          f"final mode {int(got[1])}: {'matches plain Python' if same else 'MISMATCH'}")
    print(f"one scan over the steps; the `match` in its body is one {switch}-way switch")
    return 0 if same and switch == 3 else 1


if __name__ == "__main__":
    raise SystemExit(main())
