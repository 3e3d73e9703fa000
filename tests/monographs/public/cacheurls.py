"""A URLconf of test views behind `cached_public_page`, for the page cache's own tests."""

from django.http import HttpResponse
from django.urls import path

from monographs.public.page_cache import cached_public_page

calls: list[str] = []


@cached_public_page
def personal(request):
    calls.append("personal")
    request.session.get("anything")  # a page that reads the session may be personal
    return HttpResponse("hello")


@cached_public_page
def echo(request):
    calls.append("echo")
    return HttpResponse(request.method)


urlpatterns = [
    path("personal/", personal),
    path("echo/", echo),
]
