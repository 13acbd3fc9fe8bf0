"""The outcomes report's summary tables (their columns and indexes); `summary.py` keeps them
exact and `summary_queries.py` aggregates them. One narrow row per closed session, per treated
region of a session, per scored region and level, per override, per patient, per screening rule,
and the state row that says when they were last rebuilt."""

from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, Float, Index, Integer, String, Table, Text

from sclero.core.db import Base

metadata = Base.metadata
SATISFACTION_SCORES = range(1, 6)

SESSION_SCOPE_COLUMNS = (
    "started_at",
    "session_id",
    "patient_id",
    "performed_by_id",
    "interval_override_reason",
    "foam",
    "limit_overrides",
    "agent_share",
    "foam_share",
    "liquid_share",
    "first_follow_up",
    *[f"satisfaction_{n}" for n in SATISFACTION_SCORES],
)
"""Every column of a session fact, the range's first: what the report's figures read."""

SESSION_FACTS = Table(
    "report_sessions",
    metadata,
    Column("session_id", Integer, primary_key=True, autoincrement=False),
    Column("patient_id", Integer, nullable=False, index=True),
    Column("started_at", DateTime, nullable=False),
    Column("performed_by_id", Integer),
    Column("interval_override_reason", Text),
    Column("foam", Integer, nullable=False),  # 1: at least one foam injection given
    Column("limit_overrides", Integer, nullable=False),  # injections given on an override
    Column("agent_share", Float),  # of the session's limit; NULL: no injection or no limit
    Column("foam_share", Float),
    Column("liquid_share", Float),
    Column("first_follow_up", Date),
    *[Column(f"satisfaction_{n}", Integer, nullable=False) for n in SATISFACTION_SCORES],
    # Covering: a range of sessions is read from the index alone, in one run of its pages,
    # where the table holds them in the order they were loaded (a row lookup each).
    Index("ix_report_sessions_started_at", *SESSION_SCOPE_COLUMNS),
)
"""One row per closed session."""

REGION_FACTS = Table(
    "report_regions",
    metadata,
    Column("session_id", Integer, nullable=False),
    Column("patient_id", Integer, nullable=False, index=True),
    Column("started_at", DateTime, nullable=False),
    Column("performed_by_id", Integer),
    Column("side", String(10), nullable=False),
    Column("region", String(30), nullable=False),
    Column("vein_type", String(30)),
    Column("technique", String(10), nullable=False),
    Column("agent", String(40), nullable=False),
    Column("concentration_percent", Float, nullable=False),
    # 1 on one fact of each session, side and region (0 on its others): a treated region's
    # sessions are a sum, so one grouping of a range's facts serves every region figure.
    Column("opens_region", Integer, nullable=False, server_default="0"),
    # Covering the unfiltered figures: a range scan answers them without reading the table.
    Index(
        "ix_report_regions_started_at",
        "started_at",
        "patient_id",
        "side",
        "region",
        "session_id",
        "vein_type",
        "technique",
        "agent",
        "opens_region",
    ),
    Index("ix_report_regions_session_id", "session_id"),
)
"""One row per distinct (side, region, vein type, technique, agent, concentration) given in a
closed session: what the injection filters select and the treated regions are grouped from."""

CLEARANCE_FACTS = Table(
    "report_clearances",
    metadata,
    Column("patient_id", Integer, primary_key=True, autoincrement=False),
    Column("side", String(10), primary_key=True),
    Column("region", String(30), primary_key=True),
    Column("best", Integer, nullable=False),
    Column("first_success", Date),  # the first follow-up at the state's success level or above
    Column("last_seen", Date, nullable=False),
)
"""Per patient and region ever scored: the best clearance level, the first follow-up that found
it a success (at `report_summary_state.success_level`), the last follow-up that scored it."""

OVERRIDE_FACTS = Table(
    "report_overrides",
    metadata,
    Column("session_id", Integer, nullable=False, index=True),
    Column("patient_id", Integer, nullable=False, index=True),
    Column("override_by_id", Integer),
    Column("reason", Text, nullable=False),
    Column("injections", Integer, nullable=False),
)
"""Injections given on a limit override, per session, physician and reason."""

PATIENT_FACTS = Table(
    "report_patients",
    metadata,
    Column("patient_id", Integer, primary_key=True, autoincrement=False),
    Column("last_follow_up", Date),
    Column("last_booked", DateTime),  # the latest booked appointment's start
)
"""Per patient with a follow-up or a booked appointment: what lost-to-follow-up asks."""

RULE_FACTS = Table(
    "report_rules",
    metadata,
    Column("patient_id", Integer, nullable=False, index=True),
    Column("evaluation_id", Integer, nullable=False),
    Column("performed_at", DateTime, nullable=False, index=True),
    Column("plan_id", Integer),  # set on rows of kind 'overridden'
    Column("kind", String(12), nullable=False),  # fired | overridden
    Column("rule", String(80), nullable=False),
)
"""Screening rules that fired in an evaluation, and those a physician decided past in a plan."""

STATE = Table(
    "report_summary_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("rebuilt_at", DateTime, nullable=False),
    Column("success_level", Integer, nullable=False),  # the protocol's, when rebuilt
)
"""One row once the summary was built: when it was last rebuilt from nothing."""

FACT_TABLES = (
    SESSION_FACTS,
    REGION_FACTS,
    CLEARANCE_FACTS,
    OVERRIDE_FACTS,
    PATIENT_FACTS,
    RULE_FACTS,
)
