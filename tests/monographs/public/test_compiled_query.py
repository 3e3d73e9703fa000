import pytest
from django.db.models import Value
from django.db.models.functions import Concat

from monographs.models import Drug
from monographs.public.compiled_query import CompiledQuery
from tests.monographs.public.publicsite import published


@pytest.mark.django_db
class CompiledQueryTests:
    def test_gives_what_the_queryset_gives(self, contributor, reviewer):
        """Rows, names and converted values match the ordinary values() query."""
        drug = published("Prepared", contributor=contributor, reviewer=reviewer)
        query = CompiledQuery(
            Drug,
            lambda slug: Drug.objects.filter(slug=slug).values(
                "pk", "name", "published_revision__approved_at"
            ),
            slug=str,
        )
        expected = list(
            Drug.objects.filter(slug=drug.slug).values(
                "pk", "name", "published_revision__approved_at"
            )
        )
        assert query.dicts(slug=drug.slug) == expected
        assert query.dicts(slug="nothing") == []
        assert query.dicts(slug=drug.slug)[0]["published_revision__approved_at"].tzinfo

    def test_arguments_change_between_runs(self, contributor, reviewer):
        """The SQL is compiled once; each run uses its own arguments."""
        first = published("First", contributor=contributor, reviewer=reviewer)
        second = published("Second", contributor=contributor, reviewer=reviewer)
        query = CompiledQuery(
            Drug,
            lambda pk: Drug.objects.filter(pk=pk).values_list("name"),
            pk=int,
        )
        assert query.rows(pk=first.pk) == [["First"]]
        assert query.rows(pk=second.pk) == [["Second"]]

    def test_literal_percent_signs_survive(self, contributor, reviewer):
        """A % in the SQL itself is not mistaken for a placeholder."""
        drug = published("Percent", contributor=contributor, reviewer=reviewer)
        query = CompiledQuery(
            Drug,
            lambda slug: (
                Drug.objects.filter(slug=slug)
                .annotate(label=Concat("name", Value(" 100%")))
                .values_list("label")
            ),
            slug=str,
        )
        assert query.rows(slug=drug.slug) == [["Percent 100%"]]

    def test_refuses_arguments_the_sql_transforms(self, db):
        """A lookup that rewrites its argument (a LIKE pattern) cannot be prepared."""
        query = CompiledQuery(
            Drug, lambda text: Drug.objects.filter(name__icontains=text).values("pk"), text=str
        )
        with pytest.raises(ValueError, match="unchanged"):
            query.rows(text="x")
