"""Production settings plus the benchmark floor's route: what `bench/run.py` serves."""

from medref.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

# The load comes from one address, which the public API's per-address rate limit would refuse.
RATELIMIT_ENABLE = False
