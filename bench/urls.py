"""The site's URLs with the benchmark floor in front of them (`bench.settings` routes these)."""

from django.urls import path

from bench.floor import floor_page
from medref.urls import urlpatterns as site_urlpatterns

# The site's own patterns, not include("medref.urls"): a nested resolver would add a step to
# every page the benchmark measures.
urlpatterns = [
    path("_floor/drugs/<slug:slug>/", floor_page, name="benchmark_floor"),
    *site_urlpatterns,
]
