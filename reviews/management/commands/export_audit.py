import csv
import json
from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from reviews.audit import EXPORT_FIELDS, audit_export_rows

# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Command(BaseCommand):
    help = (
        "Export the audit trail, oldest first, for the governance board: JSON lines or CSV, "
        "with each entry's hashes so the board can check the chain."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--since",
            help="Only entries from this date (YYYY-MM-DD, from midnight in TIME_ZONE) or ISO 8601 "
            "date-time.",
        )
        parser.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
        parser.add_argument("--output", help="Write to this file instead of standard output.")

    def handle(self, *args, since, format, output, **options):
        rows = audit_export_rows(since=_since(since))
        if output is None:
            self._write(rows, format, self.stdout)
            return
        with open(output, "w", encoding="utf-8", newline="") as stream:
            self._write(rows, format, stream)

    @staticmethod
    def _write(rows, format: str, stream) -> None:
        if format == "jsonl":
            for row in rows:
                stream.write(json.dumps(row, ensure_ascii=False) + "\n")
            return
        writer = csv.writer(stream)
        writer.writerow(EXPORT_FIELDS)
        for row in rows:
            writer.writerow(_csv_cell(row[name]) for name in EXPORT_FIELDS)


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = parse_datetime(value)
        day = None if moment else parse_date(value)
    except ValueError:
        moment = day = None
    if day is not None:
        moment = datetime.combine(day, time.min)
    if moment is None:
        raise CommandError(
            f"--since must be a date (YYYY-MM-DD) or an ISO 8601 date-time, not {value!r}."
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
