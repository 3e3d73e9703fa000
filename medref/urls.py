from django.contrib import admin
from django.urls import include, path

from monographs.admin_views import markdown_preview
from monographs.public.crawlers import robots_txt, sitemap_xml
from reviews.views import report_problem, reviewer_page, shared_revision

urlpatterns = [
    # markdownx's own endpoints check no login and sanitize nothing: ours replace them.
    path("admin/markdown-preview/", markdown_preview, name="markdownx_markdownify"),
    path("admin/", admin.site.urls),
    path("sitemap.xml", sitemap_xml, name="sitemap"),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("review-links/<str:token>/", shared_revision, name="review_link"),
    path("reviewers/<slug:slug>/", reviewer_page, name="reviewer_page"),
    path("drugs/<slug:slug>/report/", report_problem, name="report_problem"),
    path("", include("monographs.public.urls")),
]
