"""Import monograph documents (the seed layouts and our own Jekyll export) as draft drugs."""

import logging
from dataclasses import dataclass, field
from pathlib import Path

from monographs import limits
from monographs.importer.loading import monograph_load
from monographs.importer.parsing import (
    ImportFailed,
    ParsedFAQ,
    ParsedMonograph,
    ParsedSection,
    decode_document,
    parse_document,
)
from monographs.models import Drug

DOCUMENT_SUFFIXES = frozenset({".md", ".markdown", ".txt"})

logger = logging.getLogger(__name__)

__all__ = [
    "DOCUMENT_SUFFIXES",
    "ImportFailed",
    "ImportReport",
    "ImportedFile",
    "ParsedFAQ",
    "ParsedMonograph",
    "ParsedSection",
    "import_file",
    "import_new_file",
    "import_paths",
    "parse_document",
]


@dataclass
class ImportedFile:
    path: Path
    drug: Drug
    created: bool
    changed: bool
    skipped: bool = False

    @property
    def outcome(self) -> str:
        if self.skipped:
            return "skipped, it exists already"
        if self.created:
            return "created"
        return "updated" if self.changed else "unchanged"


@dataclass
class ImportReport:
    imported: list[ImportedFile] = field(default_factory=list)
    failures: list[ImportFailed] = field(default_factory=list)

    @property
    def drugs(self) -> list[Drug]:
        return [item.drug for item in self.imported]

    @property
    def ok(self) -> bool:
        return not self.failures

    def count(self, outcome: str) -> int:
        return sum(item.outcome == outcome for item in self.imported)


def import_file(path: Path, *, user, reason: str | None = None) -> Drug:
    """Import one file as a draft, all or nothing; raise `ImportFailed` on bad input."""
    return _import_file(Path(path), user=user, reason=reason).drug


def import_new_file(path: Path, *, user, reason: str | None = None) -> ImportedFile:
    """Import one file only if its drug does not exist yet; an existing one is left alone."""
    return _import_file(Path(path), user=user, reason=reason, only_new=True)


def import_paths(paths: list[Path], *, user) -> ImportReport:
    """Import files and folders (their .md/.markdown/.txt files), going on past any failure."""
    report = ImportReport()
    for path in _expand(paths, report):
        try:
            report.imported.append(_import_file(path, user=user))
        except ImportFailed as failure:
            report.failures.append(failure)
        except Exception as error:
            # A bug must not cost the rest of the run, nor go unseen: one line, traceback logged.
            logger.exception("Importing %s failed unexpectedly", path)
            reason = " ".join(f"unexpected error ({type(error).__name__}: {error})".split())
            report.failures.append(ImportFailed(path.name, reason[:300]))
    return report


def _import_file(
    path: Path, *, user, reason: str | None = None, only_new: bool = False
) -> ImportedFile:
    try:
        return _import(path, user=user, reason=reason, only_new=only_new)
    except RecursionError:
        # Input nested deeper than a parser or the markdown renderer can recurse.
        logger.warning("Importing %s hit the recursion limit", path, exc_info=True)
        raise ImportFailed(path.name, "nested too deeply to import (RecursionError)") from None


def _import(path: Path, *, user, reason: str | None, only_new: bool) -> ImportedFile:
    try:
        # Read one byte past the limit rather than trusting the size a stat reports.
        with path.open("rb") as file:
            data = file.read(limits.MAX_DOCUMENT_BYTES + 1)
    except OSError as error:
        raise ImportFailed(path.name, f"cannot read the file ({error.strerror})") from None
    if len(data) > limits.MAX_DOCUMENT_BYTES:
        raise ImportFailed(
            path.name,
            f"the file is larger than the limit of {limits.MAX_DOCUMENT_BYTES} bytes "
            "(MAX_DOCUMENT_BYTES)",
        )
    parsed = parse_document(decode_document(data, source_name=path.name), source_name=path.name)
    result = monograph_load(
        parsed,
        user=user,
        reason=reason or f"Imported from {path.name}",
        source_name=path.name,
        only_new=only_new,
    )
    return ImportedFile(
        path=path,
        drug=result.drug,
        created=result.created,
        changed=result.changed,
        skipped=result.skipped,
    )


def _expand(paths: list[Path], report: ImportReport) -> list[Path]:
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = sorted(
                child
                for child in path.iterdir()
                if child.is_file()
                and child.suffix.lower() in DOCUMENT_SUFFIXES
                and not child.name.startswith(".")
            )
            if not found:
                suffixes = "/".join(sorted(DOCUMENT_SUFFIXES))
                report.failures.append(
                    ImportFailed(path.name or str(path), f"no {suffixes} files in folder")
                )
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            report.failures.append(ImportFailed(path.name or str(path), "no such file or folder"))
    return files
