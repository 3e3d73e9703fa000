import django.utils.timezone
from django.db import migrations, models

from reviews.audit_hash import GENESIS_HASH, HASHED_FIELDS, audit_hash

BATCH = 1000


def chain_existing_entries(apps, schema_editor):
    """Chain the entries written so far, oldest first, and point the head at the last one."""
    AuditEntry = apps.get_model("reviews", "AuditEntry")
    AuditChainHead = apps.get_model("reviews", "AuditChainHead")
    entries = AuditEntry.objects.using(schema_editor.connection.alias)
    sequence, last_hash = 0, GENESIS_HASH
    ids = list(entries.order_by("created_at", "id").values_list("id", flat=True))
    for start in range(0, len(ids), BATCH):
        batch = entries.in_bulk(ids[start : start + BATCH])
        linked = []
        for pk in ids[start : start + BATCH]:
            entry = batch[pk]
            sequence += 1
            entry.sequence, entry.previous_hash = sequence, last_hash
            entry.entry_hash = last_hash = audit_hash(
                {name: getattr(entry, name) for name in HASHED_FIELDS}
            )
            linked.append(entry)
        entries.bulk_update(linked, ["sequence", "previous_hash", "entry_hash"])
    AuditChainHead.objects.using(schema_editor.connection.alias).update_or_create(
        pk=1, defaults={"last_sequence": sequence, "last_hash": last_hash}
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0010_audit_entries_beyond_drugs"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("last_sequence", models.PositiveBigIntegerField(default=0)),
                ("last_hash", models.CharField(default=GENESIS_HASH, max_length=64)),
            ],
        ),
        migrations.AddField(
            model_name="auditentry",
            name="sequence",
            field=models.PositiveBigIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="previous_hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditentry",
            name="entry_hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
        ),
        migrations.RunPython(chain_existing_entries, migrations.RunPython.noop),
    ]
