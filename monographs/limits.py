"""How much one monograph may hold: one set of limits for the importer, the admin and the preview.

Each limit bounds what hostile or accidental input can cost (render time, memory, the size of
an admin page); every refusal names the limit it hit.
"""

# A file handed to the importer (bytes, before decoding).
MAX_DOCUMENT_BYTES = 1024 * 1024
# A document's YAML front matter (bytes) and how deep its mappings and lists may nest.
MAX_FRONT_MATTER_BYTES = 128 * 1024
MAX_FRONT_MATTER_DEPTH = 8
# Sections and FAQ items of one monograph.
MAX_SECTIONS = 100
MAX_FAQ_ITEMS = 100
# Characters of markdown in one section body or FAQ answer (also the live preview's input).
MAX_TEXT_CHARS = 40_000
# How markdown may be shaped (monographs/markdown.py refuses the rest; bench/markdown_worst.py
# shows why): levels of lists, quotes and indentation on one line; headings, rules and
# definitions in a row without a blank line; characters spanned by '[' … ']' and '](' … ')'
# (open ones count to the end of their paragraph); '<' never closed by '>'; footnote marks.
MAX_MARKDOWN_DEPTH = 16
MAX_MARKDOWN_UNBROKEN_BLOCKS = 50
MAX_MARKDOWN_BRACKET_WORK = 100_000
MAX_MARKDOWN_UNCLOSED_TAGS = 20
MAX_MARKDOWN_FOOTNOTES = 100
