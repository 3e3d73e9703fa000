"""Number every working copy's sections in the order readers were shown them.

Sections used to be shown in a fixed order of kinds, positions only ordering sections of the
same kind; now the positions alone are the order. Renumbering each drug's sections in the order
shown so far keeps every page, and every working copy's content hash, as it was: nothing
reorders without a reviewed edit. No history row is written: the order shown, and so every
version's content, is what it was; a section's next save records its position with the rest.
"""

from django.db import migrations

KIND_ORDER = [
    "generic_name",
    "usage",
    "dosage",
    "side_effects",
    "how_it_works",
    "precautions",
    "contraindications",
    "interactions",
    "disclaimer",
    "other",
]


def _rank(kind: str) -> int:
    return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)


def number_in_shown_order(apps, schema_editor):
    Section = apps.get_model("monographs", "Section")
    by_drug: dict[int, list] = {}
    for section in Section.objects.order_by("drug_id", "position", "id").only(
        "pk", "drug_id", "kind", "position"
    ):
        by_drug.setdefault(section.drug_id, []).append(section)
    changed = []
    for sections in by_drug.values():
        sections.sort(key=lambda section: (_rank(section.kind), section.position, section.pk))
        for position, section in enumerate(sections):
            if section.position != position:
                section.position = position
                changed.append(section)
    Section.objects.bulk_update(changed, ["position"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("monographs", "0009_published_slugs_and_component_names")]

    operations = [migrations.RunPython(number_in_shown_order, migrations.RunPython.noop)]
