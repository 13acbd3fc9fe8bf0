"""How a patient is found: names, record number and phone folded to search terms that an ordinary
index answers on both databases.

Names are folded the way staff type them: accents dropped, case ignored, apostrophes, hyphens and
other marks removed ("Zoë" → "zoe", "O'Brien" → "obrien", "Müller" → "muller"; "ß" → "ss").
A name word is stored with each of its endings of three letters or more, so a typed fragment is a
*prefix* of a stored term — a range scan on an index, never a scan of every patient:
"berg" finds "Lindberg", "mann" finds "Hermann". A fragment of one or two letters matches the
start of a word only ("lo" finds "Lopez", not "Carlos"). Phone numbers are stored as digits with
every ending of four digits or more, so "1234567" finds "+49 170 1234567".
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

NAME = "name"
PHONE = "phone"
SHORTEST_ENDING = 3
"""Shorter endings of a name word are not stored; shorter typed words match word starts only."""
SHORTEST_PHONE_ENDING = 4
SHORTEST_PHONE_QUERY = 3
TERM_END = "\U0010ffff"
"""Greater than any folded character: [word, word + TERM_END) is every term starting with word."""


def fold(text: str) -> str:
    """Lower-case letters and digits only, accents removed."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch))


def query_words(text: str) -> list[str]:
    """The folded words of what was typed (a word that folds to nothing is dropped)."""
    return [word for word in (fold(part) for part in text.split()) if word]


def digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _endings(word: str, shortest: int) -> Iterable[str]:
    yield word
    for start in range(1, len(word) - shortest + 1):
        yield word[start:]


def terms_of(
    first_name: str, last_name: str, mrn: str, phone: str | None
) -> set[tuple[str, str, bool]]:
    """(kind, term, whole word) rows for one patient."""
    rows: set[tuple[str, str, bool]] = set()
    record_number = digits(mrn).lstrip("0")
    words = [*query_words(f"{first_name} {last_name}"), fold(mrn), record_number]
    for word in filter(None, words):
        for ending in _endings(word, SHORTEST_ENDING):
            rows.add((NAME, ending, ending == word))
    number = digits(phone or "")
    if number:
        rows.update(
            (PHONE, ending, ending == number) for ending in _endings(number, SHORTEST_PHONE_ENDING)
        )
    # A term both whole and an ending of another word is kept once, as a whole word.
    return {row for row in rows if row[2] or (row[0], row[1], True) not in rows}
