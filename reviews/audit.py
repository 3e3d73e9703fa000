"""The editorial audit trail: the one way an entry is written, and how the trail is checked.

Entries form a hash chain (`reviews.audit_hash`): each stores its `sequence`, contiguous from 1,
the hash of the entry before it and its own hash. `AuditChainHead` holds the last sequence and
hash; appending locks and advances it in the appending transaction, so concurrent writers queue
there and the chain never forks.

Lock order: the head is locked last. A transaction that audits takes its row locks (drug,
review, revision: `monographs.locking`) before its first `audit_record`; after it, it only
inserts rows and writes rows it already holds. Other auditing transactions wait from the head's
lock to the commit, so that stretch is kept short.
"""

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from reviews.audit_hash import GENESIS_HASH, HASHED_FIELDS, audit_hash
from reviews.exceptions import AuditChainBroken
from reviews.models import AuditChainHead, AuditEntry, reviewer_display_name

# The head as this thread last left it, per database. It lets an append move the head with one
# conditional UPDATE instead of a locking read and an UPDATE; when another writer has moved it
# since (or the transaction that moved it rolled back), the UPDATE matches nothing and the head
# is read under lock.
_heads_written = threading.local()


def audit_record(
    *,
    action: str,
    actor=None,
    drug=None,
    revision=None,
    subject=None,
    comment: str = "",
    details: dict | None = None,
) -> AuditEntry:
    """Append one entry to the audit trail (inside the caller's transaction, if any)."""
    entry = AuditEntry(
        action=action,
        actor=actor,
        drug=drug,
        revision=revision,
        subject=subject,
        comment=comment,
        # As the database will give it back (keys as strings, tuples as lists): what is hashed.
        details=json.loads(json.dumps(details or {})),
        created_at=timezone.now(),
    )
    with transaction.atomic(savepoint=False):
        audit_chain_extend(entries=[entry])
        entry.save()
    return entry


def audit_chain_extend(*, entries: list[AuditEntry], using: str = DEFAULT_DB_ALIAS) -> None:
    """Number and hash unsaved `entries`, in order, after the trail's last entry, and move the
    chain head past them; the caller inserts them in the same transaction."""
    heads = AuditChainHead.objects.using(using)
    known = getattr(_heads_written, using, None)
    if known is not None:
        sequence, last_hash = _link(entries, *known)
        moved = heads.filter(
            pk=AuditChainHead.ROW, last_sequence=known[0], last_hash=known[1]
        ).update(last_sequence=sequence, last_hash=last_hash)
        if moved:
            setattr(_heads_written, using, (sequence, last_hash))
            return
    head = _locked_head(using)
    sequence, last_hash = _link(entries, head.last_sequence, head.last_hash)
    heads.filter(pk=AuditChainHead.ROW).update(last_sequence=sequence, last_hash=last_hash)
    setattr(_heads_written, using, (sequence, last_hash))


def _link(entries: list[AuditEntry], sequence: int, last_hash: str) -> tuple[int, str]:
    for entry in entries:
        sequence += 1
        entry.sequence, entry.previous_hash = sequence, last_hash
        entry.entry_hash = last_hash = entry.computed_hash()
    return sequence, last_hash


def _locked_head(using: str) -> AuditChainHead:
    heads = AuditChainHead.objects.using(using)
    head = heads.select_for_update().filter(pk=AuditChainHead.ROW).first()
    if head is None:
        if AuditEntry.objects.using(using).exists():
            raise AuditChainBroken(
                "The audit trail has entries but its chain head is gone; run verify_audit."
            )
        heads.get_or_create(pk=AuditChainHead.ROW)
        head = heads.select_for_update().get(pk=AuditChainHead.ROW)
    return head


@dataclass(frozen=True)
class AuditCheck:
    """What `audit_verify` found: how many entries it checked and the first break, if any."""

    entries: int
    problem: str = ""

    @property
    def is_intact(self) -> bool:
        return not self.problem


def audit_verify(*, batch_size: int = 2000, using: str = DEFAULT_DB_ALIAS) -> AuditCheck:
    """Recompute the whole chain, oldest first, and report the first entry found changed,
    deleted or inserted."""
    connection = connections[using]
    fresh = not connection.in_atomic_block
    with transaction.atomic(using=using, savepoint=False):
        if fresh and connection.vendor == "postgresql":
            # One snapshot for every batch: entries appended meanwhile are not half-seen.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        return _verify(using, batch_size)


def _verify(using: str, batch_size: int) -> AuditCheck:
    head = AuditChainHead.objects.using(using).filter(pk=AuditChainHead.ROW).first()
    head_sequence = head.last_sequence if head else 0
    expected, previous, checked = 1, GENESIS_HASH, 0
    for row in _rows(using, batch_size, (*HASHED_FIELDS, "id", "entry_hash")):
        sequence = row["sequence"]
        if sequence < expected:
            return AuditCheck(checked, f"{_named(row)} is out of place: it was inserted.")
        if sequence > expected:
            return AuditCheck(checked, f"Entry #{expected} is missing: it was deleted.")
        if head is not None and sequence > head_sequence:
            return AuditCheck(
                checked,
                f"{_named(row)} comes after the chain head (#{head_sequence}): it was inserted.",
            )
        if row["previous_hash"] != previous:
            return AuditCheck(
                checked,
                f"{_named(row)} does not follow entry #{expected - 1}: it was inserted or "
                "the chain was rewritten.",
            )
        if audit_hash(row) != row["entry_hash"]:
            return AuditCheck(checked, f"{_named(row)} was changed after it was written.")
        expected, previous, checked = expected + 1, row["entry_hash"], checked + 1
    if checked and head is None:
        return AuditCheck(checked, "The audit chain head is missing.")
    if head_sequence > checked:
        return AuditCheck(checked, f"Entry #{checked + 1} is missing: it was deleted.")
    if head and head.last_hash != previous:
        return AuditCheck(
            checked,
            f"The chain head does not match entry #{checked}: the newest entry was replaced "
            "or the head was altered.",
        )
    return AuditCheck(checked)


def _named(row: dict) -> str:
    action = dict(AuditEntry.Action.choices).get(row["action"], row["action"])
    return f"Entry #{row['sequence']} (id {row['id']}, {action}, {_utc(row['created_at'])})"


def _rows(using: str, batch_size: int, fields) -> Iterator[dict]:
    """Entries as dicts of `fields`, by sequence, a batch at a time (trails grow large)."""
    after = -1
    entries = AuditEntry.objects.using(using).order_by("sequence")
    while True:
        batch = list(entries.filter(sequence__gt=after).values(*fields)[:batch_size])
        yield from batch
        if len(batch) < batch_size:
            return
        after = batch[-1]["sequence"]


EXPORT_FIELDS = (
    "sequence",
    "time",
    "action",
    "action_label",
    "actor_username",
    "actor_name",
    "subject_username",
    "subject_name",
    "drug_id",
    "drug_name",
    "revision_id",
    "comment",
    "details",
    "previous_hash",
    "entry_hash",
)


def audit_export_rows(
    *, since: datetime | None = None, batch_size: int = 500, using: str = DEFAULT_DB_ALIAS
) -> Iterator[dict]:
    """Every entry (from `since`, if given), oldest first, as the governance export shows it."""
    entries = (
        AuditEntry.objects.using(using)
        .select_related("actor__reviewer_profile", "subject__reviewer_profile", "drug")
        .order_by("sequence")
    )
    if since is not None:
        entries = entries.filter(created_at__gte=since)
    after = -1
    while True:
        batch = list(entries.filter(sequence__gt=after)[:batch_size])
        for entry in batch:
            yield _export_row(entry)
        if len(batch) < batch_size:
            return
        after = batch[-1].sequence


def _export_row(entry: AuditEntry) -> dict:
    actor, subject = entry.actor, entry.subject
    return {
        "sequence": entry.sequence,
        "time": _utc(entry.created_at),
        "action": entry.action,
        "action_label": entry.get_action_display(),
        "actor_username": actor.get_username() if actor else "",
        "actor_name": reviewer_display_name(actor) if actor else "",
        "subject_username": subject.get_username() if subject else "",
        "subject_name": reviewer_display_name(subject) if subject else "",
        "drug_id": entry.drug_id,
        "drug_name": entry.drug.name if entry.drug else "",
        "revision_id": entry.revision_id,
        "comment": entry.comment,
        "details": entry.details,
        "previous_hash": entry.previous_hash,
        "entry_hash": entry.entry_hash,
    }


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")
