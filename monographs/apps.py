from django.apps import AppConfig
from django.core import checks
from django.db.backends.signals import connection_created

from monographs.checks import page_cache_shared_by_workers


class MonographsConfig(AppConfig):
    name = "monographs"
    verbose_name = "Monographs"

    def ready(self):
        checks.register(page_cache_shared_by_workers, checks.Tags.caches, deploy=True)
        from monographs.search.sqlite import register_search_functions

        connection_created.connect(register_search_functions)
