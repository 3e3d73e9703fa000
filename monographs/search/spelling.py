"""One spelling for search: British and American spellings and common variants made the same.

`search_terms` is applied to every text the index stores (SQLite's FTS5 tables read it through
a SQL function, PostgreSQL's vectors are computed from it) and to every query, so "anaemia"
finds "anemia", "B-12" and "vit b 12" find "vitamin B12", "paediatric" finds "pediatric", and
the reverse. It rewrites words, never the text readers see: snippets are cut from the stored
text and matched word by word through `search_term`.

The rules are the regular families (ae/oe → e, -ise → -ize, -yse → -yze, -our → -or, -tre →
-ter, -ogue → -og, sulph → sulf), letter-digit names written with a hyphen or a space
("B-12", "vitamin B 12" → "b12"), "vit" for "vitamin", and a short list of words that differ
otherwise (British and American drug names among them). A rule only needs to send both
spellings to the same form; that form need not be a real word.
"""

import re
import unicodedata
from functools import lru_cache

# Letters and digits, as both databases tokenize (and the query parser reads words).
WORD = re.compile(r"[^\W_]+")

# Private-use characters search uses as markers in stored text (highlights, headings).
PRIVATE_USE = re.compile("[\ue000-\uf8ff]")

WORDS = {
    "acetaminophen": "paracetamol",
    "aciclovir": "acyclovir",
    "adrenaline": "epinephrine",
    "ageing": "aging",
    "albuterol": "salbutamol",
    "aluminium": "aluminum",
    "bendrofluazide": "bendroflumethiazide",
    "cefalexin": "cephalexin",
    "chlorphenamine": "chlorpheniramine",
    "cholestyramine": "colestyramine",
    "ciclosporin": "cyclosporine",
    "cyclosporin": "cyclosporine",
    "defence": "defense",
    "dosulepin": "dothiepin",
    "frusemide": "furosemide",
    "glibenclamide": "glyburide",
    "grey": "gray",
    "hyoscine": "scopolamine",
    "isoprenaline": "isoproterenol",
    "judgement": "judgment",
    "licence": "license",
    "lignocaine": "lidocaine",
    "meperidine": "pethidine",
    "mesalamine": "mesalazine",
    "mould": "mold",
    "noradrenaline": "norepinephrine",
    "offence": "offense",
    "phenobarbitone": "phenobarbital",
    "practise": "practice",
    "programme": "program",
    "rifampin": "rifampicin",
    "valaciclovir": "valacyclovir",
    "vit": "vitamin",
    "vits": "vitamins",
}

# (pattern, replacement) applied in order to each lower-cased word.
WORD_RULES = [
    (re.compile(r"sulph"), "sulf"),
    # anaemia, haem-, paediatric, caesarean, aetiology, gynaecology, faeces; not aerosol.
    (re.compile(r"ae(?=[mdstcl])"), "e"),
    # oedema, oesophagus, oestrogen; diarrhoea, dyspnoea; foetus, coeliac, amoeba, homoeopathy.
    (re.compile(r"^oe(?=[dsn])"), "e"),
    (re.compile(r"oe(?=a)"), "e"),
    (re.compile(r"(?<=f)oe(?=t)|(?<=c)oe(?=l)|(?<=am)oe(?=b)|(?<=hom)oe(?=o)"), "e"),
    (re.compile(r"(?<=man)oe(?=u)"), "e"),
    # -ise/-ize, -isation/-ization (only after three letters: not rise, wise, noise).
    (re.compile(r"(?<=[a-z]{3})is(e|es|ed|ing|er|ers|ation|ations|able)$"), r"iz\1"),
    (re.compile(r"(?<=[a-z]{2})ys(e|es|ed|ing|er|ers)$"), r"yz\1"),
    # colour, tumour, odour, behaviour (not four, hour, your: one letter before "our").
    (re.compile(r"(?<=[a-z]{2})our(s|ed|ing|ite|ites|able|er|ers|ful|less)?$"), r"or\1"),
    (re.compile(r"(?<=[a-z]{2})(t|b)re(s)?$"), r"\1er\2"),
    (re.compile(r"(?<=[a-z]{3})ogue(s)?$"), r"og\1"),
]

# "B 12", "vitamin B-12", "D 3" → "b12", "d3": a space joins a letter and digits only for the
# numbered vitamins ("take 2" and "a 5 mg dose" stay apart).
_VITAMIN_NUMBER = re.compile(r"\b([bdk])[\s-]+(\d{1,2})\b")
VITAMIN_NUMBERS = {"b": range(1, 13), "d": range(2, 4), "k": range(1, 3)}
# "H-2", "B-12" → "h2", "b12": one or two letters and a number. A longer word and a number
# are two words ("type-2" → "type 2"; PostgreSQL would read "-2" as a negative number).
_SHORT_HYPHEN = re.compile(r"(?<![^\W\d_])([^\W\d_]{1,2})-(\d+)\b")
_WORD_HYPHEN_NUMBER = re.compile(r"(?<=[^\W\d_]{3})-(?=\d)")


def _vitamin_number(match: re.Match) -> str:
    letter, number = match.groups()
    return letter + number if int(number) in VITAMIN_NUMBERS[letter] else match.group()


@lru_cache(maxsize=65536)
def search_term(word: str) -> str:
    """The form search compares a word in: lower case, no accents, one spelling."""
    word = strip_accents(word.lower())
    if word in WORDS:
        return WORDS[word]
    for pattern, replacement in WORD_RULES:
        word = pattern.sub(replacement, word)
    return WORDS.get(word, word)


def strip_accents(text: str) -> str:
    """The text without combining marks ("café" → "cafe"), as FTS5's remove_diacritics does."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize(
        "NFC", "".join(char for char in decomposed if not unicodedata.combining(char))
    )


def search_terms(text: str | None) -> str:
    """Text as the index and the query see it: every word in its `search_term` form.

    Everything but the words (spaces, punctuation, quotes, hyphens between words) is kept,
    so phrases and the query's own syntax read the same afterwards.
    """
    text = PRIVATE_USE.sub(" ", (text or "").lower())
    text = _VITAMIN_NUMBER.sub(_vitamin_number, text)
    text = _SHORT_HYPHEN.sub(r"\1\2", text)
    text = _WORD_HYPHEN_NUMBER.sub(" ", text)
    return WORD.sub(lambda match: search_term(match.group()), text)
