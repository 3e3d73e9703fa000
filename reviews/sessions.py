"""Django's session middleware, renewing a used session at most once a minute.

Editorial sessions end after SESSION_COOKIE_AGE without a request. Django's way to renew them,
SESSION_SAVE_EVERY_REQUEST, writes the session row on every request (on SQLite, a write lock per
admin page view) and also saves any session whose cookie came with a request even when nothing
read it: a public page requested with a stale or made-up session cookie would then create a
session row and answer with Set-Cookie and `Vary: Cookie`. Here a session nothing read is left
alone, so public pages stay sessionless whatever cookies they get, and a session a request used
is saved (which moves its expiry to SESSION_COOKIE_AGE from now) when it was last renewed more
than SESSION_RENEW_SECONDS ago: the idle timeout holds to within that much.
"""

import time

from django.conf import settings
from django.contrib.sessions import middleware

RENEWED_AT = "medref_renewed_at"


class SessionMiddleware(middleware.SessionMiddleware):
    def process_response(self, request, response):
        session = getattr(request, "session", None)
        if session is None or not session.accessed:
            return response  # unread, hence unmodified: nothing to save, vary on or delete
        if not session.modified and not session.is_empty():
            now = int(time.time())
            if now - session.get(RENEWED_AT, 0) >= settings.SESSION_RENEW_SECONDS:
                session[RENEWED_AT] = now
        return super().process_response(request, response)
