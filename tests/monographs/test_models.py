import pytest

from tests.factories import SectionFactory


@pytest.mark.django_db
class ChangeTrackingTests:
    def test_crlf_from_a_browser_is_no_change(self):
        """Re-saving text a browser posted with CRLF line endings writes no history row."""
        section = SectionFactory(body="Line one\nLine two")
        rows = section.history.count()
        section.body = "Line one\r\nLine two"
        section.save()
        assert section.history.count() == rows
        assert section.body == "Line one\nLine two"

    def test_real_change_writes_one_history_row_and_bumps_version(self):
        """Changing content records it once and advances the optimistic-lock version."""
        section = SectionFactory(body="Before")
        rows, version = section.history.count(), section.version
        section.body = "After"
        section.save()
        assert section.history.count() == rows + 1
        assert section.version == version + 1
        assert "After" in section.body_html
