from django.db import migrations


def articles_assembled_again(apps, schema_editor):
    """Published articles gain "Report a problem" links: they are assembled again (per request,
    until `manage.py assemble_articles` stores them)."""
    Revision = apps.get_model("monographs", "Revision")
    published = Revision.objects.filter(published_for__isnull=False).exclude(article_html="")
    for revision in published.only("pk").iterator(chunk_size=500):
        revision.article_html = ""
        revision.save(update_fields=["article_html"])


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0023_grant_problem_report_permissions"),
        ("monographs", "0016_section_sources_become_references"),
    ]

    operations = [migrations.RunPython(articles_assembled_again, migrations.RunPython.noop)]
