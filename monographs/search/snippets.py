"""The passage shown under a search result: the sentence that matches best, words marked.

Cut from the stored text of a search document (section titles on their own lines, marked with
`HEADING`, are never a snippet) and matched word by word in the spelling search uses, so a
search for "anemia" marks "anaemia". Everything is escaped; only `<mark>` is added.
"""

import re
from collections.abc import Callable, Iterable, Iterator

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from monographs.search.backend import HEADING
from monographs.search.spelling import WORD, search_term

MAX_SNIPPET_WORDS = 36
WORDS_BEFORE_MATCH = 8
LEAD_WORDS = 30

_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")
_SPACED = re.compile(r"\S+")


def sentences(text: str) -> Iterator[str]:
    """The sentences of a stored text, line by line, leaving out section titles."""
    for line in (text or "").splitlines():
        line = line.strip()
        if line and not line.startswith(HEADING):
            yield from _SENTENCE_END.split(line)


def term_matcher(words: Iterable[str]) -> Callable[[str], str | None]:
    """A test saying which of the query's words a word of text is a form of, if any.

    Stems are the databases' business; a shared start is close enough to mark the word
    ("treats" for "treating", "anaemic" for "anemia").
    """
    stems = {}
    for word in words:
        term = search_term(word)
        stems[term] = term if len(term) <= 4 else term[: max(4, len(term) - 3)]

    def matched(text_word: str) -> str | None:
        form = search_term(text_word)
        for term, stem in stems.items():
            if form == term or (len(stem) > 3 and form.startswith(stem)):
                return term
        return None

    return matched


def _window(sentence: str, matched: Callable[[str], str | None]) -> str:
    """The sentence, or the words around its first match when it is long."""
    spans = list(_SPACED.finditer(sentence))
    if len(spans) <= MAX_SNIPPET_WORDS:
        return sentence
    first = next(
        (
            index
            for index, span in enumerate(spans)
            if any(matched(word) for word in WORD.findall(span.group()))
        ),
        0,
    )
    start = max(0, first - WORDS_BEFORE_MATCH)
    stop = min(len(spans), start + MAX_SNIPPET_WORDS)
    text = sentence[spans[start].start() : spans[stop - 1].end()]
    return ("… " if start else "") + text + (" …" if stop < len(spans) else "")


def marked(text: str, matched: Callable[[str], str | None]) -> SafeString:
    """The text escaped, with the words that match in <mark> elements."""
    parts, position = [], 0
    for match in WORD.finditer(text):
        if matched(match.group()):
            parts.append(escape(text[position : match.start()]))
            parts.append(f"<mark>{escape(match.group())}</mark>")
            position = match.end()
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))  # noqa: S308 — every piece of text is escaped above


def snippet(texts: Iterable[str], words: Iterable[str]) -> SafeString:
    """The sentence of `texts` (body, then FAQs) holding most of the query's words, marked.

    The first sentence holding them all wins; with no sentence holding any (the match was in
    a title or a name), the opening words of the text.
    """
    words = list(words)
    matched = term_matcher(words)
    wanted = len(set(map(search_term, words)))
    best, best_found = "", 0
    texts = list(texts)
    for text in texts:
        for sentence in sentences(text):
            found = {term for word in WORD.findall(sentence) if (term := matched(word))}
            if len(found) > best_found:
                best, best_found = sentence, len(found)
                if best_found == wanted:
                    return marked(_window(best, matched), matched)
    if best:
        return marked(_window(best, matched), matched)
    return lead(texts[0] if texts else "")


def lead(text: str) -> SafeString:
    """The opening words of a stored text, escaped, for a result with no matching sentence."""
    words = []
    for sentence in sentences(text):
        words.extend(sentence.split())
        if len(words) > LEAD_WORDS:
            return escape(" ".join(words[:LEAD_WORDS]) + " …")
    return escape(" ".join(words))
