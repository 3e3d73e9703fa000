"""The audit trail's hash: one pure function for the writer, the bulk writer, the verifier and
the migration that chained the entries written before there was a chain.

An entry's hash covers its own fields and the hash of the entry before it, so changing,
removing or inserting an entry anywhere breaks every link after it.
"""

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC

GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
    "sequence",
    "created_at",
    "action",
    "actor_id",
    "drug_id",
    "revision_id",
    "subject_id",
    "comment",
    "details",
    "previous_hash",
)


def audit_hash(entry: Mapping) -> str:
    """The SHA-256 of `entry`'s HASHED_FIELDS, as sorted-key JSON with the time in UTC."""
    created_at = entry["created_at"]
    if created_at.tzinfo is None:
        raise ValueError("An audit entry's time must be timezone-aware.")
    fields = {name: entry[name] for name in HASHED_FIELDS}
    fields["created_at"] = created_at.astimezone(UTC).isoformat(timespec="microseconds")
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
