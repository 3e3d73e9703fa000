"""Send what the public reads to a read replica, and everything else to the primary.

Installed by `medref/settings.py` only when `DATABASE_REPLICA_URL` is set (the `replica`
alias). Public pages read monographs alone (drugs, sections, FAQ items, revisions, the search
index), so those reads can go to a replica that lags the primary by a moment; a publish shows
there once replicated. Three kinds of read stay on the primary:

- reads inside a transaction on the primary: the workflow's `select_for_update` locks, and
  every admin form (Django runs add/change views in `transaction.atomic`), so an editor
  always reads what they are about to overwrite;
- reads that follow a relation from an object loaded from the primary (Django's `instance`
  hint), so one object graph never mixes the two databases;
- everything outside `monographs`: users, sessions, reviews, the audit trail.
"""

from django.db import connections

PRIMARY = "default"
REPLICA = "replica"
PUBLIC_APPS = frozenset({"monographs"})


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        if model._meta.app_label not in PUBLIC_APPS:
            return PRIMARY
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY
        instance = hints.get("instance")
        if instance is not None and instance._state.db:
            return instance._state.db
        return REPLICA

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        """Both aliases hold the same data, so objects from either may be related."""
        return {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA}

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        """Only the primary is migrated; replicas receive its schema by replication."""
        return db == PRIMARY
