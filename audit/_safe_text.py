"""User strings made safe to show and bounded in length.

Names in a result (run, column, group, label, card text) are user data. Three things can go
wrong when they are shown, even with HTML autoescaped:

- **Display spoofing**: bidirectional controls (U+202E RIGHT-TO-LEFT OVERRIDE, U+2066 LEFT-TO-RIGHT
  ISOLATE, ...) reverse the text and the numbers next to them; zero-width characters make two
  different names look the same. :func:`neutralize` replaces each with a visible ``[U+202E]``.
- **Terminal control**: escape sequences (``ESC ] 0 ; title BEL``) printed raw rewrite the
  terminal's title, colours or clipboard. :func:`for_terminal` writes every control character
  as a ``\\x1b``-style escape.
- **Size**: a 50 MB run name makes a 250 MB report. :func:`check_length` refuses strings over a
  limit with a typed error where they come in; :func:`shorten` cuts what is shown.
"""

from __future__ import annotations

import unicodedata

from audit.errors import InputTooLongError

#: Bidirectional formatting characters (Unicode TR9): embeddings, overrides, isolates, marks.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: Characters that draw nothing but change what a name is: zero-width space/joiners, word joiner,
#: invisible operators, byte-order mark, soft hyphen, Hangul fillers, Mongolian vowel separator.
INVISIBLE = frozenset("\u00ad\u180e\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff"
                      "\u115f\u1160\u3164\uffa0")

#: Longest name (run, column, group, feature, label) accepted from a config or data file.
MAX_NAME_LENGTH = 1_000
#: Longest free text (model-card fields) accepted from a config file.
MAX_TEXT_LENGTH = 20_000
#: Names longer than this are cut when shown (reports, dashboard, terminal).
SHOWN_NAME_LENGTH = 200
#: Free text longer than this is cut when shown.
SHOWN_TEXT_LENGTH = 20_000


def _is_hidden(char: str) -> bool:
    """Whether ``char`` is a control, format or invisible character (not tab or newline)."""
    if char in "\t\n":
        return False
    if char in BIDI_CONTROLS or char in INVISIBLE:
        return True
    category = unicodedata.category(char)
    return category in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp")


def neutralize(text: str) -> str:
    """``text`` with bidi controls, zero-width, format and control characters made visible.

    Each such character becomes ``[U+XXXX]``; tabs and newlines are kept. Printable text of any
    script (Arabic, Hebrew, CJK, emoji) is unchanged: only characters that draw nothing, or
    that reorder what is drawn, are replaced.

    Examples
    --------
    >>> neutralize("group\\u202eA")
    'group[U+202E]A'
    >>> neutralize("\\u0639\\u0631\\u0628\\u064a")  # Arabic letters are kept
    'عربي'
    """
    if text.isascii() and text.isprintable():
        return text
    return "".join(f"[U+{ord(c):04X}]" if _is_hidden(c) else c for c in text)


def has_hidden_characters(text: str) -> bool:
    """Whether :func:`neutralize` would change ``text``."""
    return any(_is_hidden(c) for c in text)


def for_terminal(text: str) -> str:
    """``text`` safe to print: control characters (ESC, BEL, CR, ...) as ``\\x1b``-style escapes
    and bidi or invisible characters as ``[U+XXXX]``; newlines and tabs are kept.

    Examples
    --------
    >>> for_terminal("name\\x1b]0;owned\\x07")
    'name\\\\x1b]0;owned\\\\x07'
    """
    out = []
    for char in str(text):
        if char in "\n\t":
            out.append(char)
        elif unicodedata.category(char) == "Cc":
            out.append(f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")
        elif _is_hidden(char):
            out.append(f"[U+{ord(char):04X}]")
        else:
            out.append(char)
    return "".join(out)


def shorten(text: str, limit: int = SHOWN_NAME_LENGTH) -> str:
    """``text`` cut to at most about ``limit`` characters, saying how many were left out.

    Examples
    --------
    >>> shorten("x" * 300, 10)
    'xxxxxxxxxx… (290 more characters)'
    """
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit:,} more characters)"


def for_display(text: str, limit: int = SHOWN_NAME_LENGTH) -> str:
    """:func:`neutralize` then :func:`shorten`: what reports and the dashboard show of a name."""
    return shorten(neutralize(text), limit)


def check_length(value: str, where: str, limit: int = MAX_NAME_LENGTH) -> str:
    """Return ``value``, or raise when it is longer than ``limit`` characters.

    Raises
    ------
    InputTooLongError
        Naming ``where``, the limit and the length that arrived.
    """
    if len(value) > limit:
        raise InputTooLongError(
            where, f"at most {limit:,} characters", f"{len(value):,} characters "
            f"(starting {for_terminal(value[:40])!r})",
            "shorten it: names are shown in reports, tables and chart legends")
    return value
