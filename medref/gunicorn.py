"""gunicorn's configuration for MedRef: `gunicorn -c python:medref.gunicorn medref.wsgi`.

gunicorn reads the number of workers from WEB_CONCURRENCY, which is also where
`manage.py check --deploy` looks for it (monographs/checks.py): set it there, not with --workers.
"""

from gunicorn.http import wsgi

# gunicorn names itself in a Server header on every response and has no setting to leave it
# out; nothing needs it, and it tells a scanner which server's flaws to try.
_default_headers = wsgi.Response.default_headers


def _default_headers_without_server(self):
    return [header for header in _default_headers(self) if not header.startswith("Server:")]


wsgi.Response.default_headers = _default_headers_without_server
