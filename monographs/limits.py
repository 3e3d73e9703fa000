"""How much one monograph may hold: one set of limits for the importer, the admin and the preview.

Each limit bounds what hostile or accidental input can cost (render time, memory, the size of
an admin page); every refusal names the limit it hit.
"""

# A file handed to the importer (bytes, before decoding).
MAX_DOCUMENT_BYTES = 1024 * 1024
# A document's YAML front matter (bytes) and how deep its mappings and lists may nest.
MAX_FRONT_MATTER_BYTES = 32 * 1024
MAX_FRONT_MATTER_DEPTH = 8
# Sections and FAQ items of one monograph.
MAX_SECTIONS = 100
MAX_FAQ_ITEMS = 100
# Characters of markdown in one section body or FAQ answer (also the live preview's input).
MAX_TEXT_CHARS = 40_000
