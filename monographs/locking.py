"""Row locks, taken in one order by every transaction that locks more than one row.

The order is: the drug, then its sections and FAQ items or its review, then the revision.
Content saves (the admin, restore, the importer) lock the drug before any of its rows; the
workflow (`reviews.services`) locks the drug before the review and the review before its
revision. Two transactions that take the same rows in the same order wait for each other
instead of deadlocking. A query that joins locks only its own rows
(`select_for_update(of=("self",))`), so that a join never takes a row out of order. Last of
all, after every row lock, recording an audit entry locks the audit trail's chain head
(`reviews.audit`), held until the commit.

A lock conflict that still happens (a deadlock with something outside this order, or a lock
timeout) is told apart from other database errors by `is_lock_conflict`, so that a view can
retry the transaction or ask the person to try again, keeping what they typed.
"""

from django.db import OperationalError

from monographs.models import Drug

# PostgreSQL's deadlock_detected and lock_not_available.
LOCK_CONFLICT_SQLSTATES = frozenset({"40P01", "55P03"})
SQLITE_LOCKED_MESSAGES = ("database is locked", "database table is locked")


def drug_lock(*, pk) -> Drug | None:
    """Lock the drug's row until the transaction ends; the first lock of any that take several.

    None if the drug does not exist (any more).
    """
    return Drug.objects.select_for_update(of=("self",)).filter(pk=pk).first()


def is_lock_conflict(error: BaseException) -> bool:
    """Whether `error` is a deadlock or lock timeout, which trying again may get past."""
    if not isinstance(error, OperationalError):
        return False
    if getattr(error.__cause__, "sqlstate", None) in LOCK_CONFLICT_SQLSTATES:
        return True
    return str(error).startswith(SQLITE_LOCKED_MESSAGES)
