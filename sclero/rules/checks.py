"""Cross-field checks of a protocol file that a per-field schema cannot express.

Each check raises `Problem(loc, reason)`; the loader turns `loc` into a line number.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

from sclero.rules import vocabulary as v
from sclero.rules.schema import ProtocolFile

Loc = tuple[str | int, ...]

REQUIRED_CASE_RULES = (
    "no_agent_available",
    "interval_too_short",
    "technique_unavailable",
    "technique_switched",
    "pregnancy_not_answered",
    "breastfeeding_not_answered",
)


class Problem(Exception):
    """A check failed at `loc` (a path into the file) for `reason`."""

    def __init__(self, loc: Loc, reason: str) -> None:
        super().__init__(reason)
        self.loc = loc
        self.reason = reason


def check_protocol(spec: ProtocolFile, raw: Mapping[str, Any]) -> None:
    """Run every cross-field check; raise `Problem` at the first failure."""
    _check_sources(spec, raw)
    _check_screening(spec)
    _check_vein_types(spec)
    _check_tables(spec)
    _check_triage(spec)
    _check_ranges(spec)
    _check_messages(spec)


def _unique(keys: Iterable[Hashable], section: str, what: str, field: str | None = None) -> None:
    seen: set[Hashable] = set()
    for index, key in enumerate(keys):
        if key in seen:
            loc: Loc = (section, index) if field is None else (section, index, field)
            raise Problem(loc, f"duplicate {what} {key!r}")
        seen.add(key)


def _walk_sources(node: Any, loc: Loc) -> Iterable[tuple[Loc, Any]]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == "sources" and isinstance(value, Sequence) and loc != ():
                for index, item in enumerate(value):
                    yield (*loc, key, index), item
            else:
                yield from _walk_sources(value, (*loc, str(key)))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _walk_sources(item, (*loc, index))


def _check_sources(spec: ProtocolFile, raw: Mapping[str, Any]) -> None:
    _unique((s.id for s in spec.sources), "sources", "source id")
    known = {s.id for s in spec.sources}
    for loc, source_id in _walk_sources(raw, ()):
        if source_id not in known:
            raise Problem(loc, f"unknown source id {source_id!r}; list it under `sources` first")


def _check_screening(spec: ProtocolFile) -> None:
    _unique((r.code for r in spec.contraindications), "contraindications", "code", "code")
    _unique((r.code for r in spec.case_rules), "case_rules", "code", "code")
    _unique((r.code for r in spec.referrals), "referrals", "code", "code")
    triggers = [tuple(r.when.model_dump(exclude_none=True).items()) for r in spec.contraindications]
    _unique(triggers, "contraindications", "trigger", "when")
    own = {r.code for r in spec.contraindications}
    for section, codes in (
        ("case_rules", [r.code for r in spec.case_rules]),
        ("referrals", [r.code for r in spec.referrals]),
    ):
        for index, code in enumerate(codes):
            if code in own:
                raise Problem((section, index, "code"), f"code {code!r} is used twice")
    conditions = {r.when.condition for r in spec.contraindications}
    missing = sorted(v.Condition.codes() - conditions)
    if missing:
        raise Problem(("contraindications",), f"no rule for conditions {missing}")
    for flag in ("pregnant", "breastfeeding"):
        if not any(getattr(r.when, flag) for r in spec.contraindications):
            raise Problem(("contraindications",), f"no rule for {flag}")
    case_codes = {r.code for r in spec.case_rules}
    for code in REQUIRED_CASE_RULES:
        if code not in case_codes:
            raise Problem(("case_rules",), f"the engine needs a case rule {code!r}")


def _check_vein_types(spec: ProtocolFile) -> None:
    classification = spec.vein_classification
    rows = classification.by_diameter
    previous = 0.0
    for index, row in enumerate(rows):
        last = index == len(rows) - 1
        loc: Loc = ("vein_classification", "by_diameter", index, "below_mm")
        if last and row.below_mm is not None:
            raise Problem(loc, "the last row must have below_mm: null (no upper bound)")
        if not last and (row.below_mm is None or row.below_mm <= previous):
            raise Problem(loc, "below_mm must be given and increase from row to row")
        previous = row.below_mm or previous
    named = [r.vein_type for r in rows] + [r.vein_type for r in classification.named_only]
    _unique(named, "vein_classification", "vein type")
    missing = v.VeinType.codes() - set(named)
    if missing:
        raise Problem(("vein_classification",), f"vein types not classified: {sorted(missing)}")
    _unique((r.vein_type for r in spec.techniques), "techniques", "vein type")
    for index, technique in enumerate(spec.techniques):
        order = technique.order
        if "refer" in order[:-1] or len(set(order)) != len(order):
            raise Problem(("techniques", index, "order"), "refer may only come last, once")
    missing = v.VeinType.codes() - {r.vein_type for r in spec.techniques}
    if missing:
        raise Problem(("techniques",), f"no technique for vein types {sorted(missing)}")


def _check_tables(spec: ProtocolFile) -> None:
    _unique(
        ((r.vein_type, r.agent, r.technique) for r in spec.concentrations),
        "concentrations",
        "row",
    )
    _unique(
        ((r.vein_type, r.technique) for r in spec.volume_per_injection),
        "volume_per_injection",
        "row",
    )
    _unique(((r.vein_type, r.technique) for r in spec.compression.rules), "compression", "rule")
    preference = spec.settings.agent_preference
    if len(set(preference)) != len(preference):
        raise Problem(("settings", "agent_preference"), "an agent is listed twice")


def _check_triage(spec: ProtocolFile) -> None:
    _unique((r.symptom for r in spec.triage), "triage", "symptom", "symptom")
    missing = v.Symptom.codes() - {r.symptom for r in spec.triage}
    if missing:
        raise Problem(("triage",), f"no triage rule for symptoms {sorted(missing)}")


def _check_ranges(spec: ProtocolFile) -> None:
    ratio = spec.foam.ratio_range
    gas_per_liquid = spec.foam.liquid_gas_ratio.gas / spec.foam.liquid_gas_ratio.liquid
    if not ratio.min_gas_per_liquid <= gas_per_liquid <= ratio.max_gas_per_liquid:
        raise Problem(("foam", "liquid_gas_ratio"), "the default ratio lies outside ratio_range")
    pairs: list[tuple[Loc, float, float]] = [
        (("expected_sessions",), spec.expected_sessions.min, spec.expected_sessions.max),
        (
            ("expectations", "success_rate_percent"),
            spec.expectations.success_rate_percent.min,
            spec.expectations.success_rate_percent.max,
        ),
        (
            ("compression", "extended"),
            spec.compression.extended.min_days,
            spec.compression.extended.max_days,
        ),
    ]
    pairs += [
        (("compression", "rules", i), r.min_days, r.max_days)
        for i, r in enumerate(spec.compression.rules)
    ]
    pairs += [
        (("expectations", "fade", i), f.min, f.max) for i, f in enumerate(spec.expectations.fade)
    ]
    for loc, low, high in pairs:
        if low > high:
            raise Problem(loc, f"min {low} is above max {high}")


def _check_messages(spec: ProtocolFile) -> None:
    values = spec.settings.model_dump()
    for index, rule in enumerate(spec.contraindications):
        try:
            rule.message.format(**values)
        except (KeyError, IndexError, ValueError) as error:
            raise Problem(
                ("contraindications", index, "message"), f"message names no setting: {error}"
            ) from None
