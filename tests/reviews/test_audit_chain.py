"""The audit trail proves it was not altered: a hash chain `verify_audit` checks, entries the
application cannot change or delete, and an export for the governance board."""

import csv
import io
import itertools
import json
import threading
from datetime import UTC, datetime
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor

from reviews.audit import audit_record
from reviews.audit_hash import GENESIS_HASH, audit_hash
from reviews.exceptions import AuditChainBroken, AuditTrailAppendOnly
from reviews.models import AuditChainHead, AuditEntry
from reviews.services import review_request_changes, review_submit
from tests.factories import ReviewerFactory, edit_section, monograph, publish

PATIENCE = 60
ENTRIES = connection.ops.quote_name(AuditEntry._meta.db_table)
HEAD = connection.ops.quote_name(AuditChainHead._meta.db_table)


def sql(statement: str, params=()) -> None:
    """Run `statement` behind the application's back, as someone with database access could."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def verified() -> str:
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue().strip()


def refused() -> str:
    with pytest.raises(CommandError) as error:
        call_command("verify_audit", stdout=io.StringIO())
    return str(error.value)


def entry(sequence: int) -> AuditEntry:
    return AuditEntry.objects.get(sequence=sequence)


def exported(*args) -> str:
    out = io.StringIO()
    call_command("export_audit", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def trail(contributor, reviewer, other_reviewer):
    """A monograph sent back once, then published by two reviewers: five entries or more."""
    drug = monograph(name="Chainamine")
    review_request_changes(
        review=review_submit(drug=drug, by=contributor, comment="First try"),
        by=reviewer,
        comment="Add sources",
    )
    edit_section(drug, by=contributor)
    publish(drug, contributor=contributor, reviewer=reviewer, second_reviewer=other_reviewer)
    assert AuditEntry.objects.count() >= 5
    return AuditEntry.objects.count()


@pytest.mark.django_db
class VerifyAuditTests:
    def test_an_untouched_trail_is_reported_intact_with_its_length(self, trail):
        """verify_audit exits 0 and says how many entries it checked."""
        assert verified() == f"Audit trail intact: {trail} entries"

    def test_an_empty_trail_is_intact(self):
        """A site with no audit entries yet passes."""
        assert verified() == "Audit trail intact: 0 entries"

    def test_entries_are_numbered_from_one_without_gaps(self, trail):
        """Each entry carries its place in the chain and the hash of the one before it."""
        entries = list(AuditEntry.objects.order_by("sequence"))
        assert [item.sequence for item in entries] == list(range(1, trail + 1))
        assert entries[0].previous_hash == GENESIS_HASH
        for before, after in itertools.pairwise(entries):
            assert after.previous_hash == before.entry_hash

    def test_a_changed_comment_names_that_entry(self, trail):
        """Rewriting one reviewer comment in the database is caught at that entry."""
        changed = entry(2)
        sql(f"UPDATE {ENTRIES} SET comment = %s WHERE id = %s", ["Looks fine", changed.pk])  # noqa: S608
        message = refused()
        assert f"Entry #2 (id {changed.pk}, {changed.get_action_display()}," in message
        assert "changed after it was written" in message

    def test_a_change_past_the_first_batch_is_caught(self, trail):
        """The trail is read in batches; an entry in a later batch is checked as well."""
        sql(f"UPDATE {ENTRIES} SET details = %s WHERE sequence = %s", ['{"a": 1}', trail])  # noqa: S608
        with pytest.raises(CommandError, match=f"Entry #{trail} \\(id"):
            call_command("verify_audit", "--batch-size", "2", stdout=io.StringIO())

    def test_a_changed_actor_is_caught(self, trail, editor):
        """Crediting an action to someone else is a change too."""
        sql(f"UPDATE {ENTRIES} SET actor_id = %s WHERE sequence = 3", [editor.pk])  # noqa: S608
        assert "Entry #3 (id" in refused()

    def test_a_deleted_middle_entry_is_caught(self, trail):
        """Removing an entry from the middle leaves a gap verify_audit names."""
        sql(f"DELETE FROM {ENTRIES} WHERE sequence = 2")  # noqa: S608
        assert "Entry #2 is missing: it was deleted." in refused()

    def test_a_deleted_newest_entry_is_caught(self, trail):
        """Removing the newest entry is caught: the chain head still counts it."""
        sql(f"DELETE FROM {ENTRIES} WHERE sequence = %s", [trail])  # noqa: S608
        assert f"Entry #{trail} is missing: it was deleted." in refused()

    def test_a_forged_entry_appended_with_a_valid_hash_is_caught(self, trail):
        """An entry added with SQL, hashed correctly onto the last one, is still caught: the
        chain head did not move."""
        last = entry(trail)
        forged = {
            "sequence": trail + 1,
            "created_at": datetime.now(UTC),
            "action": AuditEntry.Action.APPROVED,
            "actor_id": None,
            "drug_id": last.drug_id,
            "revision_id": last.revision_id,
            "subject_id": None,
            "comment": "Approved by nobody",
            "details": {},
            "previous_hash": last.entry_hash,
        }
        sql(
            f"INSERT INTO {ENTRIES} (sequence, created_at, action, drug_id, revision_id, "  # noqa: S608
            "comment, details, previous_hash, entry_hash) VALUES (%s, %s, %s, %s, %s, %s, "
            "'{}', %s, %s)",
            [
                forged["sequence"],
                forged["created_at"],
                forged["action"],
                forged["drug_id"],
                forged["revision_id"],
                forged["comment"],
                forged["previous_hash"],
                audit_hash(forged),
            ],
        )
        message = refused()
        assert f"Entry #{trail + 1} (id" in message
        assert f"comes after the chain head (#{trail}): it was inserted." in message

    def test_a_forged_entry_slipped_in_front_is_caught(self, trail):
        """An entry inserted before the first one is out of place."""
        sql(
            f"INSERT INTO {ENTRIES} (sequence, created_at, action, comment, details, "  # noqa: S608
            "previous_hash, entry_hash) VALUES (0, %s, 'approved', '', '{}', %s, %s)",
            [datetime.now(UTC), GENESIS_HASH, GENESIS_HASH],
        )
        assert "Entry #0 (id" in refused()

    def test_an_entry_relinked_onto_a_forged_predecessor_is_caught(self, trail):
        """An entry whose previous hash was rewritten no longer follows its predecessor."""
        sql(f"UPDATE {ENTRIES} SET previous_hash = %s WHERE sequence = 4", ["f" * 64])  # noqa: S608
        message = refused()
        assert "Entry #4 (id" in message
        assert "does not follow entry #3" in message

    def test_an_altered_chain_head_is_caught(self, trail):
        """The head must end where the trail ends."""
        sql(f"UPDATE {HEAD} SET last_hash = %s", ["a" * 64])  # noqa: S608
        assert f"The chain head does not match entry #{trail}" in refused()

    def test_a_deleted_chain_head_is_caught_and_stops_new_entries(self, trail, editor):
        """Without its head the trail cannot be checked to its end, nor restarted from one."""
        sql(f"DELETE FROM {HEAD}")  # noqa: S608
        assert "The audit chain head is missing." in refused()
        with pytest.raises(AuditChainBroken, match="chain head is gone"):
            audit_record(action=AuditEntry.Action.SIGNED_IN, actor=editor, subject=editor)

    def test_a_rolled_back_entry_leaves_no_gap(self, trail, editor):
        """An entry recorded in a transaction that failed takes no number; the next one does."""

        @transaction.atomic
        def failing_request():
            audit_record(action=AuditEntry.Action.SIGNED_IN, actor=editor, subject=editor)
            raise RuntimeError("the request failed")

        with pytest.raises(RuntimeError):
            failing_request()
        audit_record(action=AuditEntry.Action.SIGNED_OUT, actor=editor, subject=editor)
        assert entry(trail + 1).action == AuditEntry.Action.SIGNED_OUT
        assert verified() == f"Audit trail intact: {trail + 1} entries"

    def test_recording_an_entry_costs_one_query_beyond_the_insert(
        self, editor, django_assert_num_queries
    ):
        """Appending moves the chain head with one UPDATE, then inserts the entry."""
        audit_record(action=AuditEntry.Action.SIGNED_IN, actor=editor, subject=editor)
        with django_assert_num_queries(2):
            audit_record(action=AuditEntry.Action.SIGNED_OUT, actor=editor, subject=editor)
        assert verified() == "Audit trail intact: 2 entries"

    def test_checking_and_exporting_take_a_query_per_batch(self, trail, django_assert_num_queries):
        """verify_audit reads the head and then the entries a batch at a time; the export
        reads entries with their people and drug in the same query."""
        with django_assert_num_queries(2):
            verified()
        with django_assert_num_queries(1):
            exported()


@pytest.mark.django_db
class AppendOnlyTests:
    def test_saving_an_existing_entry_is_refused(self, trail):
        """An entry cannot be edited through the ORM, and stays as written."""
        written = entry(2)
        written.comment = "Rewritten"
        with pytest.raises(AuditTrailAppendOnly, match="append-only"):
            written.save()
        assert entry(2).comment != "Rewritten"

    def test_an_entry_cannot_be_overwritten_by_reusing_its_id(self, trail):
        """A new object given an existing entry's id fails instead of replacing that entry."""
        original = entry(2)
        copy = AuditEntry.objects.get(pk=original.pk)
        copy._state.adding = True
        copy.comment = "Replaced"
        with pytest.raises(IntegrityError), transaction.atomic():
            copy.save()
        assert entry(2).comment == original.comment

    def test_deleting_an_entry_is_refused(self, trail):
        """Neither an entry nor a query can delete audit entries."""
        with pytest.raises(AuditTrailAppendOnly):
            entry(1).delete()
        with pytest.raises(AuditTrailAppendOnly):
            AuditEntry.objects.filter(sequence=1).delete()
        assert AuditEntry.objects.count() == trail

    def test_updating_entries_with_a_query_is_refused(self, trail):
        """QuerySet.update() and bulk_update() are refused too."""
        with pytest.raises(AuditTrailAppendOnly):
            AuditEntry.objects.update(comment="")
        with pytest.raises(AuditTrailAppendOnly):
            AuditEntry.objects.filter(sequence=1).update(comment="")
        with pytest.raises(AuditTrailAppendOnly):
            AuditEntry.objects.bulk_update([entry(1)], ["comment"])
        assert verified() == f"Audit trail intact: {trail} entries"


@pytest.fixture
def dated_trail(contributor, reviewer):
    """A submission on 10 January 2026 with a formula-like comment, approved on 2 March."""
    drug = monograph(name="Exportamine")
    with mock.patch("django.utils.timezone.now", return_value=datetime(2026, 1, 10, tzinfo=UTC)):
        review = review_submit(
            drug=drug, by=contributor, comment='=HYPERLINK("http://evil")\nsee “notes”, ok'
        )
    march = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    with mock.patch("django.utils.timezone.now", return_value=march):
        review_request_changes(review=review, by=reviewer, comment="@SUM(A1) please")
    return drug


@pytest.mark.django_db
class ExportAuditTests:
    def test_jsonl_lists_every_entry_oldest_first_with_people_and_hashes(
        self, dated_trail, contributor
    ):
        """Each line is one entry, in chain order, naming who acted and about what."""
        rows = [json.loads(line) for line in exported().splitlines()]
        assert [row["sequence"] for row in rows] == [1, 2]
        first = rows[0]
        assert first["action"] == "submitted"
        assert first["action_label"] == "Submitted for review"
        assert first["time"] == "2026-01-10T00:00:00.000000+00:00"
        assert first["actor_username"] == "carla"
        assert first["actor_name"] == contributor.get_full_name()
        assert (first["drug_id"], first["drug_name"]) == (dated_trail.pk, "Exportamine")
        assert first["comment"] == '=HYPERLINK("http://evil")\nsee “notes”, ok'
        stored = entry(1)
        assert (first["previous_hash"], first["entry_hash"]) == (GENESIS_HASH, stored.entry_hash)
        assert first["revision_id"] == stored.revision_id
        assert rows[1]["previous_hash"] == first["entry_hash"]

    def test_since_leaves_out_earlier_entries(self, dated_trail):
        """--since keeps the entries from that day on."""
        for since in ("2026-02-01", "2026-03-02T09:30:00+00:00"):
            rows = [json.loads(line) for line in exported("--since", since).splitlines()]
            assert [row["action"] for row in rows] == ["changes_requested"]
        assert exported("--since", "2026-04-01") == ""

    def test_a_bad_since_is_a_clear_error(self, dated_trail):
        """A date the command cannot read is refused, saying what it expects."""
        for bad in ("last tuesday", "2026-02-30"):
            with pytest.raises(CommandError, match="--since must be a date"):
                exported("--since", bad)

    def test_csv_cells_cannot_run_as_formulas_and_text_is_otherwise_verbatim(self, dated_trail):
        """A comment starting with = or @ is prefixed so a spreadsheet shows it as text;
        line breaks and typographic quotes survive."""
        rows = list(csv.DictReader(io.StringIO(exported("--format", "csv"))))
        assert [row["sequence"] for row in rows] == ["1", "2"]
        assert rows[0]["comment"] == '\'=HYPERLINK("http://evil")\nsee “notes”, ok'
        assert rows[1]["comment"].startswith("'@SUM(A1) please")
        assert rows[0]["actor_username"] == "carla"
        assert rows[0]["entry_hash"] == entry(1).entry_hash
        assert json.loads(rows[0]["details"]) == {}

    def test_output_writes_a_file(self, dated_trail, tmp_path):
        """--output FILE writes the export there instead of standard output."""
        target = tmp_path / "audit.csv"
        assert exported("--format", "csv", "--output", str(target)) == ""
        with target.open(newline="", encoding="utf-8") as stream:
            assert len(list(csv.DictReader(stream))) == 2


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
class ChainMigrationTests:
    @pytest.fixture(autouse=True)
    def _back_to_the_latest_schema(self):
        yield
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    def test_entries_written_before_the_chain_are_chained_oldest_first(self, trail):
        """The migration numbers existing entries by time and the trail then verifies."""
        times = list(AuditEntry.objects.order_by("created_at", "id").values_list("pk", flat=True))
        migrate([("reviews", "0010_audit_entries_beyond_drugs")])
        migrate([("reviews", "0012_audit_sequence_unique")])
        chained = list(AuditEntry.objects.order_by("sequence").values_list("pk", flat=True))
        assert chained == times
        assert verified() == f"Audit trail intact: {trail} entries"


@pytest.mark.django_db(transaction=True)
class ConcurrentWritersTests:
    @pytest.fixture(autouse=True)
    def _postgresql(self):
        if connection.vendor != "postgresql":
            pytest.skip("concurrent writers need PostgreSQL; SQLite runs one writer at a time")

    def test_writers_in_parallel_threads_still_make_one_unbroken_chain(self):
        """Four threads signing people in and out at once never fork or break the chain."""
        people = [ReviewerFactory() for _ in range(4)]
        start = threading.Barrier(len(people), timeout=PATIENCE)
        errors = []

        def write(person):
            try:
                start.wait()
                for _ in range(10):
                    with transaction.atomic():
                        audit_record(action=AuditEntry.Action.SIGNED_IN, actor=person)
                        audit_record(action=AuditEntry.Action.SIGNED_OUT, actor=person)
            except Exception as error:
                errors.append(error)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=write, args=(person,)) for person in people]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(PATIENCE)
        assert errors == []
        assert verified() == "Audit trail intact: 80 entries"
        for person in people:
            actions = list(
                AuditEntry.objects.filter(actor=person)
                .order_by("sequence")
                .values_list("action", flat=True)
            )
            assert actions == [AuditEntry.Action.SIGNED_IN, AuditEntry.Action.SIGNED_OUT] * 10
