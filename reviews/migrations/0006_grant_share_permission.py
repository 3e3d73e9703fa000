from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = ["Medical reviewers", "Editors"]
CODENAME = "share_revision"


def grant(apps, schema_editor):
    # Permissions are normally created after `migrate`; this migration needs the new one now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label="reviews", codename=CODENAME)
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.remove(
            *group.permissions.filter(content_type__app_label="reviews", codename=CODENAME)
        )


class Migration(migrations.Migration):
    dependencies = [("reviews", "0005_share_links")]

    operations = [migrations.RunPython(grant, revoke)]
