"""A URLconf with a view that fails, for the 500 page's tests."""

from django.urls import include, path


def broken(request):
    raise RuntimeError("<script>alert('stack')</script> went wrong")


urlpatterns = [
    path("broken/", broken),
    path("", include("medref.urls")),
]
