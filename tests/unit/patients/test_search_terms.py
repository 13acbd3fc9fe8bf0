"""The search terms of a name answer every fragment staff may type, from a prefix range."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sclero.patients.search import NAME, SHORTEST_ENDING, fold, query_words, terms_of

names = st.text(st.characters(categories=("L", "M", "Zs", "Pd", "Po")), min_size=1, max_size=30)


def _matches(terms: set[tuple[str, str, bool]], word: str) -> bool:
    """The service's rule: a term starting with the word; short words only at a word's start."""
    return any(
        kind == NAME and term.startswith(word) and (whole or len(word) >= SHORTEST_ENDING)
        for kind, term, whole in terms
    )


@given(first=names, last=names)
def test_every_fragment_of_three_or_more_letters_and_every_word_start_is_found(
    first: str, last: str
) -> None:
    terms = terms_of(first, last, "SC-000042", None)
    for word in query_words(f"{first} {last}"):
        for start in range(len(word)):
            for end in range(start + 1, len(word) + 1):
                fragment = word[start:end]
                if start == 0 or len(fragment) >= SHORTEST_ENDING:
                    assert _matches(terms, fragment), (word, fragment)


def test_folding_drops_accents_case_and_marks() -> None:
    assert [fold(n) for n in ("Zoë", "O'Brien", "Müller", "García", "Straße")] == [
        "zoe", "obrien", "muller", "garcia", "strasse",
    ]  # fmt: skip


def test_a_record_number_is_a_whole_word_with_and_without_zeros() -> None:
    terms = terms_of("Ann", "Lee", "SC-000042", None)
    assert (NAME, "sc000042", True) in terms
    assert (NAME, "42", True) in terms
