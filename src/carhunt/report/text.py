"""Log values made safe to show: control and bidirectional characters escaped.

Values from logs are stored exactly as logged. A terminal, a spreadsheet or a
browser would act on some characters instead of showing them. An escape sequence
recolours a terminal, and a right-to-left override reverses the text after it, so
``evil\\u202eexe.txt`` reads as ``eviltxt.exe``. A line break splits a CSV row for
naive tools. Outputs for people show such characters as ``\\xNN`` or ``\\uNNNN``.
"""

from __future__ import annotations

import re

# Unicode bidirectional formatting characters (Unicode Standard Annex #9): marks,
# embeddings, overrides and isolates, plus the line and paragraph separators.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029"
)

# C0 and C1 control characters (Unicode category Cc) and the bidirectional controls.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f" + "".join(sorted(BIDI_CONTROLS)) + "]")


def escape_char(char: str) -> str:
    """Return the escape of one character: ``\\xNN`` up to U+00FF, else ``\\uNNNN``."""
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """Replace every control and bidirectional character with its escape.

    NOTE: a backslash is kept as it is, because Windows paths are full of them, so
    a logged ``\\x1b`` text and an escaped ESC character look the same.
    """
    return _UNSAFE.sub(lambda match: escape_char(match.group()), text)


def split_controls(text: str) -> list[tuple[str, bool]]:
    """Split text into (part, is_escape) pieces, escapes already applied, for markup."""
    pieces: list[tuple[str, bool]] = []
    start = 0
    for match in _UNSAFE.finditer(text):
        if match.start() > start:
            pieces.append((text[start:match.start()], False))
        pieces.append((escape_char(match.group()), True))
        start = match.end()
    if start < len(text):
        pieces.append((text[start:], False))
    return pieces
