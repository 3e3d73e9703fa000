import pytest

from tests.monographs.search.searchpage import published


@pytest.fixture
def vitamins(contributor, reviewer):
    """Cyanocobalamin (also called Vitamin B12) and two drugs that only mention it."""
    return [
        published(
            "Cyanocobalamin",
            contributor=contributor,
            reviewer=reviewer,
            other_names="Vitamin B12",
            drug_class="Vitamins",
            body="Treats pernicious anemia.",
        ),
        published(
            "Methylcobalamin",
            contributor=contributor,
            reviewer=reviewer,
            drug_class="Vitamins",
            body="Like cyanocobalamin, cyanocobalamin and again cyanocobalamin, a vitamin B12.",
        ),
        published(
            "Methylcobalamin + Piracetam",
            contributor=contributor,
            reviewer=reviewer,
            drug_class="Nootropics",
            body="Combines a vitamin B12 form with a racetam; compare cyanocobalamin.",
        ),
    ]
