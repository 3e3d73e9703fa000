from django.db import models


class WorkflowOwnedModel(models.Model):
    """A model some of whose columns only the editorial workflow may write.

    A save that does not name those columns in `update_fields` leaves them as the database has
    them, whatever this instance holds: a copy loaded before an approval or an unpublish and
    saved after it can never undo the transition. The workflow writes them by naming them,
    `save(update_fields=[...])`, under the row's lock.
    """

    workflow_fields: frozenset[str] = frozenset()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if (
            not self._state.adding
            and kwargs.get("update_fields") is None
            and not kwargs.get("force_insert")
        ):
            kwargs["update_fields"] = self.content_field_names()
        super().save(*args, **kwargs)

    def content_field_names(self) -> list[str]:
        """The columns an ordinary save writes: all loaded ones but the workflow's."""
        deferred = self.get_deferred_fields()
        return [
            field.name
            for field in self._meta.concrete_fields
            if not field.primary_key
            and field.name not in self.workflow_fields
            and field.attname not in deferred
        ]
