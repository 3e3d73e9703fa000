"""Django's session middleware, renewing on every request only the sessions a request used.

With SESSION_SAVE_EVERY_REQUEST Django saves any session whose cookie came with a request, even
when nothing read it: a public page requested with a stale or made-up session cookie would then
create a session row and answer with Set-Cookie and `Vary: Cookie` on every request. Here a
session nothing read is left alone, so public pages stay sessionless whatever cookies they get,
and the admin (which reads the session on every request) still renews it each time.
"""

from django.contrib.sessions import middleware


class SessionMiddleware(middleware.SessionMiddleware):
    def process_response(self, request, response):
        session = getattr(request, "session", None)
        if session is not None and not session.accessed:
            return response  # unread, hence unmodified: nothing to save, vary on or delete
        return super().process_response(request, response)
