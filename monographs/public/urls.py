from django.urls import path

from monographs.public import api, changes, directory, monograph, openapi, search
from monographs.public.feeds import ReviewedFeed, drug_changes_feed
from monographs.public.page_cache import cached_public_page

app_name = "monographs"

urlpatterns = [
    path("", directory.home, name="home"),
    path("drugs/", directory.drug_index, name="drug_index"),
    path("drugs/<slug:slug>/", monograph.drug_detail, name="drug_detail"),
    path("drugs/<slug:slug>/changes/", changes.drug_changes, name="drug_changes"),
    path("drugs/<slug:slug>/changes.atom", drug_changes_feed, name="drug_changes_feed"),
    path("classes/", directory.class_list, name="class_list"),
    path("classes/<slug:slug>/", directory.class_detail, name="class_detail"),
    path("about/editorial-policy/", directory.editorial_policy, name="editorial_policy"),
    path("search/", search.search, name="search"),
    path("search/suggest/", search.search_suggest, name="search_suggest"),
    path(
        "feeds/reviewed.atom",
        cached_public_page(ReviewedFeed(), params=()),
        name="feed_reviewed",
    ),
    path("api/", openapi.api_docs, name="api_docs"),
    path("api/openapi.json", openapi.openapi_json, name="api_openapi"),
    path("api/drugs/", api.drug_list, name="api_drugs"),
    path("api/drugs/<slug:slug>/", api.drug_detail, name="api_drug"),
]
