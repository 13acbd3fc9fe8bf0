"""The loader refuses a protocol copy that goes beyond what the sources allow, naming the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from sclero.rules import ProtocolError, load_protocol
from sclero.rules.loading import DEFAULT_PROTOCOL_PATH

DEFAULT_TEXT = DEFAULT_PROTOCOL_PATH.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("interval_days: 28", "interval_days: 1", "at least 5 days"),
        ("breastfeeding_pause_hours: 72", "breastfeeding_pause_hours: 1", "at least 8 hours"),
        ("microsclerotherapy_vein_types: [telangiectasia]",
         "microsclerotherapy_vein_types: [telangiectasia, varicose]", "not microsclerotherapy"),
        ("max_foam_ml_choice: consensus", "max_foam_ml_choice: varithena", "Varithena's"),
        ("polidocanol_mg_per_kg: {value: 2,", "polidocanol_mg_per_kg: {value: 3,", "2 mg/kg"),
        ("max_liquid_ml: {value: 10,", "max_liquid_ml: {value: 12,", "10 mL of liquid"),
        ("consensus: {value: 10,", "consensus: {value: 15,", "10 mL of foam"),
        ("minor_below_age_years: 18", "minor_below_age_years: 16", "at least 18"),
        ("technique: liquid, min: 1.0, max: 3.0", "technique: liquid, min: 1.0, max: 6.0",
         "above 3 %"),
        ("max_ml: 1.0, sources: [SOTRADECOL]", "max_ml: 5.0, sources: [SOTRADECOL]", "2 mL"),
        ("success_level: 3", "success_level: 7", "one of the levels"),
        ("weight_kg: {min: 2,", "weight_kg: {min: 0,", "above 0"),
    ],
)  # fmt: skip
def test_a_value_beyond_the_sources_is_refused_with_its_line(
    tmp_path: Path, old: str, new: str, words: str
) -> None:
    assert DEFAULT_TEXT.count(old) >= 1, old
    path = tmp_path / "clinic.yaml"
    path.write_text(DEFAULT_TEXT.replace(old, new, 1), encoding="utf-8")
    line = DEFAULT_TEXT[: DEFAULT_TEXT.index(old)].count("\n") + 1
    with pytest.raises(ProtocolError) as refused:
        load_protocol(path)
    assert words in refused.value.reason
    assert refused.value.line == line


def test_a_stricter_copy_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "clinic.yaml"
    text = DEFAULT_TEXT.replace("interval_days: 28", "interval_days: 42")
    path.write_text(text.replace("oral_contraceptive_effect: contraindicated",
                                 "oral_contraceptive_effect: refer"), encoding="utf-8")  # fmt: skip
    protocol = load_protocol(path)
    assert protocol.interval_days == 42
    assert protocol.medications["oral_contraceptive"].effect == "refer"


def test_the_protocol_carries_the_texts_the_pages_show() -> None:
    spec = load_protocol().spec
    codes = {risk.code for risk in spec.consent_risks}
    for needed in ("skin_necrosis_scarring", "extravasation", "vein_more_visible",
                   "bruising_swelling", "injection_pain", "air_bubble_symptoms",
                   "neurological_events"):  # fmt: skip
        assert needed in codes
    assert [item.code for item in spec.checklist][:2] == ["identity_confirmed", "consent_confirmed"]
    assert spec.clearance_scale.success_level == 3
    assert "BERTANHA2021" in spec.clearance_scale.success_sources
    assert "chest pain" in spec.emergency_signs.signs


def test_the_protocol_checklist_is_the_one_the_session_form_asks() -> None:
    from sclero.charting.schemas import CHECKLIST_ITEMS

    assert tuple(load_protocol().checklist_labels) == CHECKLIST_ITEMS


def test_the_consent_names_every_risk_and_the_emergency_signs_of_the_protocol() -> None:
    from sclero.planning.consent import consent_text
    from sclero.planning.models import TreatmentPlan

    protocol = load_protocol()
    plan = TreatmentPlan(id=1, protocol_id="sclero-default", protocol_version="1.0.0",
                         proposal={}, interval_days=28, expected_sessions="1–3")  # fmt: skip
    text = consent_text(plan, protocol)
    for risk in protocol.spec.consent_risks:
        assert risk.label in text
    for words in ("scar", "leaking beside the vein", "more visible", "burning", "Air-bubble",
                  "0.9 %", "chest pain", "coughing blood"):  # fmt: skip
        assert words in text
