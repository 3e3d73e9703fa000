from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import CharField, F, Func

from monographs.models.drugs import Drug


class _Initial(Func):
    # The 1s are written into the SQL, not passed as parameters: only then does a query's
    # expression match the index's, for SQLite and PostgreSQL alike.
    template = "UPPER(SUBSTR(%(expressions)s, 1, 1))"
    output_field = CharField()


def name_initial() -> Func:
    """The upper-cased first character of the name: the A-Z index's letter (and its index)."""
    return _Initial("name")


class SearchDocument(models.Model):
    """What search sees of one published monograph, written from its published revision.

    One row per published drug, replaced whenever its publication changes (see
    `monographs.search.search_index_update`); drafts and pending revisions never get here.
    The text columns are plain text (no markup) so snippets can be escaped and highlighted.
    The vector columns are filled on PostgreSQL only and carry GIN indexes created by
    migration; on SQLite, FTS5 tables (`monographs_search_fts`, `monographs_search_names`)
    index the text columns instead, kept in step by triggers on this table (migration 0004:
    a migration that makes Django rebuild this table on SQLite must create them again).

    It is also the list of published monographs that listings read (A-Z, classes, recently
    reviewed): its indexes serve them without touching the long text columns. Its slug is the
    published revision's: the one address public pages, links and lookups use (the working
    copy's slug may be an edit waiting for review).
    """

    drug = models.OneToOneField(
        Drug, primary_key=True, on_delete=models.CASCADE, related_name="search_document"
    )
    slug = models.SlugField(max_length=200, db_index=False)
    name = models.CharField(max_length=200)
    drug_class = models.CharField(max_length=200, blank=True)
    aliases = models.TextField(blank=True, help_text="Generic name, other names and class.")
    body = models.TextField(blank=True, help_text="Section headings and text.")
    faqs = models.TextField(blank=True, help_text="FAQ questions and answers.")
    reviewed_at = models.DateTimeField()
    names_vector = SearchVectorField(null=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        indexes = [
            models.Index(name_initial(), F("name"), name="search_document_initial_name"),
            models.Index(F("reviewed_at").desc(), name="search_document_reviewed_at"),
            models.Index(fields=["drug_class", "name"], name="search_document_class_name"),
            models.Index(fields=["slug"], name="search_document_slug"),
        ]

    def __str__(self):
        return self.name
