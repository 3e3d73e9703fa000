"""A document's YAML front matter: split off, loaded by a hardened loader, read as typed values."""

from datetime import date

import yaml
from frontmatter.default_handlers import YAMLHandler

from monographs import limits
from monographs.importer.parsing.document import ImportFailed


class _RefusedYAML(yaml.composer.ComposerError):
    """Front matter that is valid YAML but is not read (see `_FrontMatterLoader`)."""

    def __init__(self, problem: str, mark):
        super().__init__(problem=problem, problem_mark=mark)


class _FrontMatterLoader(yaml.SafeLoader):
    """The safe loader, refusing anchors and aliases and deep nesting as it composes each node.

    Refusing at compose time, before anything is built: a few hundred bytes of nested aliases
    expand to gigabytes once the value is walked, and composing recurses once per level, so a
    deep document would otherwise hit Python's recursion limit. This is the pure-Python loader
    because libyaml's (python-frontmatter's default) has no hook at compose time.
    """

    def __init__(self, stream):
        super().__init__(stream)
        self.depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if event.anchor is not None:
            raise _RefusedYAML(
                "anchors and aliases (&name, *name) are not allowed", event.start_mark
            )
        if not isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            return super().compose_node(parent, index)
        if self.depth == limits.MAX_FRONT_MATTER_DEPTH:
            raise _RefusedYAML(
                f"lists and mappings nested more than {limits.MAX_FRONT_MATTER_DEPTH} levels deep "
                "(MAX_FRONT_MATTER_DEPTH)",
                event.start_mark,
            )
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def split_front_matter(text: str, source_name: str) -> tuple[dict, str]:
    """Split off and load the YAML front matter; return it (or {}) and the body."""
    handler = YAMLHandler()
    if not handler.detect(text):
        return {}, text
    try:
        front_matter, body = handler.split(text)
    except ValueError:
        raise ImportFailed(source_name, "broken YAML front matter: no closing '---' line") from None
    size = len(front_matter.encode())
    if size > limits.MAX_FRONT_MATTER_BYTES:
        raise ImportFailed(
            source_name,
            f"the front matter is {size} bytes, more than the limit of "
            f"{limits.MAX_FRONT_MATTER_BYTES} (MAX_FRONT_MATTER_BYTES)",
        )
    try:
        meta = handler.load(front_matter, Loader=_FrontMatterLoader)
    except yaml.YAMLError as error:
        first_line = text[: text.find(front_matter)].count("\n") + 1
        reason = _yaml_reason(error, first_line)
        problem = "refused" if isinstance(error, _RefusedYAML) else "broken"
        raise ImportFailed(source_name, f"{problem} YAML front matter: {reason}") from None
    except ValueError as error:  # a date like 2024-02-30, an integer of over 4300 digits
        reason = " ".join(str(error).split())
        raise ImportFailed(source_name, f"broken YAML front matter: {reason}") from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise ImportFailed(source_name, "broken YAML front matter: it is not a key: value mapping")
    return meta, body.strip("\n")


def _yaml_reason(error: yaml.YAMLError, first_line: int) -> str:
    """Describe a YAML error in one line, with its line number in the file."""
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        return f"{error.problem or error.context} (line {first_line + error.problem_mark.line})"
    return " ".join(str(error).split())


def scalar_text(value, what: str, source_name: str) -> str:
    """A front-matter scalar as text; lists, mappings and sets are refused, never stringified."""
    if value is None:
        return ""
    if isinstance(value, str | int | float | date):
        try:
            return str(value).strip()
        except ValueError:  # an integer too long to print (sys.get_int_max_str_digits)
            pass
    raise ImportFailed(source_name, f"{what} must be text")


def meta_text(meta: dict, key: str, source_name: str) -> str | None:
    """A front-matter value as text, or None when the key is absent."""
    if key not in meta:
        return None
    return scalar_text(meta[key], f"front-matter '{key}'", source_name)


def meta_list(meta: dict, key: str, source_name: str) -> list:
    """A front-matter list, empty when absent; anything else is refused."""
    value = meta.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ImportFailed(source_name, f"front-matter '{key}' must be a list")
    return value


def meta_names(meta: dict, source_name: str) -> list[str] | None:
    """The front matter's other names (a list or one per line), or None when absent."""
    if "other_names" not in meta:
        return None
    value = meta["other_names"]
    if isinstance(value, str):
        value = value.split("\n")
    if not isinstance(value, list | type(None)):
        raise ImportFailed(source_name, "front-matter 'other_names' must be a list")
    names = (scalar_text(name, "each front-matter other name", source_name) for name in value or [])
    return [name for name in names if name]
