from django.db import migrations

TEXT_FIELDS = ["name", "drug_class", "aliases", "body", "faqs"]


def rewrite_documents(apps, schema_editor):
    """Write every search document again: text a line per block, vectors in one spelling.

    Snippets are cut from those lines (section titles on lines of their own); on PostgreSQL
    the vectors are computed from the text in search's spelling (on SQLite the triggers of
    migration 0017 index it as each row is written).
    """
    from monographs.search.index import document_fields
    from monographs.search.postgresql import WRITE_VECTORS, vector_params

    SearchDocument = apps.get_model("monographs", "SearchDocument")
    connection = schema_editor.connection
    documents = SearchDocument.objects.using(connection.alias).select_related(
        "drug__published_revision"
    )
    with connection.cursor() as cursor:
        for document in documents.order_by("drug_id").iterator(chunk_size=200):
            revision = document.drug.published_revision
            if revision is None:
                continue
            for field, value in document_fields(revision.content).items():
                setattr(document, field, value)
            document.save(update_fields=TEXT_FIELDS)
            if connection.vendor == "postgresql":
                cursor.execute(
                    WRITE_VECTORS,
                    vector_params(
                        document.drug_id,
                        document.name,
                        document.aliases,
                        document.body,
                        document.faqs,
                    ),
                )


class Migration(migrations.Migration):

    dependencies = [
        ("monographs", "0017_search_in_one_spelling"),
    ]

    operations = [
        migrations.RunPython(rewrite_documents, migrations.RunPython.noop, elidable=False),
    ]
