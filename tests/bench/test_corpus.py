from datetime import UTC, datetime

from bench.corpus import Corpus

ANCHOR = datetime(2025, 6, 1, tzinfo=UTC)


class CorpusTests:
    def test_same_seed_gives_the_same_names(self):
        """The corpus is reproducible: one seed, one list of drugs."""
        first = Corpus(count=300, seed=3, anchor=ANCHOR).names
        assert Corpus(count=300, seed=3, anchor=ANCHOR).names == first
        assert Corpus(count=300, seed=4, anchor=ANCHOR).names != first
        assert len({name.lower() for name, _ in first}) == 300
