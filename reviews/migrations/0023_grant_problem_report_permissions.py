from django.contrib.auth.management import create_permissions
from django.db import migrations

# Editors and medical reviewers triage reports; contributors read them (without the reader's
# address) so they can fix what is reported.
GROUPS = {
    "Editors": ["view_problemreport", "change_problemreport"],
    "Medical reviewers": ["view_problemreport", "change_problemreport"],
    "Contributors": ["view_problemreport"],
}


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
                content_type__app_label="reviews", codename__in=GROUPS[group.name]
            )
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.remove(
            *group.permissions.filter(
                content_type__app_label="reviews", codename__in=GROUPS[group.name]
            )
        )


class Migration(migrations.Migration):
    dependencies = [("reviews", "0022_problem_reports")]

    operations = [migrations.RunPython(grant, revoke)]
