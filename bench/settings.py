"""Production settings plus the benchmark floor's route: what `bench/run.py` serves."""

from medref.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

# One client (wrk) asks for suggestions thousands of times a minute: measure them, not the 429s.
MEDREF_SUGGEST_RATE = "1000000/m"
