"""Hypothesis profiles for the property tests, chosen by `AUTOCOND_HYPOTHESIS_PROFILE`.

- `ci` (the default): 100 examples a test, a few minutes on two cores, for every CI run; no
  example database, so a run writes nothing to the checkout. A failure prints a
  `@reproduce_failure` blob.
- `dev`: hypothesis' default number of examples, with the example database (`.hypothesis/`),
  so a failure found once is replayed first on the next run.
- `thorough`: 10,000 examples a test, to hunt for bugs (hours on two cores).

`AUTOCOND_HYPOTHESIS_SHARDS=N` gives each test a profile's examples divided by N, for N
processes run side by side, each with its own `--hypothesis-seed`.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# Each example compiles a few XLA programs, so examples are slow and no deadline applies.
# hypothesmith's strategies often pass hypothesis' depth limit, and those draws count as
# filtered out, so the check on filtering is off too.
_slow = dict(deadline=None, print_blob=True,
             suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                    HealthCheck.filter_too_much])

_shards = int(os.environ.get("AUTOCOND_HYPOTHESIS_SHARDS", "1"))


def _examples(total: int) -> int:
    return -(-total // _shards)  # rounded up: the shards try at least `total` between them


settings.register_profile("ci", max_examples=_examples(100), database=None, **_slow)
settings.register_profile("dev", max_examples=_examples(100), **_slow)
settings.register_profile("thorough", max_examples=_examples(10_000), **_slow)
settings.load_profile(os.environ.get("AUTOCOND_HYPOTHESIS_PROFILE", "ci"))
