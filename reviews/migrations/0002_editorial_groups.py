from django.contrib.auth.management import create_permissions
from django.db import migrations

CONTENT = ["drug", "section", "faqitem"]
READ = [
    *(f"monographs.view_{model}" for model in [*CONTENT, "revision"]),
    "reviews.view_review",
    "reviews.view_decision",
    "reviews.view_auditentry",
]
CONTRIBUTOR = [
    *READ,
    "monographs.add_drug",
    "monographs.change_drug",
    *(f"monographs.{action}_{model}" for action in ["add", "change", "delete"] for model in ["section", "faqitem"]),
    "reviews.submit_review",
]
GROUPS = {
    "Contributors": CONTRIBUTOR,
    "Medical reviewers": [*READ, "reviews.decide_review"],
    "Editors": [
        *CONTRIBUTOR,
        "monographs.restore_drug",
        "monographs.unpublish_drug",
        "reviews.view_reviewerprofile",
        "reviews.add_reviewerprofile",
        "reviews.change_reviewerprofile",
    ],
}


def create_groups(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0001_initial"),
        ("monographs", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
