from django.urls import path

from monographs.views import public, search

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
]
