import django.contrib.postgres.search
import django.db.models.deletion
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

# Backend-specific index objects stay out of the model state: GIN indexes do not exist on
# SQLite and an FTS5 table does not exist on PostgreSQL.
POSTGRESQL_FORWARDS = [
    # Keep the heap narrow (text and vectors go to TOAST) so scanning matches stays cheap.
    "ALTER TABLE monographs_searchdocument SET (toast_tuple_target = 128)",
    *(
        f"ALTER TABLE monographs_searchdocument ALTER COLUMN {column} SET STORAGE MAIN"
        for column in ("slug", "name", "drug_class", "aliases", "names_vector")
    ),
    # Without statistics the planner assumes a match is rare and always takes the GIN index:
    # a sequential scan would decompress every vector just to test a common word.
    "ALTER TABLE monographs_searchdocument ALTER COLUMN search_vector SET STATISTICS 0",
    "ALTER TABLE monographs_searchdocument ALTER COLUMN names_vector SET STATISTICS 0",
    "CREATE INDEX monographs_search_vector_gin ON monographs_searchdocument"
    " USING gin (search_vector)",
    "CREATE INDEX monographs_search_names_gin ON monographs_searchdocument"
    " USING gin (names_vector)",
    "CREATE INDEX monographs_search_name_trgm ON monographs_searchdocument"
    " USING gin (name gin_trgm_ops)",
]
POSTGRESQL_BACKWARDS = [
    "DROP INDEX IF EXISTS monographs_search_vector_gin",
    "DROP INDEX IF EXISTS monographs_search_names_gin",
    "DROP INDEX IF EXISTS monographs_search_name_trgm",
]
# External-content FTS5 tables over the search documents (words, and name trigrams for
# misspellings); monographs.search keeps them in step with the rows.
SQLITE_FORWARDS = [
    "CREATE VIRTUAL TABLE monographs_search_fts USING fts5("
    "name, aliases, body, faqs,"
    " content='monographs_searchdocument', content_rowid='drug_id',"
    " tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE VIRTUAL TABLE monographs_search_names USING fts5("
    "name, content='monographs_searchdocument', content_rowid='drug_id', tokenize='trigram')",
    "CREATE VIRTUAL TABLE monographs_search_name_trigrams"
    " USING fts5vocab(monographs_search_names, 'instance')",
]
SQLITE_BACKWARDS = [
    "DROP TABLE IF EXISTS monographs_search_name_trigrams",
    "DROP TABLE IF EXISTS monographs_search_fts",
    "DROP TABLE IF EXISTS monographs_search_names",
]


class TrigramExtensionOnPostgres(TrigramExtension):
    """TrigramExtension, whose reverse (unlike its forward) would query pg_extension on SQLite."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def create_search_indexes(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": POSTGRESQL_FORWARDS, "sqlite": SQLITE_FORWARDS}.get(vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


def drop_search_indexes(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": POSTGRESQL_BACKWARDS, "sqlite": SQLITE_BACKWARDS}.get(vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('monographs', '0001_initial'),
    ]

    operations = [
        TrigramExtensionOnPostgres(),
        migrations.CreateModel(
            name='SearchDocument',
            fields=[
                ('drug', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='search_document', serialize=False, to='monographs.drug')),
                ('slug', models.SlugField(db_index=False, max_length=200)),
                ('name', models.CharField(max_length=200)),
                ('drug_class', models.CharField(blank=True, max_length=200)),
                ('aliases', models.TextField(blank=True, help_text='Generic name, other names and class.')),
                ('body', models.TextField(blank=True, help_text='Section headings and text.')),
                ('faqs', models.TextField(blank=True, help_text='FAQ questions and answers.')),
                ('reviewed_at', models.DateTimeField()),
                ('names_vector', django.contrib.postgres.search.SearchVectorField(editable=False, null=True)),
                ('search_vector', django.contrib.postgres.search.SearchVectorField(editable=False, null=True)),
            ],
        ),
        migrations.RunPython(create_search_indexes, drop_search_indexes, elidable=False),
    ]
