import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connections, router, transaction
from django.db.utils import load_backend
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from medref.db_router import PRIMARY, REPLICA
from monographs.models import Drug, FAQItem, Revision, SearchDocument, Section
from monographs.search.routing import reading_backend, writing_backend
from reviews.models import Review
from tests.factories import DrugFactory

ROUTERS = ["medref.db_router.PrimaryReplicaRouter"]


@pytest.fixture
def replica(settings):
    """The router, and a `replica` connection mirroring the test database (as in settings)."""
    settings.DATABASE_ROUTERS = ROUTERS
    if REPLICA in connections.settings:  # DATABASE_REPLICA_URL is set: settings made the mirror
        yield connections[REPLICA]
        return
    default = connections.settings[PRIMARY]
    backend = load_backend(default["ENGINE"])
    connection = backend.DatabaseWrapper({**default, "TEST": {"MIRROR": PRIMARY}}, REPLICA)
    setattr(connections._connections, REPLICA, connection)
    yield connection
    connection.close()
    if hasattr(connection, "close_pool"):
        connection.close_pool()
    delattr(connections._connections, REPLICA)


class RoutingDecisionTests:
    def test_public_models_are_read_from_the_replica(self, replica):
        """Drugs, sections, FAQs, revisions and the search index are read from the replica."""
        for model in (Drug, Section, FAQItem, Revision, SearchDocument):
            assert router.db_for_read(model) == REPLICA

    def test_everything_else_is_read_from_the_primary(self, replica):
        """Users, sessions and the review workflow never read from a lagging copy."""
        assert router.db_for_read(get_user_model()) == PRIMARY
        assert router.db_for_read(Review) == PRIMARY

    def test_writes_go_to_the_primary(self, replica):
        """Every write goes to the primary."""
        for model in (Drug, Section, Revision, Review):
            assert router.db_for_write(model) == PRIMARY

    def test_only_the_primary_is_migrated(self, replica):
        """Migrations run on the primary; the replica gets its schema by replication."""
        assert router.allow_migrate(PRIMARY, "monographs")
        assert not router.allow_migrate(REPLICA, "monographs")

    @pytest.mark.django_db(transaction=True, databases="__all__")
    def test_reads_inside_a_primary_transaction_stay_on_the_primary(self, replica):
        """Locks and admin forms read what they are about to write, from the primary."""
        with transaction.atomic():
            assert router.db_for_read(Drug) == PRIMARY
            assert Drug.objects.select_for_update().db == PRIMARY

    def test_search_runs_on_the_database_read_from(self, replica):
        """Search is served by a backend on the replica; index upkeep by one on the primary."""
        assert reading_backend().using == REPLICA
        assert writing_backend().using == PRIMARY

    def test_relations_followed_from_a_primary_object_stay_on_the_primary(self, replica):
        """An object graph loaded from the primary is not completed from the replica."""
        drug = Drug(name="Examplamine")
        drug._state.db = PRIMARY
        assert router.db_for_read(Section, instance=drug) == PRIMARY


# Committed rows (no test transaction), so that the replica connection reads them too.
@pytest.mark.django_db(transaction=True, databases="__all__")
class ReplicaQueryTests:
    def test_public_queryset_runs_on_the_replica(self, replica, published_drug):
        """Listing published drugs sends the query to the replica connection, not the primary."""
        with (
            CaptureQueriesContext(connections[PRIMARY]) as primary,
            CaptureQueriesContext(replica) as replica_queries,
        ):
            names = list(Drug.objects.published().values_list("name", flat=True))
        assert names == [published_drug.name]
        assert len(replica_queries) == 1
        assert len(primary) == 0

    def test_saving_a_drug_writes_to_the_primary(self, replica):
        """A contributor's save lands on the primary and nothing is written to the replica."""
        with (
            CaptureQueriesContext(connections[PRIMARY]) as primary,
            CaptureQueriesContext(replica) as replica_queries,
        ):
            DrugFactory(name="Writtenamine")
        assert any("INSERT" in query["sql"] for query in primary)
        assert not any("INSERT" in query["sql"] for query in replica_queries)

    def test_monograph_page_reads_its_content_from_the_replica(
        self, client, replica, published_drug
    ):
        """A reader's monograph request reads the published revision from the replica."""
        url = published_drug.get_absolute_url()
        with (
            CaptureQueriesContext(connections[PRIMARY]) as primary,
            CaptureQueriesContext(replica) as replica_queries,
        ):
            response = client.get(url)
        assert response.status_code == 200
        assert any("monographs_revision" in query["sql"] for query in replica_queries)
        assert not any("monographs_" in query["sql"] for query in primary)

    def test_search_reads_from_the_replica(self, client, replica, published_drug):
        """A reader's search runs every query, raw full-text SQL included, on the replica."""
        with (
            CaptureQueriesContext(connections[PRIMARY]) as primary,
            CaptureQueriesContext(replica) as replica_queries,
        ):
            response = client.get(reverse("monographs:search"), {"q": published_drug.name})
        assert response.status_code == 200
        assert f">{published_drug.name}</a>" in response.content.decode()
        assert any("monographs_search" in query["sql"] for query in replica_queries)
        assert not any("monographs_" in query["sql"] for query in primary)

    def test_rebuilding_the_search_index_stays_on_the_primary(self, replica, published_drug):
        """The rebuild command reads, writes and maintains the index on the primary alone."""
        with CaptureQueriesContext(replica) as replica_queries:
            call_command("rebuild_search_index", stdout=io.StringIO())
        assert SearchDocument.objects.using(PRIMARY).get().drug_id == published_drug.pk
        assert len(replica_queries) == 0
