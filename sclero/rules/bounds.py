"""What the sources allow: a protocol file whose settings or limits go beyond them is refused.

A clinic may be stricter than the reference, never looser. Each check names the source of the
bound, and the loader turns the path into the line to fix.
"""

from __future__ import annotations

from sclero.rules.checks import Loc, Problem
from sclero.rules.schema import ProtocolFile

# (path, highest value the sources allow, the sources' words)
SESSION_MAXIMA: tuple[tuple[Loc, float, str], ...] = (
    (("session_limits", "polidocanol_mg_per_kg", "value"), 2, "2 mg/kg per day (EG2014)"),
    (("session_limits", "max_liquid_ml", "value"), 10, "10 mL of liquid (ASCLERA)"),
    (("session_limits", "max_sts_ml", "value"), 10, "10 mL of STS (SOTRADECOL)"),
    (("session_limits", "max_foam_ml", "consensus", "value"), 10, "10 mL of foam (EG2014)"),
    (("session_limits", "max_foam_ml", "varithena", "value"), 15, "15 mL of Varithena"),
    (("session_limits", "polidocanol_anaphylaxis_ml", "value"), 3, "3 mL (ASCLERA warning)"),
)
MIN_INTERVAL_DAYS = 5  # the shortest any source allows (VARITHENA); ASCLERA 1–2 weeks
MIN_BREASTFEEDING_PAUSE_HOURS = 8  # ASCLERA up to 8 h; EG2014 2–3 days
MAX_CONCENTRATION_PERCENT = 3.0  # the highest any row of the reference gives (EG2014)
MAX_LIQUID_ML_PER_POINT = 2.0  # STS 0.5–2 mL (SOTRADECOL); polidocanol less
ADULT_AGE_YEARS = 18
MICROSCLEROTHERAPY_TYPES = frozenset({"telangiectasia"})  # SEED-000, KERN2007: spider veins


def check_bounds(spec: ProtocolFile) -> None:
    """Refuse values outside what the sources allow; raise `Problem` at the first."""
    _check_settings(spec)
    _check_limits(spec)
    _check_tables(spec)
    _check_scale(spec)


def _check_settings(spec: ProtocolFile) -> None:
    settings = spec.settings
    where: Loc = ("settings",)
    if settings.interval_days < MIN_INTERVAL_DAYS:
        raise Problem(
            (*where, "interval_days"),
            f"at least {MIN_INTERVAL_DAYS} days: no source "
            "allows a shorter interval (VARITHENA ≥ 5 days, ASCLERA 1–2 weeks)",
        )
    if settings.breastfeeding_pause_hours < MIN_BREASTFEEDING_PAUSE_HOURS:
        raise Problem(
            (*where, "breastfeeding_pause_hours"),
            "at least 8 hours: no source allows "
            "a shorter pause (ASCLERA up to 8 h, EG2014 2–3 days)",
        )
    extra = sorted(set(settings.microsclerotherapy_vein_types) - MICROSCLEROTHERAPY_TYPES)
    if extra:
        raise Problem(
            (*where, "microsclerotherapy_vein_types"),
            f"{extra[0]} veins are not "
            "microsclerotherapy: the sources leave out or extend compression only for "
            "spider veins (telangiectasia; SEED-000, KERN2007)",
        )
    if settings.max_foam_ml_choice == "varithena" and "varithena" not in spec.foam.method.lower():
        raise Problem(
            (*where, "max_foam_ml_choice"),
            "the 15 mL limit is Varithena's, for its "
            f"own product only; this protocol's foam is {spec.foam.method}",
        )
    if settings.minor_below_age_years < ADULT_AGE_YEARS:
        raise Problem(
            (*where, "minor_below_age_years"),
            "at least 18: a minor is always flagged for a physician's decision",
        )


def _check_limits(spec: ProtocolFile) -> None:
    for loc, highest, words in SESSION_MAXIMA:
        node: object = spec
        for step in loc:
            node = getattr(node, str(step))
        if float(node) > highest:  # type: ignore[arg-type]
            raise Problem(loc, f"above what the sources allow: at most {words}")


def _check_tables(spec: ProtocolFile) -> None:
    for index, row in enumerate(spec.concentrations):
        if row.max > MAX_CONCENTRATION_PERCENT:
            raise Problem(
                ("concentrations", index, "max"),
                "above 3 %, the highest concentration any source gives (EG2014)",
            )
    for index, volume in enumerate(spec.volume_per_injection):
        if volume.max_ml > MAX_LIQUID_ML_PER_POINT:
            raise Problem(
                ("volume_per_injection", index, "max_ml"),
                "above 2 mL per injection point, the most any source allows (SOTRADECOL)",
            )
    for name in ("weight_kg", "diameter_mm"):
        if getattr(spec.plausibility, name).min <= 0:
            raise Problem(("plausibility", name, "min"), "must be above 0")


def _check_scale(spec: ProtocolFile) -> None:
    scale = spec.clearance_scale
    levels = [row.level for row in scale.levels]
    if levels != list(range(len(levels))):
        raise Problem(("clearance_scale", "levels"), "levels must count up from 0 by 1")
    if scale.success_level not in levels:
        raise Problem(("clearance_scale", "success_level"), "must be one of the levels")
    codes = [item.code for item in spec.checklist]
    if len(set(codes)) != len(codes):
        raise Problem(("checklist",), "a checklist code is listed twice")
