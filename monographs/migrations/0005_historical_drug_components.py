"""Drug history rows record the drug's components.

Rows written before this migration never recorded them: they get the drug's components as
they are now, which is what the history pages showed for every version until then.
"""

from django.db import migrations, models


def components_as_now(apps, schema_editor):
    Drug = apps.get_model("monographs", "Drug")
    HistoricalDrug = apps.get_model("monographs", "HistoricalDrug")
    current: dict[int, list[int]] = {}
    for from_id, to_id in Drug.components.through.objects.values_list("from_drug_id", "to_drug_id"):
        current.setdefault(from_id, []).append(to_id)
    for drug_id, component_ids in current.items():
        HistoricalDrug.objects.filter(id=drug_id).update(component_ids=sorted(component_ids))


class Migration(migrations.Migration):
    dependencies = [
        ("monographs", "0004_search_fts_triggers"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicaldrug",
            name="component_ids",
            field=models.JSONField(
                blank=True, default=list, help_text="The ids of the drug's components at that moment."
            ),
        ),
        migrations.RunPython(components_as_now, migrations.RunPython.noop),
    ]
