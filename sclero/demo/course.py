"""A demo patient's course of treatment: charted injections within the plan and session limits,
clearance per region at each follow-up, and adverse events at the reference's rates."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sclero.demo.clinical import Finding
from sclero.rules.protocol import Protocol
from sclero.rules.triage import triage

STRENGTHS = {  # marketed / commonly diluted strengths, % w/v
    "polidocanol": (0.25, 0.5, 0.75, 1.0, 2.0, 3.0),
    "sodium_tetradecyl_sulfate": (0.1, 0.2, 0.25, 0.3, 0.5, 1.0, 3.0),
}
GAUGES = {"telangiectasia": (30, 32, 33), "reticular": (27, 30), "varicose": (25, 27)}
FOAM_RATIO = "1:4"
# Sessions a region needs to reach clearance 3 (None: it never quite clears); chosen so that
# about 70 % of treated regions reach level 3 by the last follow-up (clinic benchmark 60–80 %).
RESPONSE = ((1, 0.38), (2, 0.27), (3, 0.12), (None, 0.23))


@dataclass(frozen=True)
class Target:
    """A finding the plan treats, with the plan item that says how."""

    finding: Finding
    item: Mapping[str, Any]

    @property
    def area(self) -> tuple[str, str]:
        return (self.finding.side, self.finding.region)


@dataclass
class Totals:
    agent_mg: float = 0.0
    foam_ml: float = 0.0
    liquid_ml: float = 0.0
    sts_ml: float = 0.0
    polidocanol_ml: float = 0.0

    def after(
        self, agent: str, technique: str, volume: float, mg: float, liquid_fraction: float
    ) -> Totals:
        liquid_share = volume if technique == "liquid" else volume * liquid_fraction
        return Totals(
            agent_mg=self.agent_mg + mg,
            foam_ml=self.foam_ml + (volume if technique == "foam" else 0.0),
            liquid_ml=self.liquid_ml + (volume if technique == "liquid" else 0.0),
            sts_ml=self.sts_ml + (liquid_share if agent != "polidocanol" else 0.0),
            polidocanol_ml=self.polidocanol_ml + (liquid_share if agent == "polidocanol" else 0.0),
        )

    def within(self, limits: Mapping[str, Any]) -> bool:
        checks = (
            ("max_agent_mg", self.agent_mg),
            ("max_foam_ml", self.foam_ml),
            ("max_liquid_ml", self.liquid_ml),
            ("max_sts_ml", self.sts_ml),
        )
        return all(limits.get(key) is None or value <= float(limits[key]) for key, value in checks)


def agent_mg(
    volume_ml: float, concentration: float, technique: str, liquid_fraction: float
) -> float:
    """Milligrams of agent: 1 % w/v is 10 mg/mL; foam carries only its liquid fraction."""
    liquid_ml = volume_ml if technique == "liquid" else volume_ml * liquid_fraction
    return round(liquid_ml * concentration * 10, 3)


def _concentration(rng: random.Random, item: Mapping[str, Any]) -> float:
    bounds = item.get("concentration_percent") or {}
    high = float(bounds["max"])
    low = float(bounds.get("min") or 0.0)
    fits = [s for s in STRENGTHS.get(str(item["agent"]), ()) if low <= s <= high]
    if not fits:
        return high
    if bounds.get("min") is None:  # "up to": clinics mostly use the lower strengths
        fits = fits[: max(1, len(fits) - 1)] if len(fits) > 1 else fits
    return rng.choice(fits)


def _volume(rng: random.Random, item: Mapping[str, Any]) -> float:
    if item["technique"] == "foam":
        return round(rng.choice((0.5, 1.0, 1.0, 1.5, 2.0)), 2)
    top = float(item.get("max_volume_per_injection_ml") or 0.5)
    steps = max(1, round(top / 0.05))
    return round(0.05 * rng.randint(max(1, steps // 2), steps), 2)


@dataclass
class Charted:
    injections: list[dict[str, Any]] = field(default_factory=list)
    totals: Totals = field(default_factory=Totals)
    areas: list[tuple[str, str]] = field(default_factory=list)


def chart_injections(
    rng: random.Random,
    targets: Sequence[Target],
    limits: Mapping[str, Any],
    liquid_fraction: float,
) -> Charted:
    """2–12 injections over `targets`, within each plan item and the session's limits."""
    wanted = max(2, min(12, 2 * len(targets) + rng.randint(-1, 3)))
    order = list(targets)
    rng.shuffle(order)
    charted = Charted()
    lots = {agent: f"{agent[:2].upper()}{rng.randint(10000, 99999)}" for agent in STRENGTHS}
    for index in range(wanted):
        target = order[index % len(order)]
        item = target.item
        technique, agent = str(item["technique"]), str(item["agent"])
        concentration = _concentration(rng, item)
        volume = _volume(rng, item)
        while True:
            mg = agent_mg(volume, concentration, technique, liquid_fraction)
            totals = charted.totals.after(agent, technique, volume, mg, liquid_fraction)
            if totals.within(limits) or volume <= 0.05:
                break
            volume = round(max(0.05, volume / 2), 2)
        if not totals.within(limits):
            break  # the session's limit is reached: stop injecting
        charted.totals = totals
        if target.area not in charted.areas:
            charted.areas.append(target.area)
        charted.injections.append(
            {
                "side": target.finding.side,
                "region": target.finding.region,
                "finding_id": target.finding.id,
                "vein_type": target.finding.vein_type,
                "agent": agent,
                "concentration_percent": concentration,
                "volume_ml": volume,
                "technique": technique,
                "liquid_gas_ratio": FOAM_RATIO if technique == "foam" else None,
                "needle_gauge": rng.choice(GAUGES.get(target.finding.vein_type, (27,))),
                "lot_number": lots[agent],
                "agent_mg": mg,
                "override_reason": None,
                "override_by_id": None,
            }
        )
    return charted


def region_response(rng: random.Random) -> int | None:
    roll, acc = rng.random(), 0.0
    for needed, share in RESPONSE:
        acc += share
        if roll < acc:
            return needed
    return None


def clearance_level(rng: random.Random, treated: int, needed: int | None) -> int:
    """Clearance 0–3 of a region after `treated` sessions on it."""
    if needed is not None and treated >= needed:
        return 3
    ceiling = 2 if needed is None else min(2, (3 * treated) // needed)
    return max(0, ceiling - (1 if rng.random() < 0.25 else 0))


def satisfaction(rng: random.Random, levels: Sequence[int]) -> int:
    mean = sum(levels) / len(levels) if levels else 1.0
    return max(1, min(5, round(1.6 + mean + rng.uniform(-0.8, 0.8))))


# Adverse events per session: (event type, symptom sets, rate after liquid, rate after foam,
# onset days after the session, severity). Rates follow the reference's frequency words
# (DGP2020): frequent 1–10 %, occasional 0.1–1 %, rare 0.01–0.1 %, painful lump mean 4.7 %.
EVENTS: tuple[tuple[str, tuple[tuple[str, ...], ...], float, float, tuple[int, int], str], ...] = (
    (
        "local_reaction",
        (("bruising",), ("bruising", "injection_site_pain"), ("itching",)),
        0.08,
        0.08,
        (0, 2),
        "mild",
    ),
    ("hyperpigmentation", (("hyperpigmentation",),), 0.05, 0.06, (14, 42), "mild"),
    ("matting", (("matting",),), 0.03, 0.03, (21, 60), "mild"),
    (
        "superficial_thrombosis",
        (("painful_lump",), ("painful_lump", "spreading_redness")),
        0.04,
        0.07,
        (5, 21),
        "moderate",
    ),
    ("skin_necrosis", (("skin_ulceration",),), 0.001, 0.0003, (2, 10), "moderate"),
    ("distal_dvt", (("calf_pain_swelling",),), 0.0005, 0.003, (2, 14), "severe"),
    (
        "visual_disturbance_headache",
        (("visual_disturbance",), ("visual_disturbance", "severe_headache")),
        0.0002,
        0.003,
        (0, 0),
        "moderate",
    ),
    ("proximal_dvt_pe", (("breathlessness", "chest_pain"),), 0.00005, 0.00005, (3, 21), "severe"),
)
MANAGEMENT = {
    "local_reaction": "Reassured; settles by itself within days.",
    "hyperpigmentation": "Explained it usually fades over months; sun protection advised.",
    "matting": "Observed; may be treated at a later session if it persists.",
    "superficial_thrombosis": "Trapped blood drained by micro-thrombectomy; compression continued.",
    "skin_necrosis": "Wound care with dressings; reviewed weekly until healed.",
    "distal_dvt": "Sent to urgent care; duplex confirmed distal DVT; anticoagulated by hospital.",
    "visual_disturbance_headache": "Sent to urgent care; symptoms resolved within hours.",
    "proximal_dvt_pe": "Emergency transfer; treated in hospital.",
}


def adverse_events(
    rng: random.Random, foam: bool, session_day: date, today: date, protocol: Protocol
) -> list[dict[str, Any]]:
    """Adverse events reported after one session (rows without ids and links)."""
    rows = []
    for code, symptom_sets, liquid_rate, foam_rate, (first, last), severity in EVENTS:
        if rng.random() >= (foam_rate if foam else liquid_rate):
            continue
        onset = session_day.toordinal() + rng.randint(first, last)
        if onset >= today.toordinal():
            continue
        symptoms = list(rng.choice(symptom_sets))
        triaged = triage(symptoms, protocol)  # the protocol's own triage, as the app does
        age_days = today.toordinal() - onset
        closed = age_days > 60 or (age_days > 14 and rng.random() < 0.6)
        rows.append(
            {
                "event_type": code,
                "symptoms": symptoms,
                "triage_level": triaged.level,
                "triage": triaged.to_document(),
                "onset_date": date.fromordinal(onset),
                "severity": severity,
                "management": MANAGEMENT[code],
                "outcome": ("resolved" if rng.random() < 0.9 else "resolved_with_sequelae")
                if closed
                else "resolving",
                "status": "closed" if closed else "open",
            }
        )
    return rows


SHOWCASE_DAYS = 28  # sessions this recent may carry the demo's open urgent event
SHOWCASE_RATE = 0.3


def showcase_urgent_event(
    rng: random.Random, session_day: date, today: date, protocol: Protocol
) -> dict[str, Any] | None:
    """Now and then, after a recent session, an open urgent event (chest pain and breathlessness:
    possible pulmonary embolism) far above the reference's rate: a demo clinic shows how Today,
    the chart and session start hold the patient until a physician has reviewed it."""
    age = (today - session_day).days
    if not 1 <= age <= SHOWCASE_DAYS or rng.random() >= SHOWCASE_RATE:
        return None
    symptoms = ["chest_pain", "breathlessness"]
    triaged = triage(symptoms, protocol)
    return {
        "event_type": "proximal_dvt_pe",
        "symptoms": symptoms,
        "triage_level": triaged.level,
        "triage": triaged.to_document(),
        "onset_date": date.fromordinal(session_day.toordinal() + rng.randint(1, age)),
        "severity": "severe",
        "management": "Sent to urgent care; awaiting the hospital's findings.",
        "outcome": "resolving",
        "status": "open",
    }
