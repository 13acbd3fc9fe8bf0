"""A dose refusal names the vein type in the clinic's words, never by its code."""

from __future__ import annotations

import pytest

from sclero.rules.dose import _veins


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("saphenous_trunk", "saphenous trunk veins"),
        ("varicose_side_branch", "varicose side branch veins"),
        ("reticular", "reticular veins"),
        ("recurrent", "recurrent varicose vein"),
        (None, "this vein"),
    ],
)
def test_vein_types_are_named_in_words(code: str | None, words: str) -> None:
    assert _veins(code) == words
    assert "_" not in _veins(code)
