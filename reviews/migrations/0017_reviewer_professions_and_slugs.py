from django.db import migrations
from django.utils.text import slugify


def give_slugs(apps, schema_editor):
    """Each existing reviewer gets the public page address a new one would."""
    ReviewerProfile = apps.get_model("reviews", "ReviewerProfile")
    taken = set()
    for profile in ReviewerProfile.objects.select_related("user").order_by("pk"):
        base = slugify(f"{profile.user.first_name} {profile.user.last_name}")[:100] or "reviewer"
        slug, number = base, 1
        while slug in taken:
            number += 1
            slug = f"{base}-{number}"
        taken.add(slug)
        profile.slug = slug
        profile.save(update_fields=["slug"])


def prescribers_are_physicians(apps, schema_editor):
    ReviewerProfile = apps.get_model("reviews", "ReviewerProfile")
    ReviewerProfile.objects.filter(profession="prescriber").update(profession="physician")


def physicians_are_prescribers(apps, schema_editor):
    ReviewerProfile = apps.get_model("reviews", "ReviewerProfile")
    ReviewerProfile.objects.filter(profession__in=["physician", "nurse_prescriber"]).update(
        profession="prescriber"
    )


class Migration(migrations.Migration):
    """Data only: PostgreSQL refuses to change a table's schema in the transaction that wrote
    its rows ("pending trigger events"), so the schema is in 0011 and the unique slug in 0013."""

    dependencies = [("reviews", "0016_verified_credentials_and_interests")]

    operations = [
        migrations.RunPython(prescribers_are_physicians, physicians_are_prescribers),
        migrations.RunPython(give_slugs, migrations.RunPython.noop),
    ]
