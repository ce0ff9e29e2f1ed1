"""Run by tests/test_sharding.py in a fresh process with 8 simulated CPU devices: converted
control flow on inputs sharded across them gives the single-device result."""

import os
import sys

os.environ["XLA_FLAGS"] = os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=8"

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from jax.sharding import NamedSharding, PartitionSpec  # noqa: E402

import autocond  # noqa: E402


def step(x, w):
    total = jnp.zeros(x.shape[1])
    for row in x:  # one scan over the rows
        if jnp.dot(row, w) > 0:
            total = total + row
        else:
            total = total - 0.5 * row
    while jnp.abs(total).max() > 10.0:
        total = total * 0.5
    return total, x * 2.0


def main() -> int:
    assert len(jax.devices()) == 8, jax.devices()
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.normal(size=(64, 16)), jnp.float32)
    w = jnp.asarray(rng.normal(size=16), jnp.float32)
    single = jax.jit(autocond.convert(step))(x, w)

    mesh = jax.make_mesh((8,), ("data",), axis_types=(jax.sharding.AxisType.Auto,))
    rows = NamedSharding(mesh, PartitionSpec("data", None))
    replicated = NamedSharding(mesh, PartitionSpec())
    sharded_x = jax.device_put(x, rows)
    ours = autocond.jit(step, in_shardings=(rows, replicated), out_shardings=(replicated, rows))
    total, doubled = ours(sharded_x, w)
    assert len(sharded_x.sharding.device_set) == 8 and doubled.sharding == rows
    np.testing.assert_allclose(total, single[0], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(doubled, single[1])
    print("8 devices: sharded result matches the single-device result")
    return 0


if __name__ == "__main__":
    sys.exit(main())
