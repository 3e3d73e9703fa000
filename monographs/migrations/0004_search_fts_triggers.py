from django.db import migrations

# Keep the external-content FTS5 tables in step with monographs_searchdocument inside SQLite
# itself, so every way a row changes (our index updates, QuerySet.delete(), a cascade, the
# test runner's flush) reaches the index. A migration that rebuilds this table on SQLite
# (Django drops and recreates a table to alter it) must create these triggers again.
TABLES = {
    "monographs_search_fts": ("name", "aliases", "body", "faqs"),
    "monographs_search_names": ("name",),
}


def _statements():
    for table, columns in TABLES.items():
        names = ", ".join(columns)
        new = ", ".join(f"new.{column}" for column in columns)
        old = ", ".join(f"old.{column}" for column in columns)
        insert = f"INSERT INTO {table} (rowid, {names}) VALUES (new.drug_id, {new});"
        delete = (
            f"INSERT INTO {table} ({table}, rowid, {names}) VALUES ('delete', old.drug_id, {old});"
        )
        yield (
            f"CREATE TRIGGER {table}_ai AFTER INSERT ON monographs_searchdocument "
            f"BEGIN {insert} END"
        )
        yield (
            f"CREATE TRIGGER {table}_ad AFTER DELETE ON monographs_searchdocument "
            f"BEGIN {delete} END"
        )
        yield (
            f"CREATE TRIGGER {table}_au AFTER UPDATE ON monographs_searchdocument "
            f"BEGIN {delete} {insert} END"
        )
        # Whatever the index held before (entries left by a flush), start from the rows.
        yield f"INSERT INTO {table} ({table}) VALUES ('rebuild')"


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in _statements():
        schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for table in TABLES:
        for suffix in ("ai", "ad", "au"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_{suffix}")


class Migration(migrations.Migration):

    dependencies = [
        ("monographs", "0003_search_gin_without_pending_list"),
    ]

    operations = [
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
