"""Loading a protocol: the shipped file, a clinic's copy, bad files refused with line + reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from sclero.rules import (
    DEFAULT_PROTOCOL_PATH,
    ProtocolError,
    default_protocol,
    load_protocol,
    session_limits,
)
from sclero.rules.planning import compression

DEFAULT_TEXT = DEFAULT_PROTOCOL_PATH.read_text(encoding="utf-8")


def write_variant(tmp_path: Path, old: str, new: str, count: int = 1) -> tuple[Path, int]:
    """Write the default protocol with `old` replaced; return the path and the changed line."""
    assert DEFAULT_TEXT.count(old) >= count, old
    text = DEFAULT_TEXT.replace(old, new, count)
    line = DEFAULT_TEXT[: DEFAULT_TEXT.index(old)].count("\n") + 1
    path = tmp_path / "clinic.yaml"
    path.write_text(text, encoding="utf-8")
    return path, line


def test_shipped_protocol_loads_with_id_version_and_intervals() -> None:
    protocol = load_protocol()
    assert protocol.id == "sclero-default"
    assert protocol.version == "1.0.0"
    assert protocol.interval_days == 28
    assert protocol.follow_up_days == 28


def test_default_protocol_is_loaded_once() -> None:
    assert load_protocol() is default_protocol()
    assert load_protocol(None) is load_protocol()


def test_a_clinic_copy_loads_from_path_or_string(tmp_path: Path) -> None:
    path, _ = write_variant(tmp_path, "id: sclero-default", "id: clinic-north")
    assert load_protocol(path).id == "clinic-north"
    assert load_protocol(str(path)).id == "clinic-north"


def test_clinic_can_change_the_interval(tmp_path: Path) -> None:
    path, _ = write_variant(tmp_path, "interval_days: 28", "interval_days: 42")
    assert load_protocol(path).interval_days == 42


def test_varithena_foam_setting_raises_the_foam_limit(tmp_path: Path) -> None:
    path, _ = write_variant(
        tmp_path, "max_foam_ml_choice: consensus", "max_foam_ml_choice: varithena"
    )
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("method: Tessari double-syringe", "method: Varithena"))
    limits = session_limits(70, load_protocol(path))
    assert limits.max_foam_ml == 15
    assert limits.source_map["max_foam_ml"] == ("VARITHENA",)


@pytest.mark.parametrize(
    ("setting", "days"),
    [("per_vein_type", (2, 3)), ("none", (0, 0)), ("extended", (21, 21))],
)
def test_microsclerotherapy_compression_setting(
    tmp_path: Path, setting: str, days: tuple[int, int]
) -> None:
    path, _ = write_variant(
        tmp_path,
        "microsclerotherapy_compression: per_vein_type",
        f"microsclerotherapy_compression: {setting}",
    )
    protocol = load_protocol(path)
    found = protocol.compression[("telangiectasia", "liquid")]
    assert (found.min_days, found.max_days) == days
    reticular = protocol.compression[("reticular", "liquid")]
    assert (reticular.min_days, reticular.max_days) == (5, 7)
    assert compression(protocol, []).max_days == 0


def test_breastfeeding_message_uses_the_setting(tmp_path: Path) -> None:
    path, _ = write_variant(
        tmp_path, "breastfeeding_pause_hours: 72", "breastfeeding_pause_hours: 8"
    )
    rule = load_protocol(path).breastfeeding
    assert rule is not None
    assert "8 hours" in rule.message


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("when: {condition: acute_dvt}", "when: {condition: acute_dvtt}", "unknown condition code"),
        ("    kind: absolute\n    applies_to: all\n    effect: contraindicated\n    message: Acute",
         "    kind: absolut\n    applies_to: all\n    effect: contraindicated\n    message: Acute",
         "unknown finding kind code"),
        ("effect: defer\n    message: Pregnant", "effect: wait\n    message: Pregnant",
         "unknown decision"),
        ("{symptom: matting, level: routine", "{symptom: matting, level: soon",
         "unknown triage level"),
        ("interval_days: 28", "interval_days: soon", "valid integer"),
        ("interval_days: 28", "interval_days: 0", "greater than 0"),
        ("follow_up_days: 28", "follow_up_days: 28\n  colour: blue", "unknown key"),
        ("min: 0.25, max: 0.5", "min: 0.75, max: 0.5", "above max"),
        ("sources: [CEAP2020]", "sources: [CEAP2021]", "unknown source id"),
        ("sources: [EG2014, ASCLERA, EASI2010], confirmed: false}\n  - {vein_type: telangiectasia, "
         "agent: polidocanol, technique: foam",
         "sources: [], confirmed: false}\n  - {vein_type: telangiectasia, agent: polidocanol, "
         "technique: foam", "at least 1 item"),
        ("{vein_type: varicose, below_mm: null", "{vein_type: varicose, below_mm: 5.0",
         "below_mm: null"),
        ("{vein_type: reticular, below_mm: 3.0", "{vein_type: reticular, below_mm: 0.5",
         "increase from row to row"),
        ("pause breastfeeding for {breastfeeding_pause_hours} hours",
         "pause breastfeeding for {pause_hours} hours", "names no setting"),
        ("when: {condition: history_pe}", "when: {condition: history_dvt}", "duplicate trigger"),
        ("order: [liquid, foam], sources: [DGP2020, EG2014], confirmed: true}\n  - {vein_type: "
         "reticular",
         "order: [refer, liquid], sources: [DGP2020, EG2014], confirmed: true}\n  - {vein_type: "
         "reticular", "refer may only come last"),
        ("liquid_gas_ratio: {liquid: 1, gas: 4}", "liquid_gas_ratio: {liquid: 1, gas: 9}",
         "outside ratio_range"),
    ],
)  # fmt: skip
def test_bad_file_is_refused_with_the_line_and_reason(
    tmp_path: Path, old: str, new: str, reason: str
) -> None:
    path, line = write_variant(tmp_path, old, new)
    with pytest.raises(ProtocolError) as refused:
        load_protocol(path)
    assert reason in refused.value.reason
    first_changed = next(n for n, (a, b) in enumerate(_pairs(path), start=1) if a != b)
    assert refused.value.line is not None
    assert first_changed <= refused.value.line <= line + new.count("\n")
    assert f"line {refused.value.line}" in str(refused.value)
    assert str(path) in str(refused.value)


def _pairs(path: Path) -> list[tuple[str, str]]:
    changed = path.read_text(encoding="utf-8").splitlines()
    return list(zip(DEFAULT_TEXT.splitlines(), changed, strict=False))


@pytest.mark.parametrize(
    ("old", "reason"),
    [
        ("  - {symptom: itching, level: routine, message: \"Itching is common and settles; "
         "mention it at the follow-up.\", sources: [ASCLERA], confirmed: true}\n",
         "no triage rule for symptoms ['itching']"),
        ("  - code: no_agent_available\n", "the engine needs a case rule 'no_agent_available'"),
    ],
)  # fmt: skip
def test_missing_required_rules_are_refused(tmp_path: Path, old: str, reason: str) -> None:
    new = "  - code: no_agent_left\n" if "code:" in old else ""
    path, _ = write_variant(tmp_path, old, new)
    with pytest.raises(ProtocolError) as refused:
        load_protocol(path)
    assert reason in refused.value.reason
    assert refused.value.line is not None


def test_missing_condition_rule_is_refused(tmp_path: Path) -> None:
    path, _ = write_variant(
        tmp_path, "when: {condition: immobility}", "when: {medication: minocycline}"
    )
    with pytest.raises(ProtocolError, match="no rule for conditions \\['immobility'\\]"):
        load_protocol(path)


def test_yaml_syntax_error_gives_its_line(tmp_path: Path) -> None:
    path, line = write_variant(tmp_path, "follow_up_days: 28", "follow_up_days: [28")
    with pytest.raises(ProtocolError, match="not valid YAML") as refused:
        load_protocol(path)
    assert refused.value.line is not None
    assert refused.value.line >= line


def test_duplicate_key_is_refused_at_its_line(tmp_path: Path) -> None:
    path, line = write_variant(
        tmp_path, "follow_up_days: 28", "follow_up_days: 28\n  interval_days: 7"
    )
    with pytest.raises(ProtocolError, match="'interval_days' appears twice") as refused:
        load_protocol(path)
    assert refused.value.line == line + 1


def test_missing_key_points_at_its_section(tmp_path: Path) -> None:
    path, _ = write_variant(
        tmp_path,
        "  follow_up_days: 28                # follow-up visit after a session (SEED-002)\n",
        "",
    )
    with pytest.raises(ProtocolError, match="required key 'follow_up_days' is missing") as refused:
        load_protocol(path)
    assert refused.value.line == DEFAULT_TEXT[: DEFAULT_TEXT.index("settings:")].count("\n") + 1


def test_empty_missing_and_non_mapping_files_are_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(ProtocolError, match="empty"):
        load_protocol(empty)
    with pytest.raises(ProtocolError, match="cannot read"):
        load_protocol(tmp_path / "absent.yaml")
    listing = tmp_path / "list.yaml"
    listing.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(ProtocolError, match="mapping"):
        load_protocol(listing)


def test_rule_count_counts_every_reviewable_rule() -> None:
    spec = default_protocol().spec
    assert len(spec.contraindications) == 32
    assert len(spec.triage) == 17
    assert default_protocol().rule_count == 112
