"""Bytes to clean text, and the tidying of body lines every layout shares."""

import unicodedata

import ftfy

from monographs.importer.parsing.document import ImportFailed

_FIXER = ftfy.TextFixerConfig(
    unescape_html=False,  # `&lt;` in markdown is deliberate
    uncurl_quotes=False,  # keep typographic quotes: mojibake becomes a curly quote, not `'`
    fix_character_width=False,
    fix_latin_ligatures=False,
    explain=False,
)


def decode_document(data: bytes, *, source_name: str) -> str:
    """Decode a file's bytes as UTF-8, refusing empty, binary and non-UTF-8 files."""
    if not data.strip():
        raise ImportFailed(source_name, "the file is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFailed(source_name, "the file is UTF-16 encoded; save it as UTF-8")
    if b"\x00" in data:
        raise ImportFailed(source_name, "binary file (contains NUL bytes), not a text document")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        byte = data[error.start]
        raise ImportFailed(
            source_name,
            f"not UTF-8 text (byte 0x{byte:02x} at offset {error.start}); save it as UTF-8",
        ) from None


def clean_text(text: str) -> str:
    """Repair mojibake and normalise line endings, Unicode form and whitespace."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = ftfy.fix_text(text, _FIXER)
    text = unicodedata.normalize("NFC", text).replace("\u2011", "-")
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(_collapse_blank_lines(lines)).strip("\n")


def _collapse_blank_lines(lines: list[str]) -> list[str]:
    collapsed: list[str] = []
    for line in lines:
        if line.strip() or (collapsed and collapsed[-1].strip()):
            collapsed.append(line if line.strip() else "")
    return collapsed


def tidy(lines: list[str]) -> str:
    """Join body lines, dropping leading/trailing blank lines and runs of blank lines."""
    return "\n".join(_collapse_blank_lines(lines)).strip("\n")


def drop_leading_blanks(lines: list[str]) -> list[str]:
    """Drop the blank lines a body starts with."""
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    return lines[start:]
