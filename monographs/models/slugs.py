from django.db import models

from monographs.models.drugs import Drug


class RetiredSlugQuerySet(models.QuerySet):
    def current_slug(self, slug: str) -> str | None:
        """Where the monograph once published at `slug` is published now (None if nowhere)."""
        return (
            self.filter(slug=slug, drug__search_document__isnull=False)
            .values_list("drug__search_document__slug", flat=True)
            .first()
        )


class RetiredSlug(models.Model):
    """A slug a monograph was published under before a reviewed rename: its old URLs redirect.

    Written only on publication (`monographs.publication.publication_changed`). A slug that a
    published monograph has now always wins over a retired one, so another monograph may take
    a retired slug; it then stops redirecting.
    """

    slug = models.SlugField(max_length=200, unique=True)
    drug = models.ForeignKey(Drug, on_delete=models.CASCADE, related_name="retired_slugs")
    retired_at = models.DateTimeField(auto_now=True)

    objects = RetiredSlugQuerySet.as_manager()

    def __str__(self):
        return self.slug
