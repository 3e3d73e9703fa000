import pytest

from monographs.models import SectionKind
from tests.monographs.search.searchpage import SNIPPET, hit_names, published, search


@pytest.fixture
def british_and_american(contributor, reviewer):
    """One monograph written in British spelling, one in American, and Cyanocobalamin."""
    return [
        published(
            "Ferrous Sulphate",
            contributor=contributor,
            reviewer=reviewer,
            other_names="Feospan",
            body=(
                "Treats iron-deficiency anaemia in paediatric patients. It may colour the "
                "stools dark. Oesophageal irritation: take it sitting up. Ask a haematology "
                "centre before you organise a course. Store it in the original container."
            ),
        ),
        published(
            "Hydroxyurea",
            contributor=contributor,
            reviewer=reviewer,
            body=(
                "Used for sickle cell anemia and some tumors in pediatric care. "
                "Your doctor will analyze your blood counts often."
            ),
        ),
        published(
            "Cyanocobalamin",
            contributor=contributor,
            reviewer=reviewer,
            other_names="Vitamin B12",
            drug_class="Vitamins",
            body="Corrects a lack of this vitamin.",
        ),
    ]


SAME_DRUGS = {
    "anemia finds anaemia": ("anemia", {"Ferrous Sulphate", "Hydroxyurea"}),
    "anaemia finds anemia": ("anaemia", {"Ferrous Sulphate", "Hydroxyurea"}),
    "pediatric finds paediatric": ("pediatric", {"Ferrous Sulphate", "Hydroxyurea"}),
    "paediatric finds pediatric": ("Paediatric", {"Ferrous Sulphate", "Hydroxyurea"}),
    "tumour finds tumor": ("tumours", {"Hydroxyurea"}),
    "analyse finds analyze": ("analyse", {"Hydroxyurea"}),
    "color finds colour": ("color", {"Ferrous Sulphate"}),
    "esophageal finds oesophageal": ("esophageal", {"Ferrous Sulphate"}),
    "hematology finds haematology": ("hematology", {"Ferrous Sulphate"}),
    "center finds centre": ("center", {"Ferrous Sulphate"}),
    "organize finds organise": ("organize", {"Ferrous Sulphate"}),
    "sulfate finds the name sulphate": ("ferrous sulfate", {"Ferrous Sulphate"}),
}


@pytest.mark.django_db
class SpellingVariantTests:
    @pytest.mark.parametrize(("query", "drugs"), SAME_DRUGS.values(), ids=SAME_DRUGS.keys())
    def test_british_and_american_spellings_find_the_same_drugs(
        self, client, british_and_american, query, drugs
    ):
        """A reader finds a monograph whichever of the two spellings either of them used."""
        assert set(hit_names(search(client, query))) == drugs

    @pytest.mark.parametrize(
        "query", ["B12", "b-12", "B 12", "vit b12", "vit. B-12", "vitamin b 12", "Vitamin B12"]
    )
    def test_vitamin_b12_however_written_finds_cyanocobalamin(
        self, client, british_and_american, query
    ):
        """ "B-12", "B 12", "vit b12" … find the drug also called Vitamin B12, first."""
        assert hit_names(search(client, query))[:1] == ["Cyanocobalamin"]

    def test_name_spelled_the_other_way_ranks_as_a_name_match(self, client, british_and_american):
        """ "ferrous sulfate" puts Ferrous Sulphate first, as its own name would."""
        assert hit_names(search(client, "ferrous sulfate"))[0] == "Ferrous Sulphate"

    def test_quoted_phrase_matches_across_spellings(self, client, british_and_american):
        """A quoted phrase in one spelling matches the same phrase in the other."""
        assert hit_names(search(client, '"iron-deficiency anemia"')) == ["Ferrous Sulphate"]

    def test_british_drug_name_finds_the_american_one(self, client, contributor, reviewer):
        """ "Paracetamol" finds a monograph that only says acetaminophen, and the reverse."""
        published(
            "Tylenol Cold",
            contributor=contributor,
            reviewer=reviewer,
            body="Contains acetaminophen for fever.",
        )
        published(
            "Lemsip",
            contributor=contributor,
            reviewer=reviewer,
            body="Contains paracetamol for fever.",
        )
        assert set(hit_names(search(client, "paracetamol"))) == {"Tylenol Cold", "Lemsip"}
        assert set(hit_names(search(client, "acetaminophen"))) == {"Tylenol Cold", "Lemsip"}

    def test_words_that_only_look_alike_stay_apart(self, client, contributor, reviewer):
        """ "four" is not made "for" (a word too common to search), nor "type-2" "type2"."""
        published(
            "Fourtimine",
            contributor=contributor,
            reviewer=reviewer,
            body="Take one every four hours for type-2 diabetes.",
        )
        assert hit_names(search(client, "four")) == ["Fourtimine"]
        assert hit_names(search(client, "type 2 diabetes")) == ["Fourtimine"]


@pytest.mark.django_db
class SnippetSentenceTests:
    @pytest.fixture
    def sections(self, contributor, reviewer):
        return published(
            "Sentencamine",
            contributor=contributor,
            reviewer=reviewer,
            sections={
                SectionKind.USAGE: "Relieves mild pain. Also lowers a fever in children.",
                SectionKind.SIDE_EFFECTS: "Rarely, a rash.\n\nSeek help for swelling.",
            },
        )

    def test_snippet_is_the_matching_sentence(self, client, sections):
        """The passage under a result is the sentence that matched, words marked."""
        [snippet] = SNIPPET.findall(search(client, "fever").content.decode())
        assert snippet == "Also lowers a <mark>fever</mark> in children."

    def test_snippet_never_runs_a_heading_into_the_text(self, client, sections):
        """Section titles are searchable but are never part of the passage shown."""
        [snippet] = SNIPPET.findall(search(client, "swelling").content.decode())
        assert snippet == "Seek help for <mark>swelling</mark>."
        [snippet] = SNIPPET.findall(search(client, "side effects rash").content.decode())
        assert snippet == "Rarely, a <mark>rash</mark>."

    def test_snippet_marks_the_word_in_the_spelling_it_was_written(
        self, client, british_and_american
    ):
        """Searching "anemia" marks "anaemia" in a monograph written in British spelling."""
        response = search(client, "anemia")
        snippets = dict(
            zip(hit_names(response), SNIPPET.findall(response.content.decode()), strict=True)
        )
        assert snippets["Ferrous Sulphate"] == (
            "Treats iron-deficiency <mark>anaemia</mark> in paediatric patients."
        )
