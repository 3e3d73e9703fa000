"""What parsing produces: a monograph's content as plain data, or why a file was refused."""

from dataclasses import dataclass, field


class ImportFailed(Exception):
    """A file could not be imported; `str()` is one line naming the file and the reason."""

    def __init__(self, source_name: str, reason: str):
        super().__init__(f"{source_name}: {reason}")
        self.source_name = source_name
        self.reason = reason


@dataclass(frozen=True)
class ComponentRef:
    name: str
    slug: str


@dataclass
class ParsedSection:
    kind: str
    heading: str
    body: str
    provenance: dict


@dataclass
class ParsedFAQ:
    question: str
    answer: str
    provenance: dict


@dataclass
class ParsedReference:
    number: int
    title: str
    authors: str = ""
    year: int | None = None
    url: str = ""
    doi: str = ""
    pmid: str = ""


@dataclass
class ParsedMonograph:
    """A document's content. `None` means "the document does not say" (keep what is stored)."""

    name: str
    slug: str
    generic_name: str
    sections: list[ParsedSection] = field(default_factory=list)
    faqs: list[ParsedFAQ] = field(default_factory=list)
    # None: the document lists no references (those stored are kept, as for the fields below).
    references: list[ParsedReference] | None = None
    other_names: list[str] | None = None
    drug_class: str | None = None
    regulatory_notes: str | None = None
    components: list[ComponentRef] | None = None
    slug_is_explicit: bool = False  # the front matter names the slug (else it is the name's)
