"""A deterministic synthetic corpus of monographs for benchmarks: names, prose and edit timelines.

Pure data built from word lists with a seeded `random.Random`; no network and no model. The
corpus is a list of `DrugPlan`s, each telling who created which content when, and the sequence
of edits, submissions and approvals that follows. A revision gets as many approve steps, by
different reviewers, as the review policy asks of the riskiest part it changes.
`bench.writers` replays the plans into the database, either through the real services or
through their bulk equivalents.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from monographs.models import Origin, SectionKind
from monographs.parts import DETAILS_KIND, FAQ_KIND
from reviews.policy import requirement_for

LARGE_MONOGRAPH_NAME = "Polytrexamine"
LARGE_MONOGRAPH_SECTIONS = 20
LARGE_MONOGRAPH_HISTORY_ROWS = 1000

CONTRIBUTORS = 24
REVIEWERS = 8

# Drug classes and the stem their members' names end with (the INN naming scheme).
CLASSES = [
    ("ACE inhibitors", ["pril"]),
    ("Beta blockers", ["olol", "alol"]),
    ("Statins", ["vastatin"]),
    ("Proton pump inhibitors", ["prazole"]),
    ("Fluoroquinolone antibiotics", ["floxacin"]),
    ("Angiotensin II receptor blockers", ["sartan"]),
    ("Benzodiazepines", ["azepam", "azolam"]),
    ("Antivirals", ["vir", "ciclovir"]),
    ("Monoclonal antibodies", ["mab", "zumab", "ximab"]),
    ("Kinase inhibitors", ["tinib", "anib"]),
    ("H2 receptor antagonists", ["tidine"]),
    ("Bisphosphonates", ["dronate"]),
    ("DPP-4 inhibitors", ["gliptin"]),
    ("Anticoagulants", ["parin", "xaban"]),
    ("Azole antifungals", ["conazole"]),
    ("Penicillins", ["cillin"]),
    ("Cephalosporins", ["cef"]),
    ("SSRIs", ["oxetine", "aline"]),
    ("Corticosteroids", ["sone", "olone"]),
    ("Triptans", ["triptan"]),
    ("Racetams", ["racetam"]),
    ("Vitamins", ["cobalamin", "calciferol"]),
    ("Calcium channel blockers", ["dipine"]),
    ("Loop diuretics", ["semide", "etanide"]),
    ("Antihistamines", ["atadine", "astine"]),
    ("NSAIDs", ["profen", "coxib"]),
    ("Opioid analgesics", ["orphine", "codone"]),
    ("Macrolide antibiotics", ["thromycin"]),
    ("Antipsychotics", ["peridone", "apine"]),
    ("Sulfonylureas", ["glizide", "gliride"]),
]

ONSETS = [
    "ab", "ad", "al", "am", "an", "ar", "ba", "be", "bo", "ca", "ce", "cla", "co", "da", "de",
    "di", "do", "el", "em", "en", "er", "es", "fa", "fe", "fi", "flu", "ga", "ge", "gli", "ha",
    "he", "hy", "ib", "im", "in", "ir", "ja", "ka", "ke", "ki", "la", "le", "li", "lo", "lu", "ma",
    "me", "mi", "mo", "na", "ne", "ni", "no", "ob", "ol", "om", "or", "pa", "pe", "pi", "po",
    "pra", "qui", "ra", "re", "ri", "ro", "sa", "se", "si", "so", "su", "ta", "te", "ti", "to",
    "tra", "tri", "ul", "um", "va", "ve", "vi", "vo", "xa", "ze", "zi", "zo",
]  # fmt: skip
MIDDLES = [
    "", "", "ba", "ca", "da", "la", "lo", "ma", "mi", "ne", "no", "pa", "ra", "ri", "ro", "sa",
    "ta", "ti", "to", "va", "ve", "xi", "za", "bu", "gu", "lu", "tu",
]  # fmt: skip
BRAND_SYLLABLES = [
    "Zy", "Vel", "Nex", "Cor", "Lum", "Tev", "Ora", "Pra", "Xel", "Qua", "Ner", "Fla", "Bri", "Sol",
    "Dyn", "Ven", "Ari", "Cal", "Mira", "Opt", "Rex", "Sym", "Tal", "Ultra", "Vio", "Zen",
]  # fmt: skip
BRAND_ENDINGS = ["ex", "an", "ol", "ix", "ra", "on", "el", "ia", "um", "is", "a", "o"]

CONDITIONS = [
    "high blood pressure", "hypertension", "heart failure", "angina", "atrial fibrillation",
    "type 2 diabetes", "high cholesterol", "gastroesophageal reflux disease", "peptic ulcers",
    "urinary tract infections", "community-acquired pneumonia", "bronchitis", "sinusitis",
    "generalized anxiety disorder", "panic disorder", "insomnia", "major depressive disorder",
    "migraine", "cluster headaches", "osteoporosis", "rheumatoid arthritis", "osteoarthritis",
    "psoriasis", "Crohn's disease", "ulcerative colitis", "asthma", "chronic obstructive pulmonary "
    "disease", "allergic rhinitis", "hives", "vitamin B12 deficiency", "pernicious anemia",
    "iron deficiency anemia", "deep vein thrombosis", "pulmonary embolism", "stroke prevention",
    "fungal skin infections", "vaginal candidiasis", "herpes simplex", "shingles", "influenza",
    "hepatitis C", "HIV infection", "chronic myeloid leukemia", "breast cancer", "lung cancer",
    "schizophrenia", "bipolar disorder", "epilepsy", "neuropathic pain", "chronic back pain",
    "postoperative pain", "gout", "edema", "kidney stones", "glaucoma", "acne", "eczema",
    "memory problems", "mild cognitive impairment", "age-related cognitive decline", "fatigue",
    "muscle spasms", "nausea and vomiting", "motion sickness", "hypothyroidism", "obesity",
]  # fmt: skip
SIDE_EFFECTS = [
    "headache", "nausea", "dizziness", "diarrhea", "constipation", "dry mouth", "drowsiness",
    "fatigue", "insomnia", "stomach pain", "heartburn", "rash", "itching", "flushing", "cough",
    "muscle pain", "joint pain", "blurred vision", "loss of appetite", "weight gain", "weight loss",
    "sweating", "tremor", "anxiety", "nervousness", "swelling of the ankles", "palpitations",
    "low blood pressure", "a metallic taste", "hair thinning", "sensitivity to sunlight",
    "nasal congestion", "sore throat", "back pain", "bloating", "vivid dreams", "restlessness",
]  # fmt: skip
SERIOUS_EFFECTS = [
    "severe allergic reactions with swelling of the face, lips or throat",
    "difficulty breathing", "chest pain", "an irregular heartbeat", "fainting",
    "yellowing of the skin or eyes", "dark urine", "severe stomach pain", "black or bloody stools",
    "unusual bruising or bleeding", "seizures", "confusion or hallucinations",
    "thoughts of self-harm", "a severe skin rash with blistering", "signs of infection such as "
    "fever and chills", "sudden vision changes", "muscle weakness with dark urine",
    "very low blood sugar", "kidney problems with reduced urine output",
]  # fmt: skip
TARGETS = [
    "angiotensin-converting enzyme", "beta-1 adrenergic receptors", "HMG-CoA reductase",
    "the gastric proton pump", "bacterial DNA gyrase", "angiotensin II type 1 receptors",
    "GABA-A receptors", "viral polymerase", "tumour necrosis factor alpha", "tyrosine kinases",
    "histamine H2 receptors", "osteoclasts", "dipeptidyl peptidase-4", "factor Xa",
    "fungal ergosterol synthesis", "bacterial cell wall synthesis", "serotonin reuptake",
    "glucocorticoid receptors", "serotonin 5-HT1B/1D receptors", "AMPA receptors",
    "methylmalonyl-CoA mutase", "L-type calcium channels", "the Na-K-2Cl cotransporter",
    "histamine H1 receptors", "cyclooxygenase enzymes", "mu-opioid receptors",
    "the bacterial 50S ribosomal subunit", "dopamine D2 receptors", "pancreatic beta cells",
]  # fmt: skip
ORGANS = [
    "the liver", "the kidneys", "the heart", "the brain", "the stomach", "the lungs",
    "blood vessels", "the intestines", "the skin", "bone", "the nervous system", "muscle",
]  # fmt: skip
GROUPS = [
    "older adults", "children", "pregnant women", "breastfeeding mothers", "people with kidney "
    "disease", "people with liver disease", "people with diabetes", "people with heart disease",
    "people who drink alcohol", "people with a history of stomach ulcers", "adolescents",
]  # fmt: skip
FORMS = [
    "tablets", "capsules", "an oral solution", "an injection", "a nasal spray", "a cream",
    "extended-release tablets", "chewable tablets", "an inhaler", "eye drops", "a patch",
]  # fmt: skip
FREQUENCIES = [
    "once daily",
    "twice daily",
    "three times a day",
    "every 12 hours",
    "once weekly",
    "every 8 hours",
    "at bedtime",
    "with breakfast",
    "every 4 to 6 hours as needed",
]
FOODS = [
    "grapefruit juice",
    "alcohol",
    "dairy products",
    "high-fat meals",
    "caffeine",
    "antacids",
    "St John's wort",
    "potassium supplements",
    "leafy green vegetables",
]
ADVERBS = ["usually", "often", "generally", "typically", "sometimes", "occasionally", "rarely"]
HEDGES = [
    "Talk to your doctor or pharmacist if you are unsure.",
    "Your healthcare provider will adjust the dose to your response.",
    "Do not stop taking it suddenly without medical advice.",
    "Keep a written list of every medicine you take and show it at each appointment.",
    "Tell your doctor about any other conditions you have before starting treatment.",
    "Regular check-ups help your doctor see whether the treatment is working.",
    "Report any new or worsening symptoms promptly.",
]  # fmt: skip
AI_TOOLS = ["GPT-4o", "Gemini 1.5 Pro", "Claude 3.5 Sonnet", "Llama 3 70B", "Mistral Large"]
SOURCE_SITES = [
    ("NCBI Bookshelf", "https://www.ncbi.nlm.nih.gov/books/NBK{n}/"),
    ("MedlinePlus Drug Information", "https://medlineplus.gov/druginfo/meds/a{n}.html"),
    ("DailyMed label", "https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid={n}"),
    ("EMA product information", "https://www.ema.europa.eu/en/medicines/human/EPAR/{slug}"),
    ("NHS medicines A to Z", "https://www.nhs.uk/medicines/{slug}/"),
]
REVIEW_COMMENTS = [
    "Initial monograph.",
    "Updated dosing for renal impairment.",
    "Added newly reported side effects.",
    "Clarified contraindications.",
    "Revised interaction list after label update.",
    "Corrected maximum daily dose.",
    "Reworded for readability.",
    "Added sources for the mechanism of action.",
    "Updated pregnancy guidance.",
    "Annual review: no clinical changes, wording tidied.",
]
FIRST_NAMES = [
    "Amara",
    "Bruno",
    "Chen",
    "Dana",
    "Elif",
    "Farid",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Kavya",
    "Liam",
    "Maya",
    "Nikos",
    "Olga",
    "Pablo",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
    "Umar",
    "Vera",
    "Wen",
    "Yusuf",
]
LAST_NAMES = [
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Tanaka",
    "Novak",
    "Haddad",
    "Ferreira",
    "Kowalski",
    "Mensah",
    "O'Brien",
    "Rossi",
    "Schmidt",
    "Nguyen",
    "Petrov",
    "Alvarez",
    "Dubois",
]
CREDENTIALS = ["MD", "PharmD", "MD, PhD", "RPh", "MBBS"]
# Every corpus reviewer prescribes or dispenses, so any two approvals meet the policy's
# professions for dosage, contraindications and interactions.
PROFESSIONS = {"MD": "physician", "MD, PhD": "physician", "MBBS": "physician"}

EXTRA_HEADINGS = [
    "Pregnancy and breastfeeding", "Overdose", "Storage", "Pharmacokinetics", "Clinical studies",
    "Use in children", "Use in older adults", "Kidney impairment", "Liver impairment",
    "Missed dose", "Laboratory monitoring",
]  # fmt: skip

DISCLAIMER = (
    "This monograph is for general information and is not a substitute for professional medical "
    "advice, diagnosis or treatment. Always ask your doctor, pharmacist or other qualified "
    "healthcare provider about a medicine and your condition. Never ignore professional advice or "
    "delay seeking it because of something you have read here. Parts of this text were "
    "generated by an AI model or contributed by volunteers and then checked by a medical "
    "reviewer; the review date is shown at the end of the page."
)


SENTENCES = [
    "{name} is {adverb} prescribed for {condition} when first-line treatment is not enough.",
    "In clinical practice, {name} {adverb} improves {condition} within a few weeks.",
    "Like other {cls_lower}, {name} acts mainly on {organ}.",
    "{group_cap} may need closer monitoring while taking {name}.",
    "Avoid {food} while taking {name}, because it can change how much of the medicine reaches "
    "the blood.",
    "Some people notice {effect} during the first days of treatment; this {adverb} settles "
    "without treatment.",
    "{name} is available as {form} and is {adverb} taken {frequency}.",
    "Studies in {group} suggest that the benefit of {name} outweighs its risks for {condition}.",
    "If {effect} becomes troublesome, your prescriber may lower the dose.",
    "The effect of {name} on {condition} depends on taking it regularly.",
    "{hedge}",
]


class _Slots(dict):
    """Fill a sentence template's slots on demand, drawing only the words it uses."""

    POOLS = {
        "adverb": ADVERBS,
        "condition": CONDITIONS,
        "organ": ORGANS,
        "group": GROUPS,
        "food": FOODS,
        "effect": SIDE_EFFECTS,
        "form": FORMS,
        "frequency": FREQUENCIES,
        "hedge": HEDGES,
    }

    def __init__(self, rng, name: str, drug_class: str):
        super().__init__(name=name, cls_lower=drug_class.lower())
        self.rng = rng

    def __missing__(self, key: str) -> str:
        if key == "group_cap":
            return self.rng.choice(GROUPS).capitalize()
        return self.rng.choice(self.POOLS[key])


def _rng(seed) -> random.Random:
    """A reproducible generator: the corpus is meant to be the same for the same seed."""
    return random.Random(seed)


@dataclass
class UserSpec:
    username: str
    first_name: str
    last_name: str
    credential: str = ""

    @property
    def profession(self) -> str:
        if not self.credential:
            return ""
        return PROFESSIONS.get(self.credential, "pharmacist")


@dataclass
class ContentSpec:
    """A section (kind, heading, body) or an FAQ item (question, answer) with its provenance."""

    fields: dict
    origin: str = Origin.UNKNOWN
    ai_tool: str = ""
    sources: str = ""

    def values(self) -> dict:
        provenance = {"origin": self.origin, "ai_tool": self.ai_tool, "sources": self.sources}
        return {**self.fields, **provenance}


@dataclass
class Edit:
    """One save of one object: the drug itself, `sections[index]` or `faqs[index]`."""

    target: str
    index: int
    changes: dict


@dataclass
class Step:
    # "edit", "submit" or "approve"; a revision some of whose changed parts need several
    # approvals has one approve step per approval, each by a different reviewer.
    action: str
    by: str
    at: datetime
    edits: list[Edit] = field(default_factory=list)
    comment: str = ""


@dataclass
class DrugPlan:
    name: str
    fields: dict
    components: list[str]
    sections: list[ContentSpec]
    faqs: list[ContentSpec]
    created_by: str
    created_at: datetime
    steps: list[Step]

    def texts(self) -> set[str]:
        """Every markdown text this plan ever saves (to render them all up front)."""
        texts = {spec.fields["body"] for spec in self.sections}
        texts |= {spec.fields["answer"] for spec in self.faqs}
        for step in self.steps:
            for edit in step.edits:
                texts.update(
                    value for key, value in edit.changes.items() if key in ("body", "answer")
                )
        return texts


def contributor_names() -> list[str]:
    return [f"contributor{n:02d}" for n in range(1, CONTRIBUTORS + 1)]


def reviewer_names() -> list[str]:
    return [f"reviewer{n:02d}" for n in range(1, REVIEWERS + 1)]


def user_specs(seed: int) -> list[UserSpec]:
    rng = _rng(f"users-{seed}")
    specs = [
        UserSpec(name, rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES))
        for name in contributor_names()
    ]
    specs += [
        UserSpec(name, rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES), rng.choice(CREDENTIALS))
        for name in reviewer_names()
    ]
    return specs


class Corpus:
    """Deterministic plans for `count` drugs (plus the large monograph) from `seed`."""

    def __init__(self, *, count: int, seed: int, anchor: datetime, large: bool = True):
        self.count = count
        self.seed = seed
        self.anchor = anchor
        self.large = large
        self.contributors = contributor_names()
        self.reviewers = reviewer_names()
        self.names = self._names()

    # Names ---------------------------------------------------------------------------------

    def _names(self) -> list[tuple[str, str]]:
        """(name, class) for every drug; about 5% are combinations of earlier single drugs."""
        rng = _rng(f"names-{self.seed}")
        taken = {LARGE_MONOGRAPH_NAME.lower()}
        singles: list[tuple[str, str]] = []
        names: list[tuple[str, str]] = []
        combination_every = 20
        for index in range(self.count):
            if index % combination_every == combination_every // 2 - 1:
                parts = rng.sample(singles, 3 if rng.random() < 0.15 else 2)
                name = " + ".join(part for part, _ in parts)
                if name.lower() not in taken:
                    taken.add(name.lower())
                    names.append((name, parts[0][1]))
                    continue
            while True:
                drug_class, stems = rng.choice(CLASSES)
                stem = rng.choice(stems)
                prefix = rng.choice(ONSETS) + rng.choice(MIDDLES)
                if prefix[-1] not in "aeiou" and stem[0] not in "aeiou":
                    prefix += rng.choice("aeio")
                name = (stem + prefix if stem == "cef" else prefix + stem).capitalize()
                if name.lower() not in taken and len(name) > 5:
                    break
            taken.add(name.lower())
            singles.append((name, drug_class))
            names.append((name, drug_class))
        return names

    # Prose ---------------------------------------------------------------------------------

    def _brand(self, rng) -> str:
        return rng.choice(BRAND_SYLLABLES) + rng.choice(BRAND_ENDINGS)

    def _sentence(self, rng, name: str, drug_class: str) -> str:
        return rng.choice(SENTENCES).format_map(_Slots(rng, name, drug_class))

    def _paragraph(self, rng, name: str, drug_class: str, sentences: int = 4) -> str:
        count = sentences * 5 // 2
        return " ".join(self._sentence(rng, name, drug_class) for _ in range(count))

    def _bullets(self, rng, items: list[str], bold: bool = False) -> str:
        if bold:
            return "\n".join(f"* **{item.capitalize()}:** {rng.choice(HEDGES)}" for item in items)
        return "\n".join(f"* {item.capitalize()}" for item in items)

    def _body(self, rng, kind: str, name: str, drug_class: str, generic: str) -> str:
        para = self._paragraph
        if kind == SectionKind.GENERIC_NAME:
            return f"{generic}\n\n{name} belongs to the {drug_class.lower()}."
        if kind == SectionKind.DISCLAIMER:
            return DISCLAIMER
        if kind == SectionKind.USAGE:
            conditions = rng.sample(CONDITIONS, rng.randint(3, 5))
            return (
                f"{name} is one of the {drug_class.lower()}. {para(rng, name, drug_class, 3)}\n\n"
                f"It is used to treat:\n\n{self._bullets(rng, conditions, bold=True)}\n\n"
                f"{para(rng, name, drug_class, 3)}"
            )
        if kind == SectionKind.DOSAGE:
            low = rng.choice([1, 2, 5, 10, 20, 25, 50, 100, 250])
            lines = [
                f"* **Adults:** {low} mg {rng.choice(FREQUENCIES)}, increased to {low * 2} mg "
                "if needed.",
                f"* **Older adults:** start at {max(1, low // 2)} mg {rng.choice(FREQUENCIES)}.",
                f"* **Children:** {rng.choice(['not recommended', 'dose by body weight'])}.",
                f"* **Kidney impairment:** {rng.choice(HEDGES)}",
            ]
            return (
                f"{para(rng, name, drug_class, 3)}\n\n" + "\n".join(lines) + "\n\n"
                f"**Maximum dose:** {low * 4} mg a day. {para(rng, name, drug_class, 3)}"
            )
        if kind == SectionKind.SIDE_EFFECTS:
            common = rng.sample(SIDE_EFFECTS, rng.randint(5, 8))
            serious = rng.sample(SERIOUS_EFFECTS, rng.randint(3, 5))
            return (
                f"Common side effects of {name} include:\n\n{self._bullets(rng, common)}\n\n"
                f"{para(rng, name, drug_class, 2)}\n\n"
                f"Get medical help at once if you have:\n\n{self._bullets(rng, serious)}\n\n"
                f"{para(rng, name, drug_class, 2)}"
            )
        if kind == SectionKind.HOW_IT_WORKS:
            target = rng.choice(TARGETS)
            return (
                f"{name} works by acting on {target}. {para(rng, name, drug_class, 4)}\n\n"
                f"The effect on {rng.choice(ORGANS)} explains most of its benefits and side "
                f"effects. {para(rng, name, drug_class, 4)}"
            )
        if kind == SectionKind.PRECAUTIONS:
            groups = rng.sample(GROUPS, rng.randint(3, 5))
            return (
                f"{para(rng, name, drug_class, 3)}\n\n{self._bullets(rng, groups, bold=True)}\n\n"
                f"{para(rng, name, drug_class, 2)}"
            )
        if kind == SectionKind.CONTRAINDICATIONS:
            items = [
                f"known allergy to {name.lower()} or any ingredient",
                *rng.sample(CONDITIONS, 2),
                rng.choice(GROUPS),
            ]
            return (
                f"Do not take {name} if you have:\n\n{self._bullets(rng, items)}\n\n"
                f"{para(rng, name, drug_class, 4)}"
            )
        if kind == SectionKind.INTERACTIONS:
            others = [other for other, _ in rng.sample(self.names, min(4, len(self.names)))]
            items = [*others, *rng.sample(FOODS, 2)]
            return (
                f"{name} can interact with:\n\n{self._bullets(rng, items, bold=True)}\n\n"
                f"{para(rng, name, drug_class, 4)}"
            )
        return f"{para(rng, name, drug_class, 5)}\n\n{para(rng, name, drug_class, 4)}"

    def _provenance(self, rng, slug: str) -> dict:
        origin = rng.choices(
            [Origin.AI_GENERATED, Origin.CROWD_SOURCED, Origin.AI_OR_CROWD, Origin.PROFESSIONAL],
            weights=[45, 20, 20, 15],
        )[0]
        sources = []
        for _ in range(rng.randint(0, 2)):
            title, url = rng.choice(SOURCE_SITES)
            sources.append(f"{title} | {url.format(n=rng.randint(1000, 699999), slug=slug)}")
        return {
            "origin": origin,
            "ai_tool": rng.choice(AI_TOOLS) if origin == Origin.AI_GENERATED else "",
            "sources": "\n".join(sources),
        }

    def _faq(self, rng, name: str, drug_class: str) -> dict:
        questions = [
            f"Can I drink alcohol while taking {name}?",
            f"How long does {name} take to work?",
            f"What should I do if I miss a dose of {name}?",
            f"Is {name} safe during pregnancy?",
            f"Can {name} be taken with food?",
            f"How should I store {name}?",
            f"Is {name} the same as other {drug_class.lower()}?",
            f"Can children take {name}?",
        ]
        return {
            "question": rng.choice(questions),
            "answer": self._paragraph(rng, name, drug_class, rng.randint(2, 4)),
        }

    # Plans ---------------------------------------------------------------------------------

    def plans(self):
        """Yield one `DrugPlan` per drug, in creation order (components before combinations)."""
        for index, (name, drug_class) in enumerate(self.names):
            yield self._plan(index, name, drug_class)
        if self.large:
            yield self._large_plan()

    def _drug_fields(self, rng, name: str, drug_class: str) -> dict:
        brands = [self._brand(rng) for _ in range(rng.randint(0, 3))]
        return {
            "generic_name": name.lower(),
            "other_names": "\n".join(brands),
            "drug_class": drug_class,
            "regulatory_notes": rng.choice(
                ["", "", "Prescription-only medicine.", "Available over the counter in low doses.",
                 "Not approved for this use in the United States."]
            ),
        }  # fmt: skip

    def _section_kinds(self, rng) -> list[str]:
        kinds = [
            SectionKind.GENERIC_NAME,
            SectionKind.USAGE,
            SectionKind.DOSAGE,
            SectionKind.SIDE_EFFECTS,
            SectionKind.HOW_IT_WORKS,
        ]
        for kind, chance in [
            (SectionKind.PRECAUTIONS, 0.8),
            (SectionKind.CONTRAINDICATIONS, 0.7),
            (SectionKind.INTERACTIONS, 0.7),
        ]:
            if rng.random() < chance:
                kinds.append(kind)
        kinds.append(SectionKind.DISCLAIMER)
        return kinds

    def _sections(self, rng, name, drug_class, generic, slug, kinds, headings=None) -> list:
        sections = []
        for position, kind in enumerate(kinds):
            heading = (headings or {}).get(position, "")
            sections.append(
                ContentSpec(
                    {
                        "kind": kind,
                        "heading": heading,
                        "body": self._body(rng, kind, name, drug_class, generic),
                        "position": position,
                    },
                    **self._provenance(rng, slug),
                )
            )
        return sections

    def _faqs(self, rng, name, drug_class, slug, count) -> list:
        return [
            ContentSpec({**self._faq(rng, name, drug_class), "position": position},
                        **self._provenance(rng, slug))
            for position in range(count)
        ]  # fmt: skip

    def _edit(self, rng, plan_state, name, drug_class) -> Edit:
        """Change one object so that the document really changes."""
        drug, sections, faqs = plan_state
        roll = rng.random()
        if roll < 0.75:
            index = rng.randrange(len(sections))
            old = sections[index]
            if old["kind"] == SectionKind.DISCLAIMER:
                index = max(0, index - 1)
                old = sections[index]
            new_body = old["body"] + "\n\n" + self._paragraph(rng, name, drug_class, 2)
            if len(new_body) > 3000:
                new_body = self._body(rng, old["kind"], name, drug_class, name.lower())
            changes = {"body": new_body}
            if rng.random() < 0.2:
                changes["origin"] = Origin.PROFESSIONAL
                changes["ai_tool"] = ""
            sections[index] = {**old, **changes}
            return Edit("section", index, changes)
        if roll < 0.9 and faqs:
            index = rng.randrange(len(faqs))
            new_answer = self._paragraph(rng, name, drug_class, rng.randint(2, 4))
            faqs[index] = {**faqs[index], "answer": new_answer}
            return Edit("faq", index, {"answer": new_answer})
        other_names = "\n".join(filter(None, [drug["other_names"], self._brand(rng)]))
        drug["other_names"] = other_names
        return Edit("drug", 0, {"other_names": other_names})

    def _plan(self, index: int, name: str, drug_class: str) -> DrugPlan:
        rng = _rng(f"{self.seed}-{index}")
        slug = name.lower().replace(" + ", "-")
        components = name.split(" + ") if " + " in name else []
        generic = " + ".join(part.lower() for part in components) if components else name.lower()
        fields = self._drug_fields(rng, name, drug_class)
        fields["generic_name"] = generic
        sections = self._sections(rng, name, drug_class, generic, slug, self._section_kinds(rng))
        faqs = self._faqs(rng, name, drug_class, slug, rng.randint(2, 5))
        age = timedelta(days=rng.uniform(500, 1100))
        created_at = self.anchor - age
        author = rng.choice(self.contributors)

        state = (
            fields.copy(),
            [spec.fields.copy() for spec in sections],
            [spec.fields.copy() for spec in faqs],
        )
        steps: list[Step] = []
        # Further approvers draw from their own generator: the rest of the plan stays as it was.
        approvers_rng = _rng(f"{self.seed}-{index}-approvers")
        changed = _all_kinds(state)
        at = created_at + timedelta(hours=rng.uniform(1, 72))
        approvals = rng.choice([2, 2, 3])
        pending_first = rng.random() < 0.01
        for number in range(approvals if not pending_first else 1):
            if number:
                at += age * rng.uniform(0.12, 0.25)
                author = rng.choice(self.contributors)
                edits = [self._edit(rng, state, name, drug_class) for _ in range(rng.randint(1, 3))]
                changed = {_edited_kind(state, edit) for edit in edits}
                steps.append(Step("edit", author, at, edits))
                at += timedelta(hours=rng.uniform(1, 48))
            comment = REVIEW_COMMENTS[0] if not number else rng.choice(REVIEW_COMMENTS[1:])
            steps.append(Step("submit", author, at, comment=comment))
            if pending_first:
                break
            at += timedelta(hours=rng.uniform(2, 240))
            steps += self._approvals(approvers_rng, rng.choice(self.reviewers), at, changed)
        if not pending_first and rng.random() < 0.07:
            at = self.anchor - timedelta(days=rng.uniform(2, 30))
            author = rng.choice(self.contributors)
            edits = [self._edit(rng, state, name, drug_class) for _ in range(rng.randint(1, 2))]
            steps.append(Step("edit", author, at, edits))
            at += timedelta(hours=rng.uniform(1, 24))
            steps.append(Step("submit", author, at, comment=rng.choice(REVIEW_COMMENTS[1:])))
        return DrugPlan(
            name, fields, components, sections, faqs, author_of(steps, author), created_at, steps
        )

    def _approvals(self, rng, first: str, at: datetime, kinds: set[str]) -> list[Step]:
        """Approve steps for a revision changing parts of `kinds`: one by `first`, then one by
        another reviewer for each further approval its riskiest part needs under the policy."""
        needed = max(requirement_for(kind).approvals for kind in kinds)
        others = rng.sample([name for name in self.reviewers if name != first], needed - 1)
        steps = [Step("approve", first, at)]
        for reviewer in others:
            at += timedelta(hours=rng.uniform(1, 72))
            steps.append(Step("approve", reviewer, at))
        return steps

    def _large_plan(self) -> DrugPlan:
        """A 20-section monograph with 1,000 history rows and a review in progress."""
        rng = _rng(f"{self.seed}-large")
        name, drug_class = LARGE_MONOGRAPH_NAME, "Vitamins"
        slug = name.lower()
        kinds = [
            SectionKind.GENERIC_NAME,
            SectionKind.USAGE,
            SectionKind.DOSAGE,
            SectionKind.SIDE_EFFECTS,
            SectionKind.HOW_IT_WORKS,
            SectionKind.PRECAUTIONS,
            SectionKind.CONTRAINDICATIONS,
            SectionKind.INTERACTIONS,
            *[SectionKind.OTHER] * (LARGE_MONOGRAPH_SECTIONS - 9),
            SectionKind.DISCLAIMER,
        ]
        headings = {8 + offset: heading for offset, heading in enumerate(EXTRA_HEADINGS)}
        fields = self._drug_fields(rng, name, drug_class)
        sections = self._sections(rng, name, drug_class, name.lower(), slug, kinds, headings)
        faqs = self._faqs(rng, name, drug_class, slug, 5)
        created_at = self.anchor - timedelta(days=1500)
        state = (
            fields.copy(),
            [spec.fields.copy() for spec in sections],
            [spec.fields.copy() for spec in faqs],
        )
        edits_left = LARGE_MONOGRAPH_HISTORY_ROWS - 1 - len(sections) - len(faqs)
        blocks = 13
        per_block = edits_left // blocks
        approvers_rng = _rng(f"{self.seed}-large-approvers")
        at = created_at + timedelta(hours=2)
        steps: list[Step] = [Step("submit", "contributor01", at, comment=REVIEW_COMMENTS[0])]
        at += timedelta(days=2)
        steps += self._approvals(approvers_rng, rng.choice(self.reviewers), at, _all_kinds(state))
        for block in range(blocks):
            size = per_block if block < blocks - 1 else edits_left - per_block * (blocks - 1)
            at += timedelta(days=100)
            changed = set()
            for start in range(0, size, 10):
                author = rng.choice(self.contributors)
                edits = [
                    self._edit(rng, state, name, drug_class) for _ in range(min(10, size - start))
                ]
                changed |= {_edited_kind(state, edit) for edit in edits}
                steps.append(Step("edit", author, at, edits))
                at += timedelta(hours=3)
            steps.append(Step("submit", author, at, comment=rng.choice(REVIEW_COMMENTS[1:])))
            if block < blocks - 1:
                at += timedelta(days=3)
                steps += self._approvals(approvers_rng, rng.choice(self.reviewers), at, changed)
        return DrugPlan(name, fields, [], sections, faqs, "contributor01", created_at, steps)


def _all_kinds(state) -> set[str]:
    """The kinds of every part of a plan's document (all of them change in its first revision)."""
    _drug, sections, faqs = state
    return {DETAILS_KIND, *(section["kind"] for section in sections)} | (
        {FAQ_KIND} if faqs else set()
    )


def _edited_kind(state, edit: Edit) -> str:
    """The kind of the part `edit` changes (a section's kind, "faq" or "details")."""
    if edit.target == "section":
        return state[1][edit.index]["kind"]
    return FAQ_KIND if edit.target == "faq" else DETAILS_KIND


def author_of(steps: list[Step], fallback: str) -> str:
    """The creator is whoever submitted the first revision."""
    return next((step.by for step in steps if step.action == "submit"), fallback)
