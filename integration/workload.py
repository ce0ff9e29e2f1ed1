"""What the integration test runs, on the installed libraries or on their converted copies
(first on `PYTHONPATH`): optax's optimizers on the Rosenbrock function, and an adaptive
diffrax solve. Prints, as JSON, where each library was imported from and the results."""

import json

import diffrax
import jax
import jax.numpy as jnp
import optax


def rosenbrock(p):
    return jnp.sum(100.0 * (p[1:] - p[:-1] ** 2) ** 2 + (1 - p[:-1]) ** 2)


def minimize(optimizer, value_and_grad, steps=40):
    params = jnp.array([-1.2, 1.0, 0.5])
    state = optimizer.init(params)

    @jax.jit
    def step(params, state):
        value, grad = value_and_grad(params, state=state)
        updates, state = optimizer.update(grad, state, params, value=value, grad=grad, value_fn=rosenbrock)
        return optax.apply_updates(params, updates), state

    for _ in range(steps):
        params, state = step(params, state)
    return params.tolist()


def plain_value_and_grad(params, state):
    return jax.value_and_grad(rosenbrock)(params)


def solve():
    term = diffrax.ODETerm(lambda t, y, args: -y * (1 + jnp.sin(t)) + args * jnp.cos(3 * t))
    solution = diffrax.diffeqsolve(
        term, diffrax.Tsit5(), t0=0.0, t1=3.0, dt0=0.1, y0=jnp.array([1.0, 2.0]), args=0.5,
        stepsize_controller=diffrax.PIDController(rtol=1e-6, atol=1e-8),
        saveat=diffrax.SaveAt(ts=jnp.linspace(0.0, 3.0, 4)))
    return {"ys": solution.ys.tolist(), "steps": int(solution.stats["num_steps"])}


results = {
    "files": {"optax": optax.__file__, "diffrax": diffrax.__file__},
    "adam": minimize(optax.adam(1e-2), plain_value_and_grad),
    "scheduled sgd": minimize(optax.inject_hyperparams(optax.sgd)(
        learning_rate=optax.linear_schedule(1e-3, 1e-4, 40)), plain_value_and_grad),
    "clipped adamw": minimize(optax.chain(optax.clip_by_global_norm(1.0), optax.adamw(1e-2)),
                              plain_value_and_grad),
    "lbfgs": minimize(optax.lbfgs(), optax.value_and_grad_from_state(rosenbrock)),
    "diffeqsolve": solve(),
}
print(json.dumps(results))
