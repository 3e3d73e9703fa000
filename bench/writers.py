"""Write a synthetic corpus (`bench.corpus`) into the database, as the workflow would.

Two writers replay the same plans:

- `ServicesWriter` goes through the real code: model `save()` (history rows, rendered HTML,
  versions) and `reviews.services.review_submit` / `review_approve` (one call per approve
  step, so a revision needing two approvals is approved by two reviewers in turn). It is the
  reference, and too slow for 10,000 drugs (about 60 queries and a template render per
  revision).
- `BulkWriter` produces the same rows with `bulk_create`: drugs, sections and FAQ items with
  their history rows (one per save the workflow would make, with that save's user, date and
  `version`), revisions whose `content` is `Drug.document(with_html=True)` of the working copy
  at submission, `content_hash`, `authors` computed as `edit_authors` would, reviews, the
  verdict on each changed part (`PartDecision`), decisions (approved in part, then approved)
  and audit entries (linked into the hash chain by `audit_chain_extend`), the review record
  of every part of each approved revision (`ReviewedPart`, with its reviewers), the approval
  fields `_go_live` stamps and `article_html` from `Revision.assemble_article()`, and finally
  `publication_changed()` for every published drug. What is pure in the workflow
  (`monographs.parts`, `reviews.policy`, `reviews.progress`, `credit_line`) is called, not
  copied. Markdown is rendered by `render_markdown` in a process pool.
  `tests/bench/test_writers.py` checks that both writers produce the same rows for the same
  plans.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from unittest import mock

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.db import connection, connections, transaction
from django.db.models import Max
from django.test.utils import override_settings
from django.utils import timezone
from django.utils.text import slugify

from bench.corpus import Corpus, DrugPlan, user_specs
from monographs.markdown import render_markdown
from monographs.models import Drug, FAQItem, ReviewedPart, Revision, Section, document_hash
from monographs.publication import publication_changed
from reviews.attestation import (
    approved_parts_digest,
    attestation_text,
    attestation_unattended,
    unattended_method,
)
from reviews.audit import audit_chain_extend
from reviews.models import (
    CONTRIBUTORS_GROUP,
    REVIEWERS_GROUP,
    AuditEntry,
    Decision,
    PartDecision,
    Review,
    ReviewerProfile,
)
from reviews.policy import without_reference_rule
from reviews.progress import ReviewProgress, review_progress
from reviews.services import (
    PartRecord,
    _decided_parts_text,
    credit_line,
    part_records,
    review_approve,
    review_submit,
)

BULK_PATH = "bulk"
SERVICES_PATH = "services"
BENCH_MEANS = "bench dataset"


@dataclass
class DatasetReport:
    path: str
    drugs: int = 0
    sections: int = 0
    faqs: int = 0
    revisions: int = 0
    approved: int = 0
    open_reviews: int = 0
    history_rows: int = 0
    seconds: float = 0.0

    def lines(self) -> list[str]:
        return [
            f"path: {self.path}",
            f"drugs: {self.drugs}  sections: {self.sections}  FAQ items: {self.faqs}",
            f"revisions: {self.revisions} ({self.approved} approved)  "
            f"open reviews: {self.open_reviews}  history rows: {self.history_rows}",
            f"time: {self.seconds:.1f} s",
        ]


def dataset_users(seed: int) -> dict:
    """Create (or reuse) the corpus's contributors and credentialed reviewers, without e-mail."""
    User = get_user_model()
    groups = {group.name: group for group in Group.objects.filter(
        name__in=[CONTRIBUTORS_GROUP, REVIEWERS_GROUP]
    )}  # fmt: skip
    verifier, _ = User.objects.get_or_create(
        username="bench-verifier",
        defaults={"first_name": "Bench", "last_name": "Verifier", "is_staff": True},
    )
    users = {}
    for spec in user_specs(seed):
        user, created = User.objects.get_or_create(
            username=spec.username,
            defaults={"first_name": spec.first_name, "last_name": spec.last_name, "is_staff": True},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            group = REVIEWERS_GROUP if spec.credential else CONTRIBUTORS_GROUP
            user.groups.add(groups[group])
            if spec.credential:
                ReviewerProfile.objects.create(
                    user=user,
                    credential=spec.credential,
                    profession=spec.profession,
                    verified_by=verifier,
                    verified_on=timezone.localdate(),
                )
        users[spec.username] = user
    with_profiles = User.objects.select_related("reviewer_profile").in_bulk(
        [user.pk for user in users.values()]
    )
    return {name: with_profiles[user.pk] for name, user in users.items()}


def dataset_generate(
    *,
    count: int,
    seed: int,
    anchor: datetime,
    path: str = BULK_PATH,
    workers: int = 1,
    chunk_size: int = 200,
    large: bool = True,
    progress: Callable[[int], None] | None = None,
) -> DatasetReport:
    """Build `count` monographs (plus the large one) from `seed`; return what was written."""
    started = time.perf_counter()
    corpus = Corpus(count=count, seed=seed, anchor=anchor, large=large)
    names = [name for name, _ in corpus.names]
    taken = [
        name
        for start in range(0, len(names), 500)
        for name in Drug.objects.filter(name__in=names[start : start + 500]).values_list(
            "name", flat=True
        )
    ][:3]
    if taken:
        raise ValueError(f"The database already has monographs named {', '.join(taken)}.")
    users = dataset_users(seed)
    # The corpus cites no references: it is reviewed without the rule that a changed high-risk
    # section must cite one (set before the workers fork, so they follow it too).
    policy = without_reference_rule(settings.MEDREF_REVIEW_POLICY)
    with override_settings(MEDREF_REVIEW_POLICY=policy):
        if path == SERVICES_PATH:
            writer = ServicesWriter(users)
            with transaction.atomic():
                for done, plan in enumerate(corpus.plans(), start=1):
                    writer.replay(plan)
                    if progress and done % chunk_size == 0:
                        progress(done)
        else:
            BulkWriter(users, workers=workers).write_all(corpus.plans(), progress=progress)
    report = dataset_report(path)
    report.seconds = time.perf_counter() - started
    return report


def dataset_report(path: str) -> DatasetReport:
    return DatasetReport(
        path=path,
        drugs=Drug.objects.count(),
        sections=Section.objects.count(),
        faqs=FAQItem.objects.count(),
        revisions=Revision.objects.count(),
        approved=Revision.objects.approved().count(),
        open_reviews=Review.objects.in_review().count(),
        history_rows=sum(model.history.count() for model in (Drug, Section, FAQItem)),
    )


def _chunks(plans: Iterable[DrugPlan], size: int) -> Iterator[list[DrugPlan]]:
    batch: list[DrugPlan] = []
    for plan in plans:
        batch.append(plan)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# ---------------------------------------------------------------------------------------------
# The reference: the real code path


class ServicesWriter:
    """Replay plans through `save()` and the review services, exactly as the admin would.

    Each save and each workflow step runs with the clock set to the plan's time for it (the
    times the bulk writer stores), so both writers produce the same rows, dates included.
    """

    def __init__(self, users: dict):
        self.users = users

    def replay(self, plan: DrugPlan) -> Drug:
        creator = self.users[plan.created_by]
        at = plan.created_at
        drug = Drug(name=plan.name, **plan.fields)
        if plan.components:
            drug.stage_components(Drug.objects.filter(name__in=plan.components))
        self._save(drug, creator, at)
        sections = [
            self._save(Section(drug=drug, **spec.values()), creator, at + _ms(offset))
            for offset, spec in enumerate(plan.sections, start=1)
        ]
        first_faq = 1 + len(sections)
        faqs = [
            self._save(FAQItem(drug=drug, **spec.values()), creator, at + _ms(offset))
            for offset, spec in enumerate(plan.faqs, start=first_faq)
        ]
        review = None
        for step in plan.steps:
            user = self.users[step.by]
            if step.action == "edit":
                for offset, edit in enumerate(step.edits):
                    if edit.target == "drug":
                        drug.refresh_from_db()
                        target = drug
                    else:
                        target = (sections if edit.target == "section" else faqs)[edit.index]
                    for name, value in edit.changes.items():
                        setattr(target, name, value)
                    self._save(target, user, step.at + _ms(offset))
            elif step.action == "submit":
                with _clock(step.at):
                    review = review_submit(drug=drug, by=user, comment=step.comment)
            else:
                with _clock(step.at):
                    review_approve(
                        review=review,
                        by=user,
                        signature=attestation_unattended(user=user, means=BENCH_MEANS),
                    )
        return drug

    @staticmethod
    def _save(instance, user, at: datetime):
        instance._history_user = user
        with _clock(at):
            instance.save()
        return instance


def _ms(count: int) -> timedelta:
    return timedelta(milliseconds=count)


@contextlib.contextmanager
def _clock(at: datetime):
    """Make `django.utils.timezone.now()` (auto_now fields, history, services) return `at`."""
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


# ---------------------------------------------------------------------------------------------
# The bulk equivalent
#
# The main process draws the plans, hands each drug a block of primary keys (so rows can refer
# to each other before they exist) and inserts; worker processes render the markdown, replay the
# plans in memory and assemble the article HTML. Combinations assemble theirs in the main
# process, because `assemble_article` looks their components up in the database.

# `Model.history` builds a manager class on every access: look the history models up once.
_HISTORY_MODELS = {model: model.history.model for model in (Drug, Section, FAQItem)}
_ROW_MODELS = (
    Drug,
    Section,
    FAQItem,
    Revision,
    Review,
    Decision,
    AuditEntry,
    PartDecision,
    ReviewedPart,
)


@contextlib.contextmanager
def _keeping_timestamps(*models):
    """Let bulk_create store the plan's dates instead of auto_now/auto_now_add's `now()`."""
    changed = []
    for model in models:
        for model_field in model._meta.concrete_fields:
            if getattr(model_field, "auto_now", False) or getattr(
                model_field, "auto_now_add", False
            ):
                changed.append((model_field, model_field.auto_now, model_field.auto_now_add))
                model_field.auto_now = model_field.auto_now_add = False
    try:
        yield
    finally:
        for model_field, auto_now, auto_now_add in changed:
            model_field.auto_now, model_field.auto_now_add = auto_now, auto_now_add


@dataclass
class _Keys:
    """The primary keys one drug's rows will take, handed out in order."""

    next: dict

    def __call__(self, model) -> int:
        value = self.next[model]
        self.next[model] = value + 1
        return value


@dataclass
class _Task:
    plan: DrugPlan
    keys: _Keys
    component_ids: list[int]


@dataclass
class _Rows:
    drugs: list = field(default_factory=list)
    sections: list = field(default_factory=list)
    faqs: list = field(default_factory=list)
    components: list = field(default_factory=list)
    revisions: list = field(default_factory=list)
    authors: list = field(default_factory=list)
    reviews: list = field(default_factory=list)
    decisions: list = field(default_factory=list)
    part_decisions: list = field(default_factory=list)
    reviewed_parts: list = field(default_factory=list)
    part_reviewers: list = field(default_factory=list)  # ReviewedPart.reviewers rows
    audits: list = field(default_factory=list)
    history: dict = field(default_factory=lambda: {model: [] for model in _HISTORY_MODELS})
    to_assemble: list = field(default_factory=list)  # revisions whose article needs the database


@dataclass
class _People:
    """The corpus's users by username, with their reviewer profiles loaded (picklable): the
    review policy and the credits read them, and the workers have no database."""

    users: dict


@dataclass
class _OpenReview:
    """The open review being replayed and the verdicts given on its parts so far."""

    review: Review
    verdicts: list[PartDecision] = field(default_factory=list)


def _replay_tasks(people: _People, tasks: list[_Task]) -> _Rows:
    """Render, replay and assemble a batch of drugs in memory (runs in a worker process)."""
    texts = sorted(set().union(*(task.plan.texts() for task in tasks)))
    html = dict(zip(texts, map(render_markdown, texts), strict=True))
    rows = _Rows()
    replayer = _Replayer(people, html)
    for task in tasks:
        replayer.replay(task, rows)
    needs_database = []
    for revision in rows.to_assemble:
        if revision.content.get("components"):
            needs_database.append(revision)
        else:
            revision.assemble_article()
    rows.to_assemble = needs_database
    return rows


class _Replayer:
    """Play one plan's saves, submissions and approvals on unsaved model instances."""

    def __init__(self, people: _People, html: dict[str, str]):
        self.people = people
        self.user_ids = {name: user.pk for name, user in people.users.items()}
        self.html = html

    def replay(self, task: _Task, rows: _Rows) -> None:
        plan, keys = task.plan, task.keys
        user_id = self.user_ids.__getitem__
        at = plan.created_at
        drug = Drug(
            id=keys(Drug),
            name=plan.name,
            slug=slugify(plan.name)[:200],
            created_at=at,
            updated_at=at,
            **plan.fields,
        )
        components = []
        for component_id, name in zip(task.component_ids, plan.components, strict=True):
            components.append(Drug(id=component_id, name=name, slug=slugify(name)[:200]))
            rows.components.append(
                Drug.components.through(from_drug_id=drug.pk, to_drug_id=component_id)
            )
        sections = [
            Section(id=keys(Section), drug=drug, body_html=self.html[spec.fields["body"]],
                    **spec.values())
            for spec in plan.sections
        ]  # fmt: skip
        faqs = [
            FAQItem(id=keys(FAQItem), drug=drug, answer_html=self.html[spec.fields["answer"]],
                    **spec.values())
            for spec in plan.faqs
        ]  # fmt: skip
        # Drug.document() reads these through the related managers, as after a prefetch.
        drug._prefetched_objects_cache = {
            "sections": sections,
            "faqs": faqs,
            "components": components,
            "references": [],
        }
        saves: list[tuple[datetime, int]] = []  # (history_date, user id), what edit_authors reads
        creator = user_id(plan.created_by)
        for offset, instance in enumerate([drug, *sections, *faqs]):
            stamp = at + _ms(offset)
            self._history(rows, instance, "+", creator, stamp)
            saves.append((stamp, creator))

        last_approved = revision = in_review = None
        live: dict[str, PartRecord] = {}  # the published revision's parts, by key
        number = 0
        for step in plan.steps:
            by = user_id(step.by)
            if step.action == "edit":
                for offset, edit in enumerate(step.edits):
                    stamp = step.at + _ms(offset)
                    target = drug
                    if edit.target != "drug":
                        target = (sections if edit.target == "section" else faqs)[edit.index]
                    for name, value in edit.changes.items():
                        setattr(target, name, value)
                    if edit.target == "section":
                        target.body_html = self.html[target.body]
                    elif edit.target == "faq":
                        target.answer_html = self.html[target.answer]
                    else:
                        drug.updated_at = stamp
                    target.version += 1
                    self._history(rows, target, "~", by, stamp)
                    saves.append((stamp, by))
            elif step.action == "submit":
                # revision_freeze + review_submit. Every submission follows the approval of the
                # one before, so none is superseded and no approval carries over.
                if in_review is not None:
                    raise ValueError(f"{plan.name}: submitted again while still in review.")
                number += 1
                document = drug.document(with_html=True)
                revision = Revision(
                    id=keys(Revision),
                    drug=drug,
                    number=number,
                    content=document,
                    content_hash=document_hash(document),
                    # The plan never renames a component: its name is its public one throughout.
                    component_names={component.slug: component.name for component in components},
                    reason=step.comment,
                    created_by_id=by,
                    created_at=step.at,
                )
                since = last_approved.created_at if last_approved else None
                authors = {uid for stamp, uid in saves if since is None or stamp > since} | {by}
                rows.revisions.append(revision)
                rows.authors.extend(
                    Revision.authors.through(revision_id=revision.pk, user_id=author)
                    for author in sorted(authors)
                )
                in_review = _OpenReview(
                    Review(
                        id=keys(Review),
                        drug=drug,
                        revision=revision,
                        status=Review.Status.IN_REVIEW,
                        submitted_by_id=by,
                        submitted_at=step.at,
                        comment=step.comment,
                    )
                )
                rows.reviews.append(in_review.review)
                self._audit(
                    rows, keys, drug, AuditEntry.Action.SUBMITTED, by, revision, step, step.comment
                )
            elif self._approve(rows, keys, in_review, live, step):
                last_approved, revision, in_review = revision, None, None
        del drug._prefetched_objects_cache
        rows.drugs.append(drug)
        rows.sections.extend(sections)
        rows.faqs.extend(faqs)

    def _approve(self, rows, keys, in_review: _OpenReview, live: dict, step) -> bool:
        """review_approve: `step.by` approves every changed part they may; True if that
        completes the review and its revision went live."""
        review, reviewer = in_review.review, self.people.users[step.by]
        drug, revision = review.drug, review.revision
        progress = self._progress(in_review)
        recorded = []
        for part in progress.approvable_by(reviewer):
            verdict = PartDecision(
                review=review,
                part_key=part.key,
                part_hash=part.change.content_hash,
                part_title=part.title[:500],
                reviewer=reviewer,
                outcome=PartDecision.Outcome.APPROVED,
                note="",
                decided_at=step.at,
                signed_at=step.at,
                created_at=step.at,
            )
            # As `_verdict` does: the progress now counts it, as rebuilt it would.
            part.decisions.append(verdict)
            recorded.append(verdict)
        if not recorded:
            raise ValueError(f"{drug.name}: {step.by} has no part left to approve.")
        in_review.verdicts += recorded
        rows.part_decisions += recorded
        complete = progress.is_complete
        if complete:
            review.close(status=Review.Status.APPROVED, at=step.at)
            self._go_live(rows, review, progress, live, at=step.at, approver=reviewer)
            outcome, action = Decision.Outcome.APPROVED, AuditEntry.Action.APPROVED
            comment = _decided_parts_text(recorded, "")
        else:
            outcome, action = Decision.Outcome.PARTLY_APPROVED, AuditEntry.Action.PARTS_DECIDED
            comment = f"{_decided_parts_text(recorded, '')} Still needed: {progress.summary}."
        approved_parts = {verdict.part_key: verdict.part_hash for verdict in recorded}
        decision = Decision(
            id=keys(Decision),
            review=review,
            reviewer=reviewer,
            outcome=outcome,
            comment="",
            section_notes={},
            attestation=attestation_text(),
            signature_method=unattended_method(BENCH_MEANS),
            signed_at=step.at,
            approved_parts=approved_parts,
            approved_parts_hash=approved_parts_digest(approved_parts),
            created_at=step.at,
        )
        rows.decisions.append(decision)
        for verdict in recorded:
            verdict.decision = decision
        self._audit(rows, keys, drug, action, reviewer.pk, revision, step, comment)
        return complete

    @staticmethod
    def _progress(in_review: _OpenReview) -> ReviewProgress:
        """The review's progress against what is live, from the verdicts replayed so far."""
        review = in_review.review
        return review_progress(
            review, base=review.drug.published_revision, decisions=in_review.verdicts
        )

    @staticmethod
    def _go_live(
        rows, review: Review, progress: ReviewProgress, live: dict, *, at, approver
    ) -> None:
        """_go_live: record each part's review (`part_records`), stamp the revision
        and point the drug at it. The article is assembled after the replay."""
        revision, drug = review.revision, review.drug
        published = part_records(revision, earlier=live, progress=progress)
        records = [part.record for part in published]
        rows.reviewed_parts += records
        # The parts are numbered on insert; bulk_create gives each link its part's key then.
        rows.part_reviewers += [
            ReviewedPart.reviewers.through(reviewedpart=part.record, user_id=user_id)
            for part in published
            for user_id in part.reviewer_ids
        ]
        live.clear()
        live.update((part.record.key, part) for part in published)
        revision.record_approval(
            by=approver,
            credit=credit_line(records),
            at=at,
            next_review_due=min(record.next_review_due for record in records),
            assemble=False,
        )
        # The article reads the part records: hand them over as if prefetched (not yet inserted).
        revision._prefetched_objects_cache = {"reviewed_parts": records}
        rows.to_assemble.append(revision)
        drug.published_revision = revision
        drug.updated_at = at

    @staticmethod
    def _audit(rows, keys, drug, action, actor, revision, step, comment) -> None:
        rows.audits.append(
            AuditEntry(
                id=keys(AuditEntry),
                drug=drug,
                action=action,
                actor_id=actor,
                revision=revision,
                comment=comment,
                created_at=step.at,
            )
        )

    @staticmethod
    def _history(rows, instance, history_type: str, user_id: int, stamp: datetime) -> None:
        model = type(instance)
        history_model = _HISTORY_MODELS[model]
        fields = {
            tracked.attname: getattr(instance, tracked.attname)
            for tracked in history_model.tracked_fields
        }
        if model is Drug:
            # From the prefetched components (the workers have no database connection).
            fields["component_ids"] = sorted(
                component.pk for component in instance.components.all()
            )
        rows.history[model].append(
            history_model(
                history_date=stamp,
                history_type=history_type,
                history_user_id=user_id,
                history_change_reason=None,
                **fields,
            )
        )


def _plan_counts(plan: DrugPlan) -> dict:
    submits = sum(1 for step in plan.steps if step.action == "submit")
    approvals = sum(1 for step in plan.steps if step.action == "approve")
    return {
        Drug: 1,
        Section: len(plan.sections),
        FAQItem: len(plan.faqs),
        Revision: submits,
        Review: submits,
        Decision: approvals,
        AuditEntry: submits + approvals,
    }


class BulkWriter:
    """Write plans with bulk inserts, `workers` processes rendering and replaying them."""

    def __init__(self, users: dict, *, workers: int = 1, batch_size: int = 25):
        self.people = _People(users=users)
        self.workers = workers
        self.batch_size = batch_size
        self.drug_ids: dict[str, int] = {}

    def write_all(self, plans: Iterable[DrugPlan], progress=None) -> None:
        self.next_keys = {
            model: (model.objects.aggregate(last=Max("pk"))["last"] or 0) + 1
            for model in _ROW_MODELS
        }
        batches = (self._tasks(batch) for batch in _chunks(plans, self.batch_size))
        done = 0
        with _keeping_timestamps(Drug, Revision, Review, Decision, PartDecision):
            for rows in self._replayed(batches):
                self._insert(rows)
                done += len(rows.drugs)
                if progress:
                    progress(done)
        self._reset_sequences()
        with connection.cursor() as cursor:
            # The planner's statistics still describe empty tables: without this, PostgreSQL
            # scans 10,000 search documents instead of using their GIN index.
            cursor.execute("ANALYZE")

    def _tasks(self, plans: list[DrugPlan]) -> list[_Task]:
        tasks = []
        for plan in plans:
            keys = _Keys(dict(self.next_keys))
            for model, count in _plan_counts(plan).items():
                self.next_keys[model] += count
            self.drug_ids[plan.name] = keys.next[Drug]
            tasks.append(_Task(plan, keys, [self.drug_ids[name] for name in plan.components]))
        return tasks

    def _replayed(self, batches: Iterator[list[_Task]]) -> Iterator[_Rows]:
        """Replayed batches in order; up to two batches per worker in flight."""
        if self.workers <= 1:
            for tasks in batches:
                yield _replay_tasks(self.people, tasks)
            return
        if not connection.in_atomic_block:
            # The forked workers must not share a database socket (they use none: combinations,
            # the only articles that query, are assembled here).
            connections.close_all()
        with multiprocessing.get_context("fork").Pool(self.workers) as pool:
            in_flight: list = []
            for tasks in batches:
                in_flight.append(pool.apply_async(_replay_tasks, (self.people, tasks)))
                if len(in_flight) > 2 * self.workers:
                    yield in_flight.pop(0).get()
            while in_flight:
                yield in_flight.pop(0).get()

    @transaction.atomic
    def _insert(self, rows: _Rows) -> None:
        # How many part verdicts and review records a plan writes depends on how many parts
        # each revision changes, known only once replayed: they are numbered here, in order.
        number = _Keys(self.next_keys)
        for model, objects in (
            (PartDecision, rows.part_decisions),
            (ReviewedPart, rows.reviewed_parts),
        ):
            for row in objects:
                row.pk = number(model)
        Drug.objects.bulk_create(rows.drugs)
        Drug.components.through.objects.bulk_create(rows.components)
        for revision in rows.to_assemble:
            revision.assemble_article()
        for model, objects in [
            (Section, rows.sections),
            (FAQItem, rows.faqs),
            (Revision, rows.revisions),
            (Revision.authors.through, rows.authors),
            (ReviewedPart, rows.reviewed_parts),
            (ReviewedPart.reviewers.through, rows.part_reviewers),
            (Review, rows.reviews),
            (Decision, rows.decisions),
            (PartDecision, rows.part_decisions),
        ]:
            model.objects.bulk_create(objects, batch_size=200)
        for model, history in rows.history.items():
            _HISTORY_MODELS[model].objects.bulk_create(history, batch_size=500)
        for drug in rows.drugs:
            if drug.published_revision_id is not None:
                publication_changed(drug)
        # Chained as `audit_record` chains them, in the order written; the head is locked last.
        audit_chain_extend(entries=rows.audits)
        AuditEntry.objects.bulk_create(rows.audits, batch_size=200)

    def _reset_sequences(self) -> None:
        statements = connection.ops.sequence_reset_sql(no_style(), list(_ROW_MODELS))
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
