"""Request and response models of the vein assessment."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from sclero.core.schemas import Note, Out, Strict, code_in
from sclero.rules.vocabulary import Region, Side, VeinType

SideCode = Annotated[str, code_in(Side.codes(), "side")]
RegionCode = Annotated[str, code_in(Region.codes(), "region")]
VeinTypeCode = Annotated[str, code_in(VeinType.codes(), "vein type")]
CEAP = Annotated[str, StringConstraints(pattern=r"^C[0-6](r|a|b|c)?$")]
COLOURS = ("red", "blue", "purple", "green")


class FindingIn(Strict):
    side: SideCode
    region: RegionCode
    vein_type: VeinTypeCode | None = None  # derived from the diameter when not given
    # > 0 here; the plausible range is the protocol's (checked by the service, as by the engine)
    diameter_mm: float = Field(gt=0, allow_inf_nan=False)
    colour: Annotated[str, code_in(COLOURS, "colour")] | None = None
    ceap_class: CEAP | None = None
    notes: Note = None


class FindingOut(Out):
    id: int
    version: int  # send it back as If-Match to change this record
    patient_id: int
    side: str
    region: str
    vein_type: str
    vein_type_derived: bool
    diameter_mm: float
    colour: str | None
    ceap_class: str | None
    notes: str | None
    recorded_at: datetime
    active: bool


class DuplexIn(Strict):
    performed_on: date
    saphenous_reflux: bool = False
    perforator_reflux: bool = False
    deep_reflux: bool = False
    notes: Note = None


class DuplexOut(Out):
    id: int
    patient_id: int
    performed_on: date
    saphenous_reflux: bool
    perforator_reflux: bool
    deep_reflux: bool
    notes: str | None
