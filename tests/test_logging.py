"""What the server logs under `make run`: each record once."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

EMIT = """
import logging, django
django.setup()
logging.getLogger("django.request").warning("a Django warning")
logging.getLogger("monographs").warning("a MedRef warning")
logging.getLogger("django.server").info("GET /drugs/ 200", extra={"status_code": 200})
"""


def test_each_log_record_is_printed_once():
    """Under DEBUG, Django's records reach the console once, not twice."""
    env = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "medref.settings"}
    result = subprocess.run(  # noqa: S603 — our own interpreter and a fixed script
        [sys.executable, "-c", EMIT], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    lines = result.stderr.splitlines()
    assert lines.count("a Django warning") == 1
    assert lines.count("a MedRef warning") == 1
    request_lines = [line for line in lines if "GET /drugs/ 200" in line]
    assert len(request_lines) == 1
    assert request_lines[0].startswith("[")  # runserver's own format, with the time
