"""Word diffs as editors and readers see them (review page, history compare, change log)."""

from monographs.diff import word_diff_html


def test_a_run_of_changed_words_reads_as_one_replacement():
    assert (
        word_diff_html("Take one tablet daily with food.", "Take two tablets daily with food.")
        == "Take <del>one tablet</del><ins>two tablets</ins> daily with food."
    )


def test_inserted_and_removed_words_keep_the_text_around_them():
    assert (
        word_diff_html("Improves memory in adults.", "Improves memory in older adults.")
        == "Improves memory in <ins>older </ins>adults."
    )
    assert word_diff_html("Rarely causes mild nausea.", "Rarely causes nausea.") == (
        "Rarely causes <del>mild </del>nausea."
    )


def test_a_change_of_spacing_alone_is_shown():
    assert word_diff_html("two  spaces", "two spaces") == "two<del>  </del><ins> </ins>spaces"


def test_unchanged_lines_of_a_long_section_are_left_as_they_are():
    lines = [f"Line {number} says the same thing about the dose." for number in range(200)]
    old = "\n".join(lines)
    new = "\n".join([*lines[:100], "Line 100 now says something else.", *lines[101:]])
    diff = word_diff_html(old, new)
    assert (
        "Line 100 <ins>now </ins>says <del>the same thing about the dose</del>"
        "<ins>something else</ins>.\nLine 101 says" in diff
    )
    assert diff.count("<del>") == 1


def test_markup_in_either_text_is_shown_as_text():
    diff = word_diff_html("Safe <b>text</b>.", 'Safe <script>alert("x")</script>.')
    assert "<script>" not in diff
    assert "<b>" not in diff
    assert diff.startswith("Safe &lt;")
    assert "<ins>alert(&quot;x&quot;)</ins>" in diff
