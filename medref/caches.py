"""MedRef's cache backends: Django's, minus two costs that showed on every public page.

Every cache operation first checks its key for memcached compatibility (a Python loop over
each character, ~5 µs for a 60-character key) and only ever warns. MedRef's keys are fixed
prefixes with digests or numbers, and neither backend is memcached, so the check is skipped:
the monograph page reads three to five keys per request.

Django's RedisCache also builds a new `redis.Redis` client for every operation. Building one
fills its table of response callbacks (about 0.2 ms with redis-py 8), which was a third of the
time of serving a page from the cache. Clients are safe to share: connections come from the
pool.
"""

from django.core.cache.backends import locmem, redis


class _TrustedKeys:
    def validate_key(self, key):
        """MedRef builds every key itself; nothing to warn about (see the module docstring)."""


class LocMemCache(_TrustedKeys, locmem.LocMemCache):
    pass


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class RedisCache(_TrustedKeys, redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
