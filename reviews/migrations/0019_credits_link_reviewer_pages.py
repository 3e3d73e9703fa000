from django.db import migrations


def _credit(name, reviewers):
    for user in reviewers:
        full_name = f"{user.first_name} {user.last_name}".strip()
        if full_name and (name == full_name or name.startswith(f"{full_name}, ")):
            profile = getattr(user, "reviewer_profile", None)
            return {"name": name, "slug": profile.slug if profile else ""}
    return {"name": name, "slug": ""}


def credits_with_slugs(apps, schema_editor):
    """Each recorded credit names its reviewer's public page; their articles are assembled again
    (per request, until `manage.py assemble_articles` stores them) with the links."""
    ReviewedPart = apps.get_model("monographs", "ReviewedPart")
    Revision = apps.get_model("monographs", "Revision")
    stale = set()
    parts = ReviewedPart.objects.prefetch_related("reviewers__reviewer_profile")
    for part in parts.iterator(chunk_size=500):
        if not any(isinstance(credit, str) for credit in part.credits):
            continue
        reviewers = list(part.reviewers.all())
        part.credits = [
            _credit(credit, reviewers) if isinstance(credit, str) else credit
            for credit in part.credits
        ]
        part.save(update_fields=["credits"])
        stale.add(part.revision_id)
    for revision in Revision.objects.filter(pk__in=stale).exclude(article_html=""):
        revision.article_html = ""
        revision.save(update_fields=["article_html"])


def credits_as_names(apps, schema_editor):
    ReviewedPart = apps.get_model("monographs", "ReviewedPart")
    for part in ReviewedPart.objects.iterator(chunk_size=500):
        if any(isinstance(credit, dict) for credit in part.credits):
            part.credits = [
                credit["name"] if isinstance(credit, dict) else credit for credit in part.credits
            ]
            part.save(update_fields=["credits"])


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0018_reviewer_slugs_unique"),
        ("monographs", "0014_credits_name_reviewer_pages"),
    ]

    operations = [migrations.RunPython(credits_with_slugs, credits_as_names)]
