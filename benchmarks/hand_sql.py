"""Hand-written SQL for every aggregate of the outcomes report (no filters but the dates), the
baseline benchmarks/bench_reports.py times the report's SQLAlchemy Core statements against.

Each query is written as a person would write it for the one database: `{days(a, b)}`,
`{month(x)}`, `{month_key(x)}` (the month to group by) and `{limit(key)}` become that
database's own spelling.
"""

# ruff: noqa: S608 — constant SQL assembled from this file's own constants; no input reaches it

from __future__ import annotations

import re
from collections.abc import Callable

SCOPED = """ss AS (
  SELECT id, patient_id, started_at, performed_by_id, interval_override_reason,
         {limit_agent} AS max_agent_mg, {limit_foam} AS max_foam_ml,
         {limit_liquid} AS max_liquid_ml
  FROM treatment_sessions
  WHERE status = 'closed' AND started_at >= :start AND started_at < :end)"""

REGIONS = """reg AS (
  SELECT s.patient_id, i.side, i.region{dimension_select}, min(s.started_at) AS first_at,
         count(DISTINCT s.id) AS sessions
  FROM injections i JOIN ss s ON s.id = i.session_id
  GROUP BY s.patient_id, i.side, i.region{dimension_group}),
cl AS (
  SELECT f.patient_id, c.side, c.region, max(c.level) AS best,
         min(CASE WHEN c.level >= :level THEN f.performed_on END) AS first_success,
         max(f.performed_on) AS last_seen
  FROM region_clearances c JOIN follow_ups f ON f.id = c.follow_up_id
  GROUP BY f.patient_id, c.side, c.region),
tr AS (
  SELECT reg.*, cl.best, cl.first_success, cl.last_seen
  FROM reg LEFT JOIN cl
    ON cl.patient_id = reg.patient_id AND cl.side = reg.side AND cl.region = reg.region)"""

SUCCESS = "count(*), count(best), coalesce(sum(CASE WHEN best >= :level THEN 1 ELSE 0 END), 0)"


def _regions(dimension: str | None = None) -> str:
    if dimension is None:
        return REGIONS.format(dimension_select="", dimension_group="")
    return REGIONS.format(
        dimension_select=f", i.{dimension} AS dimension", dimension_group=f", i.{dimension}"
    )


def _success_by(dimension: str) -> str:
    return (
        f"WITH {SCOPED}, {_regions(dimension)} SELECT dimension, {SUCCESS} FROM tr "
        "GROUP BY dimension ORDER BY dimension"
    )


QUERIES: dict[str, str] = {
    "totals": f"""WITH {SCOPED}
SELECT count(*), count(DISTINCT patient_id),
  coalesce(sum(CASE WHEN EXISTS (SELECT 1 FROM injections i
                                 WHERE i.session_id = ss.id AND i.technique = 'foam')
               THEN 1 ELSE 0 END), 0),
  coalesce(sum(CASE WHEN interval_override_reason IS NOT NULL THEN 1 ELSE 0 END), 0),
  (SELECT count(*) FROM injections i JOIN ss s2 ON s2.id = i.session_id
   WHERE i.override_reason IS NOT NULL)
FROM ss""",
    "success": f"WITH {SCOPED}, {_regions()} SELECT {SUCCESS} FROM tr",
    "success_by_vein_type": _success_by("vein_type"),
    "success_by_technique": _success_by("technique"),
    "success_by_agent": _success_by("agent"),
    "clearance_by_sessions": f"""WITH {SCOPED}, {_regions()}
SELECT CASE WHEN sessions >= 4 THEN 4 ELSE sessions END AS g, {SUCCESS},
  sum(CASE WHEN best = 0 THEN 1 ELSE 0 END), sum(CASE WHEN best = 1 THEN 1 ELSE 0 END),
  sum(CASE WHEN best = 2 THEN 1 ELSE 0 END), sum(CASE WHEN best = 3 THEN 1 ELSE 0 END)
FROM tr GROUP BY g ORDER BY g""",
    "time_to_success": f"""WITH {SCOPED}, {_regions()},
w AS (
  SELECT CASE WHEN d < 0 THEN 0 ELSE d END / 7 AS week,
         sum(CASE WHEN first_success IS NOT NULL THEN 1 ELSE 0 END) AS events, count(*) AS n
  FROM (SELECT {{days("coalesce(first_success, last_seen)", "first_at")}} AS d, first_success
        FROM tr WHERE best IS NOT NULL) x
  GROUP BY 1)
SELECT week, events, n - events,
  sum(n) OVER (ORDER BY week DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
FROM w ORDER BY week""",
    "sessions_per_patient": f"""WITH {SCOPED}
SELECT n, count(*) FROM (SELECT patient_id, count(*) AS n FROM ss GROUP BY patient_id) p
GROUP BY n ORDER BY n""",
    "adverse_events": f"""WITH {SCOPED}
SELECT e.event_type, e.severity, count(*), count(DISTINCT e.patient_id),
  avg({{days("e.onset_date", "s.started_at")}})
FROM adverse_events e JOIN ss s ON s.id = e.session_id
GROUP BY e.event_type, e.severity ORDER BY e.event_type, e.severity""",
    "adverse_event_outcomes": f"""WITH {SCOPED}
SELECT e.event_type, coalesce(e.outcome, 'not_recorded') AS o, count(*)
FROM adverse_events e JOIN ss s ON s.id = e.session_id
GROUP BY e.event_type, o ORDER BY e.event_type, o""",
    "limit_use": f"""WITH {SCOPED},
u AS (
  SELECT s.id,
    sum(i.agent_mg) / nullif(max(s.max_agent_mg), 0) AS agent_mg,
    sum(CASE WHEN i.technique = 'foam' THEN i.volume_ml ELSE 0.0 END)
      / nullif(max(s.max_foam_ml), 0) AS foam_ml,
    sum(CASE WHEN i.technique = 'liquid' THEN i.volume_ml ELSE 0.0 END)
      / nullif(max(s.max_liquid_ml), 0) AS liquid_ml
  FROM injections i JOIN ss s ON s.id = i.session_id GROUP BY s.id)
{{bands("agent_mg")}} UNION ALL {{bands("foam_ml")}} UNION ALL {{bands("liquid_ml")}}""",
    "overrides_by_clinician": f"""WITH {SCOPED}
SELECT u.full_name, count(*), count(DISTINCT i.session_id)
FROM injections i JOIN ss s ON s.id = i.session_id LEFT JOIN users u ON u.id = i.override_by_id
WHERE i.override_reason IS NOT NULL
GROUP BY u.full_name ORDER BY count(*) DESC, u.full_name""",
    "override_reasons": f"""WITH {SCOPED}
SELECT i.override_reason, count(*) FROM injections i JOIN ss s ON s.id = i.session_id
WHERE i.override_reason IS NOT NULL
GROUP BY i.override_reason ORDER BY count(*) DESC, i.override_reason LIMIT 20""",
    "interval_overrides": f"""WITH {SCOPED}
SELECT interval_override_reason, count(*) FROM ss WHERE interval_override_reason IS NOT NULL
GROUP BY interval_override_reason ORDER BY count(*) DESC, interval_override_reason LIMIT 20""",
    "sessions_per_month": f"""WITH {SCOPED}
SELECT {{month("started_at")}} AS m, count(*), count(DISTINCT patient_id) FROM ss
GROUP BY {{month_key("started_at")}} ORDER BY m""",
    "appointments_per_month": """SELECT {month("starts_at")} AS m, status, count(*)
FROM appointments WHERE starts_at >= :start AND starts_at < :end
GROUP BY {month_key("starts_at")}, status ORDER BY m, status""",
    "follow_up_timeliness": f"""WITH {SCOPED}
SELECT status, count(*) FROM (
  SELECT CASE
    WHEN f IS NULL AND {{days(":today", "started_at")}} <= :late THEN 'not_yet_due'
    WHEN f IS NULL THEN 'missing'
    WHEN {{days("f", "started_at")}} <= :late THEN 'on_time'
    ELSE 'late' END AS status
  FROM (SELECT s.id, s.started_at, min(fu.performed_on) AS f
        FROM ss s LEFT JOIN follow_ups fu ON fu.session_id = s.id
        GROUP BY s.id, s.started_at) x) y
GROUP BY status ORDER BY status""",
    "lost_to_follow_up": f"""WITH {SCOPED}
SELECT count(*), coalesce(sum(CASE WHEN {{days(":today", "l.last")}} > :late
  AND NOT EXISTS (SELECT 1 FROM follow_ups f WHERE f.patient_id = l.patient_id
                  AND {{days("f.performed_on", "l.last")}} >= 0)
  AND NOT EXISTS (SELECT 1 FROM appointments a WHERE a.patient_id = l.patient_id
                  AND a.status = 'booked' AND a.starts_at >= :today_start)
  THEN 1 ELSE 0 END), 0)
FROM (SELECT patient_id, max(started_at) AS last FROM ss GROUP BY patient_id) l""",
    "satisfaction": f"""WITH {SCOPED}
SELECT f.satisfaction, count(*) FROM follow_ups f JOIN ss s ON s.id = f.session_id
WHERE f.satisfaction IS NOT NULL GROUP BY f.satisfaction ORDER BY f.satisfaction""",
    "rules_fired": """SELECT j.value, count(DISTINCT e.id)
FROM evaluations e, {items("e.result", "screening", "reasons")}
WHERE e.performed_at >= :start AND e.performed_at < :end AND j.value IS NOT NULL
GROUP BY j.value ORDER BY j.value""",
    "rules_overridden": """SELECT j.value, count(DISTINCT p.id)
FROM treatment_plans p JOIN evaluations e ON e.id = p.evaluation_id,
  {items("p.physician_decision_codes")}
WHERE e.performed_at >= :start AND e.performed_at < :end AND j.value IS NOT NULL
GROUP BY j.value ORDER BY j.value""",
}
BANDS = ((0.0, 0.5), (0.5, 0.75), (0.75, 0.9), (0.9, 1.0 + 1e-9))


def _bands(column: str) -> str:
    counts = ", ".join(
        f"coalesce(sum(CASE WHEN {column} >= {low} AND {column} < {high} THEN 1 ELSE 0 END), 0)"
        for low, high in BANDS
    )
    return (
        f"SELECT '{column}', count({column}), {counts}, "
        f"coalesce(sum(CASE WHEN {column} > 1.0 THEN 1 ELSE 0 END), 0), "
        f"avg({column}), max({column}) FROM u WHERE {column} > 0"
    )


def _sqlite() -> dict[str, Callable[..., str]]:
    def items(column: str, *path: str) -> str:
        return f"json_each({column}, '$" + "".join(f".{p}" for p in path) + "') AS j"

    return {
        "days": lambda a, b: f"CAST(julianday(date({a})) - julianday(date({b})) AS INTEGER)",
        "month": lambda x: f"strftime('%Y-%m', {x})",
        "month_key": lambda x: f"strftime('%Y-%m', {x})",
        "limit": lambda key: f"CAST(json_extract(limits, '$.{key}') AS REAL)",
        "items": items,
    }


def _postgresql() -> dict[str, Callable[..., str]]:
    def items(column: str, *path: str) -> str:
        target = column + "".join(f" -> '{p}'" for p in path)
        guarded = f"CASE WHEN json_typeof({target}) = 'array' THEN {target} ELSE '[]'::json END"
        return f"json_array_elements_text({guarded}) AS j(value)"

    return {
        "days": lambda a, b: f"(CAST({a} AS DATE) - CAST({b} AS DATE))",
        "month": lambda x: f"to_char(date_trunc('month', {x}), 'YYYY-MM')",
        "month_key": lambda x: f"date_trunc('month', {x})",
        "limit": lambda key: f"CAST(limits ->> '{key}' AS FLOAT)",
        "items": items,
    }


def hand_written(name: str, dialect: str) -> str:
    """The hand-written SQL of aggregate `name` for `dialect` (sqlite or postgresql)."""
    spell = _postgresql() if dialect == "postgresql" else _sqlite()
    text = QUERIES[name].replace("{limit_agent}", spell["limit"]("max_agent_mg"))
    text = text.replace("{limit_foam}", spell["limit"]("max_foam_ml"))
    text = text.replace("{limit_liquid}", spell["limit"]("max_liquid_ml"))
    return _expand(text, {**spell, "bands": _bands})


def _expand(text: str, functions: dict[str, Callable[..., str]]) -> str:
    """Replace each {name("arg", …)} by functions[name](*args)."""
    pattern = re.compile(r"\{(\w+)\(((?:\"[^\"]*\"(?:,\s*)?)*)\)\}")

    def call(match: re.Match[str]) -> str:
        args = re.findall(r"\"([^\"]*)\"", match.group(2))
        return functions[match.group(1)](*args)

    return pattern.sub(call, text)
