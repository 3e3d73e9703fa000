from django.urls import path

from monographs.caching import cached_public_page
from monographs.feeds import ReviewedFeed
from monographs.views import api, public, search

app_name = "monographs"

urlpatterns = [
    path("", public.home, name="home"),
    path("drugs/", public.drug_index, name="drug_index"),
    path("drugs/<slug:slug>/", public.drug_detail, name="drug_detail"),
    path("drugs/<slug:slug>/changes/", public.drug_changes, name="drug_changes"),
    path("classes/", public.class_list, name="class_list"),
    path("classes/<slug:slug>/", public.class_detail, name="class_detail"),
    path("about/editorial-policy/", public.editorial_policy, name="editorial_policy"),
    path("search/", search.search, name="search"),
    path(
        "feeds/reviewed.atom",
        cached_public_page(ReviewedFeed(), params=()),
        name="feed_reviewed",
    ),
    path("api/drugs/", api.drug_list, name="api_drugs"),
    path("api/drugs/<slug:slug>/", api.drug_detail, name="api_drug"),
]
