from django.db import migrations, models


class Migration(migrations.Migration):
    """Apart from 0011: PostgreSQL refuses to alter a table in the transaction that updated
    its rows (pending trigger events)."""

    dependencies = [
        ("reviews", "0011_audit_hash_chain"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditentry",
            name="sequence",
            field=models.PositiveBigIntegerField(editable=False, unique=True),
        ),
    ]
