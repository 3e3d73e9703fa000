import io
from collections import defaultdict
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction

from bench.corpus import (
    LARGE_MONOGRAPH_HISTORY_ROWS,
    LARGE_MONOGRAPH_NAME,
    LARGE_MONOGRAPH_SECTIONS,
)
from bench.writers import BULK_PATH, SERVICES_PATH, dataset_generate
from monographs.markdown import render_markdown
from monographs.models import (
    Drug,
    FAQItem,
    ReviewedPart,
    Revision,
    SearchDocument,
    Section,
    document_hash,
)
from monographs.parts import document_parts
from monographs.services import drug_content_hash
from reviews.models import AuditChainHead, AuditEntry, Decision, PartDecision, Review
from reviews.policy import requirement_for

ANCHOR = datetime(2025, 6, 1, tzinfo=UTC)
HISTORY = {model: model.history.model for model in (Drug, Section, FAQItem)}


def generate(drugs=30, seed=7, *, large=True):
    dataset_generate(count=drugs, seed=seed, anchor=ANCHOR, workers=2, large=large)


def working_copy_at(drug: Drug, moment) -> Drug:
    """The drug, its sections and FAQ items as their history rows say they were at `moment`."""

    def latest(model, **lookup):
        rows = HISTORY[model].objects.filter(history_date__lte=moment, **lookup)
        last = {}
        for row in rows.order_by("history_date", "history_id"):
            last[row.id] = row
        return [row.instance for row in last.values() if row.history_type != "-"]

    [past] = latest(Drug, id=drug.pk)
    sections = latest(Section, drug_id=drug.pk)
    faqs = sorted(latest(FAQItem, drug_id=drug.pk), key=lambda faq: (faq.position, faq.pk))
    past._prefetched_objects_cache = {
        "sections": sections,
        "faqs": faqs,
        "components": list(drug.components.all()),
    }
    return past


@pytest.fixture(scope="class")
def generated_dataset(django_db_setup, django_db_blocker):
    """Thirty generated monographs, written once for a class and rolled back after its tests.

    Each test runs in a savepoint inside this transaction, as with Django's `setUpTestData`.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        generate(large=False)
        yield
        transaction.set_rollback(True)


@pytest.mark.django_db
@pytest.mark.usefixtures("generated_dataset")
class GeneratedWorkflowTests:
    def test_every_published_page_shows_an_approved_revision(self):
        """Readers only ever see revisions a credentialed reviewer approved through a review."""
        published = Drug.objects.published().select_related("published_revision")
        assert published.count() >= 25
        for drug in published:
            revision = drug.published_revision
            assert revision.is_approved
            assert revision.approved_by_credit
            assert revision.review.status == Review.Status.APPROVED
            assert Decision.objects.filter(
                review=revision.review, outcome=Decision.Outcome.APPROVED
            ).exists()
            actions = set(revision.audit_entries.values_list("action", flat=True))
            assert actions <= {
                AuditEntry.Action.SUBMITTED,
                AuditEntry.Action.PARTS_DECIDED,
                AuditEntry.Action.APPROVED,
            }
            assert {AuditEntry.Action.SUBMITTED, AuditEntry.Action.APPROVED} <= actions
            assert revision.approved_by not in revision.authors.all()

    def test_the_generated_audit_trail_verifies(self, capsys):
        """The bulk writer's audit entries form the same unbroken hash chain the services
        write, so `verify_audit` passes on a generated dataset."""
        call_command("verify_audit")
        count = AuditEntry.objects.count()
        assert count > 30
        assert capsys.readouterr().out.strip() == f"Audit trail intact: {count} entries"

    def test_high_risk_parts_are_approved_by_two_different_reviewers(self):
        """Every changed part has the approvals its policy asks for, from different people."""
        approvals = PartDecision.objects.filter(outcome=PartDecision.Outcome.APPROVED)
        reviewers_of = defaultdict(list)
        for review_id, key, reviewer_id in approvals.values_list(
            "review_id", "part_key", "reviewer_id"
        ):
            reviewers_of[(review_id, key)].append(reviewer_id)
        twice = 0
        for record in ReviewedPart.objects.prefetch_related("reviewers"):
            needed = requirement_for(record.kind).approvals
            assert record.reviewers.count() >= needed
            assert len(record.credits) == record.reviewers.count()
            twice += needed > 1
        assert twice, "no high-risk part in the corpus"
        for reviewers in reviewers_of.values():
            assert len(set(reviewers)) == len(reviewers)
        partly = Decision.objects.filter(outcome=Decision.Outcome.PARTLY_APPROVED)
        assert partly.exists()
        for decision in partly:
            assert decision.review.decisions.filter(outcome=Decision.Outcome.APPROVED).exists()

    def test_every_part_of_an_approved_revision_has_its_review_record(self):
        """Each approved revision records every part's review; the next review is the soonest."""
        for revision in Revision.objects.approved().prefetch_related("reviewed_parts"):
            records = {record.key: record for record in revision.reviewed_parts.all()}
            parts = document_parts(revision.content)
            assert set(records) == {part.key for part in parts}
            for part in parts:
                assert records[part.key].content_hash == part.content_hash
                assert records[part.key].reviewed_at <= revision.approved_at
            assert revision.next_review_due == min(r.next_review_due for r in records.values())
            assert revision.approved_at == max(r.reviewed_at for r in records.values())

    def test_each_revision_is_the_working_copy_frozen_when_submitted(self):
        """A revision's hash is that of the drug's document at submission, per its history."""
        revisions = Revision.objects.select_related("drug")
        assert revisions.count() >= 60
        for revision in revisions:
            past = working_copy_at(revision.drug, revision.created_at)
            assert document_hash(past.document()) == revision.content_hash
            assert revision.content_hash == document_hash(revision.content)
            for section in revision.sections:
                assert section["html"] == render_markdown(section["markdown"])

    def test_authors_are_everyone_who_edited_since_the_last_approval(self):
        """Revision authors match the history rows between the last approval and submission."""
        for drug in Drug.objects.prefetch_related("revisions__authors"):
            since = None
            for revision in sorted(drug.revisions.all(), key=lambda r: r.number):
                editors = set()
                for model, key in ((Drug, "id"), (Section, "drug_id"), (FAQItem, "drug_id")):
                    rows = HISTORY[model].objects.filter(
                        **{key: drug.pk}, history_date__lte=revision.created_at
                    )
                    if since is not None:
                        rows = rows.filter(history_date__gt=since)
                    editors.update(rows.values_list("history_user_id", flat=True))
                editors.add(revision.created_by_id)
                assert {author.pk for author in revision.authors.all()} == editors
                if revision.is_approved:
                    since = revision.created_at

    def test_published_articles_are_assembled_from_their_revision(self):
        """The stored article HTML is what Revision.assemble_article() makes of the revision."""
        for revision in Revision.objects.approved():
            stored = revision.article_html
            assert stored
            revision.assemble_article()
            assert revision.article_html == stored

    def test_open_reviews_hold_the_current_working_copy(self):
        """Pending drafts are in review, frozen from the working copy as it still is."""
        open_reviews = Review.objects.in_review().select_related("drug", "revision")
        assert open_reviews.exists()
        for review in open_reviews:
            assert review.revision.approved_at is None
            assert drug_content_hash(review.drug) == review.revision.content_hash

    def test_history_rows_follow_every_save(self):
        """Each drug has creation rows for itself, its sections and FAQs, and one per edit."""
        for drug in Drug.objects.prefetch_related("sections", "faqs"):
            assert HISTORY[Drug].objects.filter(id=drug.pk, history_type="+").count() == 1
            for section in drug.sections.all():
                rows = HISTORY[Section].objects.filter(id=section.pk)
                assert rows.filter(history_type="+").count() == 1
                assert rows.count() == section.version
            for faq in drug.faqs.all():
                assert HISTORY[FAQItem].objects.filter(id=faq.pk).count() == faq.version

    def test_combinations_link_their_components(self):
        """A combination's components are the drugs its name is made of."""
        combinations = Drug.objects.filter(name__contains=" + ").prefetch_related("components")
        assert combinations.exists()
        for drug in combinations:
            assert sorted(c.name for c in drug.components.all()) == sorted(drug.name.split(" + "))
            assert drug.published_revision.content["components"] == sorted(
                c.slug for c in drug.components.all()
            )


@pytest.mark.django_db
class LargeMonographTests:
    def test_large_monograph_has_twenty_sections_a_thousand_history_rows_and_a_review(self):
        """The editor benchmark's monograph is as large as promised and waits for review."""
        generate(drugs=0)
        drug = Drug.objects.get(name=LARGE_MONOGRAPH_NAME)
        assert drug.sections.count() == LARGE_MONOGRAPH_SECTIONS
        rows = (
            HISTORY[Drug].objects.filter(id=drug.pk).count()
            + HISTORY[Section].objects.filter(drug_id=drug.pk).count()
            + HISTORY[FAQItem].objects.filter(drug_id=drug.pk).count()
        )
        assert rows == LARGE_MONOGRAPH_HISTORY_ROWS
        assert drug.reviews.in_review().count() == 1
        assert drug.published_revision is not None


def _snapshot() -> dict:
    """Every row the workflow writes, keyed by natural keys instead of primary keys."""
    username = dict(get_user_model().objects.values_list("pk", "username"))
    drug_name = dict(Drug.objects.values_list("pk", "name"))
    section_key = {
        pk: (drug_name[drug_id], position)
        for pk, drug_id, position in Section.objects.values_list("pk", "drug_id", "position")
    }
    faq_key = {
        pk: (drug_name[drug_id], position)
        for pk, drug_id, position in FAQItem.objects.values_list("pk", "drug_id", "position")
    }
    revision_key = {
        pk: (drug_name[drug_id], number)
        for pk, drug_id, number in Revision.objects.values_list("pk", "drug_id", "number")
    }

    def rows(queryset, key, skip=("id",)):
        return {
            key(row): {name: value for name, value in row.items() if name not in skip}
            for row in queryset.values()
        }

    history = defaultdict(list)
    for model, key in ((Drug, drug_name), (Section, section_key), (FAQItem, faq_key)):
        for row in HISTORY[model].objects.order_by("history_date", "history_id").values():
            row["history_user_id"] = username[row["history_user_id"]]
            if model is Drug:
                row["component_ids"] = sorted(drug_name[pk] for pk in row["component_ids"])
            history[(model.__name__, key[row.pop("id")])].append(
                {
                    name: value
                    for name, value in row.items()
                    if name not in {"history_id", "drug_id"}
                }
            )
    components = defaultdict(list)
    for from_id, to_id in Drug.components.through.objects.values_list("from_drug_id", "to_drug_id"):
        components[drug_name[from_id]].append(drug_name[to_id])
    authors = defaultdict(set)
    for revision_id, user_id in Revision.authors.through.objects.values_list(
        "revision_id", "user_id"
    ):
        authors[revision_key[revision_id]].add(username[user_id])
    decisions = Decision.objects.values_list(
        "review__revision_id", "reviewer_id", "outcome", "comment", "section_notes", "created_at"
    )
    part_decisions = PartDecision.objects.order_by("pk").values_list(
        "review__revision_id",
        "part_key",
        "part_hash",
        "part_title",
        "reviewer_id",
        "outcome",
        "note",
        "decided_at",
        "carried_from_id",
        "created_at",
        "decision__outcome",
        "decision__created_at",
    )
    part_reviewers = defaultdict(set)
    for part_id, user_id in ReviewedPart.reviewers.through.objects.values_list(
        "reviewedpart_id", "user_id"
    ):
        part_reviewers[part_id].add(username[user_id])
    reviewed_parts = {}
    for row in ReviewedPart.objects.values():
        part_id = row.pop("id")
        row["reviewers"] = part_reviewers[part_id]
        reviewed_parts[(revision_key[row.pop("revision_id")], row["key"])] = row
    drugs = rows(Drug.objects.all(), lambda row: row["name"], skip=("id", "published_revision_id"))
    for drug in Drug.objects.all():
        drugs[drug.name]["published"] = revision_key.get(drug.published_revision_id)
    return {
        "drugs": drugs,
        "sections": rows(
            Section.objects.all(), lambda row: section_key[row["id"]], ("id", "drug_id")
        ),
        "faqs": rows(FAQItem.objects.all(), lambda row: faq_key[row["id"]], ("id", "drug_id")),
        "revisions": rows(
            Revision.objects.all(), lambda row: revision_key[row["id"]], ("id", "drug_id")
        ),
        "reviews": rows(
            Review.objects.all(),
            lambda row: revision_key[row["revision_id"]],
            ("id", "drug_id", "revision_id"),
        ),
        "decisions": sorted(
            (revision_key[revision_id], username[reviewer_id], outcome, comment, str(notes), at)
            for revision_id, reviewer_id, outcome, comment, notes, at in decisions
        ),
        # In the order they were written, which is the order credits list their reviewers in.
        "part_decisions": [
            (revision_key[revision], key, digest, title, username[reviewer], *verdict)
            for revision, key, digest, title, reviewer, *verdict in part_decisions
        ],
        "reviewed_parts": reviewed_parts,
        # In the order of the hash chain.
        "audit": [
            (drug_name[drug_id], at, action, username[actor], revision_key[revision], comment)
            for drug_id, at, action, actor, revision, comment in AuditEntry.objects.order_by(
                "sequence"
            ).values_list("drug_id", "created_at", "action", "actor_id", "revision_id", "comment")
        ],
        "history": dict(history),
        "search": rows(
            SearchDocument.objects.all(), lambda row: drug_name[row["drug_id"]], ("drug_id",)
        ),
        "components": {name: sorted(parts) for name, parts in components.items()},
        "authors": dict(authors),
    }


def _wipe() -> None:
    # The trail refuses deletes through the ORM; the test starts it again with SQL.
    with connection.cursor() as cursor:
        for model in (AuditEntry, AuditChainHead):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608
    PartDecision.objects.all().delete()
    Decision.objects.all().delete()
    ReviewedPart.objects.all().delete()
    Review.objects.all().delete()
    Drug.objects.update(published_revision=None)
    Revision.objects.all().delete()
    Drug.objects.all().delete()
    for model in HISTORY.values():
        model.objects.all().delete()


@pytest.mark.django_db
class BulkPathEquivalenceTests:
    def test_bulk_path_writes_the_rows_the_services_write(self):
        """The fast path stores exactly what submit/approve through the services would."""
        dataset_generate(count=24, seed=11, anchor=ANCHOR, path=SERVICES_PATH, large=False)
        reference = _snapshot()
        _wipe()
        dataset_generate(count=24, seed=11, anchor=ANCHOR, path=BULK_PATH, workers=2, large=False)
        generated = _snapshot()
        assert reference["revisions"], "the services wrote no revision"
        assert reference["search"], "the services indexed nothing"
        assert reference["part_decisions"], "the services recorded no verdict on a part"
        assert reference["reviewed_parts"], "the services recorded no part's review"
        for table in reference:
            assert generated[table] == reference[table], table
        call_command("verify_audit", stdout=io.StringIO())
