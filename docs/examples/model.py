import jax.numpy as jnp

import autocond


@autocond.jit
def clip_step(x, limit):
    # clip, then smooth
    if x > limit:
        x = limit
    return jnp.sin(x)  # in [-1, 1]
