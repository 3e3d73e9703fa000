"""Each section's sources ("Title | URL" lines) become references of its monograph, cited by it.

Per monograph, in the order readers see its sections, each distinct address becomes a reference
numbered after those the monograph has; the section's text ends with `Sources: [1, 2]` and its
provenance lists no sources. Each changed section and new reference gets a history row, so the
change shows in the history and the next submission shows it to reviewers. Published revisions
are frozen and stay as they were.
"""

from django.db import migrations
from django.utils import timezone

REASON = "Sources became references cited by the section"


def _parse_sources(text: str) -> list[tuple[str, str]]:
    sources = []
    for line in (text or "").splitlines():
        if line.strip():
            title, _, url = line.rpartition("|")
            sources.append((title.strip() or url.strip(), url.strip()))
    return sources


def _history(historical_model, instance, *, moment, history_type) -> None:
    values = {
        field.attname: getattr(instance, field.attname)
        for field in historical_model._meta.concrete_fields
        if not field.name.startswith("history_") and hasattr(instance, field.attname)
    }
    historical_model.objects.create(
        **values,
        history_date=moment,
        history_type=history_type,
        history_change_reason=REASON,
        history_user=None,
    )


def sources_to_references(apps, schema_editor):
    from monographs.markdown import render_markdown

    Section = apps.get_model("monographs", "Section")
    Reference = apps.get_model("monographs", "Reference")
    HistoricalSection = apps.get_model("monographs", "HistoricalSection")
    HistoricalReference = apps.get_model("monographs", "HistoricalReference")
    moment = timezone.now()
    sections = Section.objects.exclude(sources="").order_by("drug_id", "position", "id")
    by_url: dict[tuple[int, str], int] = {}
    last_number: dict[int, int] = {}
    for section in sections:
        sources = _parse_sources(section.sources)
        if not sources:
            continue
        drug_id = section.drug_id
        if drug_id not in last_number:
            numbers = Reference.objects.filter(drug_id=drug_id).values_list("number", flat=True)
            last_number[drug_id] = max(numbers, default=0)
            for reference in Reference.objects.filter(drug_id=drug_id).exclude(url=""):
                by_url.setdefault((drug_id, reference.url), reference.number)
        cited = []
        for title, url in sources:
            number = by_url.get((drug_id, url))
            if number is None:
                last_number[drug_id] += 1
                number = last_number[drug_id]
                reference = Reference.objects.create(
                    drug_id=drug_id, number=number, title=title[:500], url=url[:2000]
                )
                _history(HistoricalReference, reference, moment=moment, history_type="+")
                by_url[(drug_id, url)] = number
            if number not in cited:
                cited.append(number)
        section.body = f"{section.body.rstrip()}\n\nSources: [{', '.join(map(str, cited))}]"
        section.body = section.body.lstrip("\n")
        section.body_html = render_markdown(section.body)
        section.sources = ""
        section.version += 1
        section.save(update_fields=["body", "body_html", "sources", "version"])
        _history(HistoricalSection, section, moment=moment, history_type="~")


class Migration(migrations.Migration):
    dependencies = [("monographs", "0015_references")]

    operations = [migrations.RunPython(sources_to_references, migrations.RunPython.noop)]
