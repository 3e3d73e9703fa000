from django.contrib import admin
from django.urls import include, path

from monographs.views.editor import markdown_preview

urlpatterns = [
    # markdownx's own endpoints check no login and sanitize nothing: ours replace them.
    path("admin/markdown-preview/", markdown_preview, name="markdownx_markdownify"),
    path("admin/", admin.site.urls),
    path("", include("monographs.urls")),
]
