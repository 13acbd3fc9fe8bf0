"""A small clinic whose outcomes are known by construction, written with Core inserts.

Four patients, five sessions, five treated regions (D0 = 5 January 2026, today = D0 + 120):
- R1 Anna, left lateral thigh, spider veins, liquid polidocanol, 1 session (D0); level 3 at D0+28.
- R2 Berta, right medial leg, reticular, liquid, 2 sessions (D0, D0+35); level 1 at D0+28,
  level 3 at D0+63. The second session has a limit override and an interval override.
- R3 Clara, left back of the knee, varicose, foam 9.5 mL (0.95 of 10 mL), 1 session (D0);
  level 2 at D0+50 (a late follow-up). R4 Clara, right medial thigh, spider, liquid, same
  session, never scored.
- R5 Dora, left lateral leg, reticular, liquid STS, 1 session (D0+40) by the nurse; no follow-up
  and nothing booked: lost to follow-up.
Adverse events: Anna hyperpigmentation (mild, D0+20); Berta and Clara a mild local reaction
(D0+1, D0+3). Appointments in January: one done, one no-show, one cancellation. Evaluations fire
oral_contraceptive (Anna), duplex_before_treatment + history_dvt (Berta), history_dvt (Dora);
a physician decided past history_dvt for Berta's plan only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, insert

from sclero.models import metadata

D0 = date(2026, 1, 5)
TODAY = D0 + timedelta(days=120)
LIMITS = {"max_agent_mg": 140.0, "max_foam_ml": 10.0, "max_liquid_ml": 10.0, "max_sts_ml": 10.0}


@dataclass(frozen=True)
class KnownClinic:
    physician_id: int
    nurse_id: int
    patients: dict[str, int]
    sessions: dict[str, int]


def _at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour))


def _day(offset: int) -> date:
    return D0 + timedelta(days=offset)


class _Writer:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(self, table: str, **values: Any) -> int:
        result = self.connection.execute(insert(metadata.tables[table]).values(**values))
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])


def build_known_clinic(connection: Connection, physician_id: int, nurse_id: int) -> KnownClinic:
    w = _Writer(connection)
    reasons = {
        "anna": ["oral_contraceptive"],
        "berta": ["duplex_before_treatment", "history_dvt"],
        "clara": [],
        "dora": ["history_dvt"],
    }
    decided: dict[str, Any] = {"anna": [], "berta": ["history_dvt"], "clara": [], "dora": None}
    patients, plans = {}, {}
    for number, name in enumerate(reasons, start=1):
        patients[name] = w.add(
            "patients",
            mrn=f"KNOWN-{number}",
            first_name=name.capitalize(),
            last_name="Known",
            birth_date=date(1980, 1, number),
            sex="female",
            weight_kg=70.0,
        )
        evaluation = w.add(
            "evaluations",
            patient_id=patients[name],
            performed_at=_at(_day(-14)),
            performed_by_id=physician_id,
            answers={},
            decision="eligible",
            result={"screening": {"decision": "eligible", "reasons": reasons[name]}},
            protocol_id="sclero-default",
            protocol_version="test",
        )
        plans[name] = w.add(
            "treatment_plans",
            patient_id=patients[name],
            evaluation_id=evaluation,
            status="approved",
            protocol_id="sclero-default",
            protocol_version="test",
            proposal={},
            weight_kg=70.0,
            interval_days=28,
            physician_decision_codes=decided[name],
        )

    def session(name: str, offset: int, by: int, **extra: Any) -> int:
        return w.add(
            "treatment_sessions",
            patient_id=patients[name],
            plan_id=plans[name],
            status="closed",
            started_at=_at(_day(offset)),
            closed_at=_at(_day(offset), 10),
            performed_by_id=by,
            checklist={},
            weight_kg=70.0,
            limits=LIMITS,
            protocol_version="test",
            **extra,
        )

    sessions = {
        "s1": session("anna", 0, physician_id),
        "s2a": session("berta", 0, physician_id),
        "s2b": session(
            "berta", 35, physician_id, interval_override_reason="Travelling abroad for months"
        ),
        "s3": session("clara", 0, physician_id),
        "s5": session("dora", 40, nurse_id),
    }

    def inject(
        key: str,
        side: str,
        region: str,
        vein: str,
        technique: str,
        volume: float,
        agent: str = "polidocanol",
        concentration: float = 0.5,
        **extra: Any,
    ) -> None:
        liquid = volume if technique == "liquid" else volume * 0.2
        w.add(
            "injections",
            session_id=sessions[key],
            side=side,
            region=region,
            vein_type=vein,
            agent=agent,
            concentration_percent=concentration,
            volume_ml=volume,
            technique=technique,
            agent_mg=round(liquid * concentration * 10, 3),
            **extra,
        )

    inject("s1", "left", "thigh_lateral", "telangiectasia", "liquid", 0.5)
    inject("s1", "left", "thigh_lateral", "telangiectasia", "liquid", 0.5)
    inject("s2a", "right", "leg_medial", "reticular", "liquid", 0.5, concentration=1.0)
    inject("s2b", "right", "leg_medial", "reticular", "liquid", 0.5, concentration=1.0)
    inject(
        "s2b",
        "right",
        "leg_medial",
        "reticular",
        "liquid",
        0.5,
        concentration=1.0,
        override_reason="Extensive reticular network; discussed",
        override_by_id=physician_id,
    )
    inject("s3", "left", "knee_posterior", "varicose", "foam", 4.5, concentration=1.0)
    inject("s3", "left", "knee_posterior", "varicose", "foam", 5.0, concentration=1.0)
    inject("s3", "right", "thigh_medial", "telangiectasia", "liquid", 0.2)
    inject(
        "s5",
        "left",
        "leg_lateral",
        "reticular",
        "liquid",
        0.5,
        agent="sodium_tetradecyl_sulfate",
        concentration=0.2,
    )

    def follow_up(
        name: str, key: str, offset: int, satisfaction: int, scores: list[tuple[str, str, int]]
    ) -> None:
        follow_up_id = w.add(
            "follow_ups",
            patient_id=patients[name],
            session_id=sessions[key],
            performed_on=_day(offset),
            satisfaction=satisfaction,
            more_sessions_needed=False,
        )
        for side, region, level in scores:
            w.add(
                "region_clearances",
                follow_up_id=follow_up_id,
                side=side,
                region=region,
                level=level,
            )

    follow_up("anna", "s1", 28, 5, [("left", "thigh_lateral", 3)])
    follow_up("berta", "s2a", 28, 3, [("right", "leg_medial", 1)])
    follow_up("berta", "s2b", 63, 4, [("right", "leg_medial", 3)])
    follow_up("clara", "s3", 50, 4, [("left", "knee_posterior", 2)])

    def event(name: str, key: str, kind: str, offset: int) -> None:
        w.add(
            "adverse_events",
            patient_id=patients[name],
            session_id=sessions[key],
            event_type=kind,
            symptoms=[],
            triage_level="routine",
            onset_date=_day(offset),
            severity="mild",
            outcome="resolved",
            status="closed",
        )

    event("anna", "s1", "hyperpigmentation", 20)
    event("berta", "s2a", "local_reaction", 1)
    event("clara", "s3", "local_reaction", 3)

    for name, status in (("anna", "done"), ("dora", "no_show"), ("berta", "cancelled")):
        w.add(
            "appointments",
            patient_id=patients[name],
            kind="session",
            status=status,
            starts_at=_at(_day(2)),
        )
    return KnownClinic(physician_id, nurse_id, patients, sessions)
