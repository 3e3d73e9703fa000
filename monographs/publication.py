"""What must follow whenever a drug's published revision changes (publish or unpublish)."""

from django.db import transaction

from monographs.caching import public_pages_changed
from monographs.models import Drug
from monographs.search import search_index_update


def publication_changed(drug: Drug) -> None:
    """Refresh all that derives from what the public sees; call inside the publish transaction."""
    search_index_update(drug)
    transaction.on_commit(public_pages_changed)
