from django.db import models


class ChangeTrackedModel(models.Model):
    """A model whose saves write a history row (and bump `version`) only when content changed.

    `version` is the optimistic lock: a form that was opened at version N may only save while
    the row is still at version N.
    """

    untracked_fields: frozenset[str] = frozenset({"version", "updated_at"})

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.normalize_line_endings()
        changed = self.has_changed()
        if changed:
            self.prepare_for_save()
            if self.pk is not None and getattr(self, "_loaded_state", None) is not None:
                self.version += 1
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "version"}
        else:
            self.skip_history_when_saving = True
        try:
            super().save(*args, **kwargs)
        finally:
            self.__dict__.pop("skip_history_when_saving", None)
        self._loaded_state = self.tracked_state()

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_state = instance.tracked_state()
        return instance

    def tracked_state(self) -> dict:
        return {
            field.attname: self.__dict__.get(field.attname)
            for field in self._meta.concrete_fields
            if field.name not in self.untracked_fields and field.attname in self.__dict__
        }

    def normalize_line_endings(self) -> None:
        """Store LF only: browsers post textareas with CRLF, which is no change of content."""
        for field in self._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField):
                value = self.__dict__.get(field.attname)
                if isinstance(value, str) and "\r" in value:
                    setattr(self, field.attname, value.replace("\r\n", "\n").replace("\r", "\n"))

    def has_changed(self) -> bool:
        loaded = getattr(self, "_loaded_state", None)
        return loaded is None or self.pk is None or loaded != self.tracked_state()

    def prepare_for_save(self) -> None:
        """Hook for derived fields (rendered HTML, slugs) computed before saving a change."""
