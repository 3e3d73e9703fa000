from django.apps import AppConfig
from django.core import checks

from monographs.checks import page_cache_shared_by_workers


class MonographsConfig(AppConfig):
    name = "monographs"
    verbose_name = "Monographs"

    def ready(self):
        checks.register(page_cache_shared_by_workers, checks.Tags.caches, deploy=True)
