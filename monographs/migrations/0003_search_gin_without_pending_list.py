from django.db import migrations

INDEXES = (
    "monographs_search_vector_gin",
    "monographs_search_names_gin",
    "monographs_search_name_trgm",
)


def write_through(apps, schema_editor):
    """Let publishing write straight into the GIN indexes.

    With fastupdate, new entries wait in a pending list that every search scans until a
    vacuum merges it; publishing is rare and searching constant, so pay at publish time.
    """
    if schema_editor.connection.vendor != "postgresql":
        return
    for index in INDEXES:
        schema_editor.execute(f"ALTER INDEX {index} SET (fastupdate = off)")
        schema_editor.execute(f"SELECT gin_clean_pending_list('{index}'::regclass)")


def buffer_writes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index in INDEXES:
        schema_editor.execute(f"ALTER INDEX {index} RESET (fastupdate)")


class Migration(migrations.Migration):

    dependencies = [
        ("monographs", "0002_searchdocument"),
    ]

    operations = [
        migrations.RunPython(write_through, buffer_writes, elidable=False),
    ]
