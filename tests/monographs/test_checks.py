"""`manage.py check --deploy`: what the page cache needs of the deployment."""

from io import StringIO

import pytest
from django.core.management import call_command

LOCAL_MEMORY = {"default": {"BACKEND": "medref.caches.LocMemCache"}}
REDIS = {"default": {"BACKEND": "medref.caches.RedisCache", "LOCATION": "redis://127.0.0.1:6379/0"}}


def deploy_check_output() -> str:
    """What `manage.py check --deploy --tag caches` prints (other checks judge the test setup)."""
    out, err = StringIO(), StringIO()
    call_command("check", deploy=True, tags=["caches"], stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


class PageCacheWorkersCheckTests:
    def test_warns_with_several_workers_and_a_cache_per_process(self, settings, monkeypatch):
        """Several gunicorn workers on local-memory caches: the deploy check warns and says why."""
        settings.CACHES = LOCAL_MEMORY
        monkeypatch.setenv("WEB_CONCURRENCY", "4")
        output = deploy_check_output()
        assert "monographs.W001" in output
        assert "WEB_CONCURRENCY=4" in output
        assert "REDIS_URL" in output

    @pytest.mark.parametrize("workers", [None, "1"])
    def test_one_worker_is_not_warned_about(self, settings, monkeypatch, workers):
        """One worker (WEB_CONCURRENCY unset or 1) with a per-process cache is fine."""
        settings.CACHES = LOCAL_MEMORY
        if workers is None:
            monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
        else:
            monkeypatch.setenv("WEB_CONCURRENCY", workers)
        assert "monographs.W001" not in deploy_check_output()

    def test_a_shared_cache_is_not_warned_about(self, settings, monkeypatch):
        """Several workers sharing Redis see each other's publishes: no warning."""
        settings.CACHES = REDIS
        monkeypatch.setenv("WEB_CONCURRENCY", "4")
        assert "monographs.W001" not in deploy_check_output()
