"""Whoever may edit sections may edit references; whoever may read monographs may read them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDIT = [f"{action}_reference" for action in ("add", "change", "delete", "view")]
GROUPS = {"Contributors": EDIT, "Editors": EDIT, "Medical reviewers": ["view_reference"]}


def grant(apps, schema_editor):
    # Permissions are normally created after `migrate`; this migration needs the new ones now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="monographs", codename__in=GROUPS[group.name]
            )
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.remove(
            *group.permissions.filter(content_type__app_label="monographs", codename__in=EDIT)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0020_review_comments"),
        ("monographs", "0015_references"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
