"""Production settings plus the benchmark floor's route: what `bench/run.py` serves."""

from medref.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
