from django.db import migrations

# Every public monograph request reads one stored article (~25 KB of HTML), which PostgreSQL
# keeps compressed out of line. LZ4 decompresses it in a fraction of the time of the default
# pglz at about the same size. Articles stored before this migration keep pglz until they are
# stored again (`manage.py assemble_articles`). Servers built without LZ4 keep pglz.
ARTICLE_HTML = "monographs_revision ALTER COLUMN article_html"


def _lz4_available(schema_editor) -> bool:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def use_lz4(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql" and _lz4_available(schema_editor):
        schema_editor.execute(f"ALTER TABLE {ARTICLE_HTML} SET COMPRESSION lz4")


def use_default(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {ARTICLE_HTML} SET COMPRESSION DEFAULT")


class Migration(migrations.Migration):
    dependencies = [
        ("monographs", "0006_listing_indexes"),
    ]

    operations = [migrations.RunPython(use_lz4, use_default, elidable=False)]
