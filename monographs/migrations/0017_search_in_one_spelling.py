from django.db import migrations

# SQLite: the FTS5 word index reads the search documents through a view that puts every text
# column in search's spelling (medref_search_terms(), registered on each connection by
# monographs.search.sqlite), so "anaemia" and "anemia" are one word to it. The triggers of
# migration 0004 for this table are replaced by ones that index (and delete) the same forms.
# PostgreSQL computes its vectors from that spelling in Python: nothing to change here (the
# next migration rewrites the documents and their vectors).
COLUMNS = ("name", "aliases", "body", "faqs")
TOKENIZE = "porter unicode61 remove_diacritics 2"


def _terms(prefix: str) -> str:
    return ", ".join(f"medref_search_terms({prefix}.{column})" for column in COLUMNS)


def _forwards():
    names = ", ".join(COLUMNS)
    terms = ", ".join(f"medref_search_terms({column}) AS {column}" for column in COLUMNS)
    insert = f"INSERT INTO monographs_search_fts (rowid, {names}) VALUES (new.drug_id, {_terms('new')});"
    delete = (
        f"INSERT INTO monographs_search_fts (monographs_search_fts, rowid, {names})"
        f" VALUES ('delete', old.drug_id, {_terms('old')});"
    )
    yield from _drop_triggers()
    yield "DROP TABLE IF EXISTS monographs_search_fts"
    yield (
        "CREATE VIEW monographs_search_terms AS"
        f" SELECT drug_id, {terms} FROM monographs_searchdocument"
    )
    yield (
        f"CREATE VIRTUAL TABLE monographs_search_fts USING fts5({names},"
        " content='monographs_search_terms', content_rowid='drug_id',"
        f" tokenize='{TOKENIZE}')"
    )
    yield (
        "CREATE TRIGGER monographs_search_fts_ai AFTER INSERT ON monographs_searchdocument"
        f" BEGIN {insert} END"
    )
    yield (
        "CREATE TRIGGER monographs_search_fts_ad AFTER DELETE ON monographs_searchdocument"
        f" BEGIN {delete} END"
    )
    yield (
        "CREATE TRIGGER monographs_search_fts_au AFTER UPDATE ON monographs_searchdocument"
        f" BEGIN {delete} {insert} END"
    )
    yield "INSERT INTO monographs_search_fts (monographs_search_fts) VALUES ('rebuild')"


def _backwards():
    names = ", ".join(COLUMNS)
    new = ", ".join(f"new.{column}" for column in COLUMNS)
    old = ", ".join(f"old.{column}" for column in COLUMNS)
    insert = f"INSERT INTO monographs_search_fts (rowid, {names}) VALUES (new.drug_id, {new});"
    delete = (
        f"INSERT INTO monographs_search_fts (monographs_search_fts, rowid, {names})"
        f" VALUES ('delete', old.drug_id, {old});"
    )
    yield from _drop_triggers()
    yield "DROP TABLE IF EXISTS monographs_search_fts"
    yield "DROP VIEW IF EXISTS monographs_search_terms"
    yield (
        f"CREATE VIRTUAL TABLE monographs_search_fts USING fts5({names},"
        " content='monographs_searchdocument', content_rowid='drug_id',"
        f" tokenize='{TOKENIZE}')"
    )
    yield (
        "CREATE TRIGGER monographs_search_fts_ai AFTER INSERT ON monographs_searchdocument"
        f" BEGIN {insert} END"
    )
    yield (
        "CREATE TRIGGER monographs_search_fts_ad AFTER DELETE ON monographs_searchdocument"
        f" BEGIN {delete} END"
    )
    yield (
        "CREATE TRIGGER monographs_search_fts_au AFTER UPDATE ON monographs_searchdocument"
        f" BEGIN {delete} {insert} END"
    )
    yield "INSERT INTO monographs_search_fts (monographs_search_fts) VALUES ('rebuild')"


def _drop_triggers():
    for suffix in ("ai", "ad", "au"):
        yield f"DROP TRIGGER IF EXISTS monographs_search_fts_{suffix}"


def index_in_one_spelling(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in _forwards():
        schema_editor.execute(statement)


def index_as_written(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in _backwards():
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ("monographs", "0016_section_sources_become_references"),
    ]

    operations = [
        migrations.RunPython(index_in_one_spelling, index_as_written, elidable=False),
    ]
