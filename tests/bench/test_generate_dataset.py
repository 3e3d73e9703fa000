from datetime import UTC, datetime

import pytest

from bench.corpus import Corpus
from bench.generate_dataset import main
from monographs.models import Drug

ANCHOR = datetime(2025, 6, 1, tzinfo=UTC)


@pytest.mark.django_db
class GenerateDatasetScriptTests:
    def test_generated_database_holds_the_corpus_names(self, capsys):
        """The script writes exactly the seeded corpus and says what it wrote."""
        main(["--drugs=12", "--seed=5", "--anchor=2025-06-01", "--no-large", "--workers=2"])
        expected = [name for name, _ in Corpus(count=12, seed=5, anchor=ANCHOR).names]
        assert sorted(Drug.objects.values_list("name", flat=True)) == sorted(expected)
        assert "drugs: 12" in capsys.readouterr().out

    def test_a_taken_name_is_refused(self, capsys):
        """A second run into the same database stops before writing anything."""
        main(["--drugs=3", "--seed=5", "--anchor=2025-06-01", "--no-large", "--workers=1"])
        with pytest.raises(SystemExit):
            main(["--drugs=3", "--seed=5", "--anchor=2025-06-01", "--no-large", "--workers=1"])
        assert Drug.objects.count() == 3
        assert "already has monographs named" in capsys.readouterr().err
