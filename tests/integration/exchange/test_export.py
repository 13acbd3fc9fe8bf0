"""FHIR export: every resource of a demo clinic validates with fhir.resources R4B; a patient's
$everything Bundle, its audit entry and its refusals; metadata and Sclero's CodeSystems."""

from __future__ import annotations

from collections import Counter

from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.codesystem import CodeSystem
from sqlalchemy import select

from sclero.core.audit import AuditEntry
from sclero.core.db import Database
from sclero.exchange.codes import CANONICAL, SYSTEMS
from sclero.exchange.sources import RESOURCE_TYPES, Context, stream_type
from sclero.exchange.validate import validate
from tests.conftest import Headers
from tests.factories.api import poster
from tests.factories.charting import inject, start
from tests.factories.planning import consented_patient
from tests.factories.web import Client

ATC = "http://www.whocc.no/atc"


def test_every_resource_of_a_demo_clinic_export_validates(
    db: Database, demo_clinic: list[int]
) -> None:
    counts: Counter[str] = Counter()
    with db.sessions() as session:
        for resource_type in RESOURCE_TYPES:
            for resource in stream_type(session, resource_type, None, None, Context()):
                validate(resource)
                assert resource["resourceType"] == resource_type
                counts[resource_type] += 1
    # the demo walks the whole pathway, so every kind of resource is there
    kinds = ("Patient", "Observation", "CarePlan", "Consent", "Appointment", "Procedure",
             "MedicationAdministration", "BodyStructure", "Provenance", "Practitioner")  # fmt: skip
    for kind in kinds:
        assert counts[kind] > 0, kind
    assert counts["Patient"] == len(demo_clinic)


def test_injections_carry_the_agent_s_atc_code(db: Database, demo_clinic: list[int]) -> None:
    with db.sessions() as session:
        given = list(stream_type(session, "MedicationAdministration", None, None, Context()))
    codes = {
        c["code"] for g in given for c in g["contained"][0]["code"]["coding"] if c["system"] == ATC
    }
    assert codes <= {"C05BB02", "C05BB04"} and codes
    strength = given[0]["contained"][0]["ingredient"][0]["strength"]
    assert strength["denominator"]["value"] == 100 and strength["denominator"]["code"] == "mL"


def _treated(db: Database, demo_clinic: list[int]) -> int:
    """A demo patient who had at least one session."""
    with db.sessions() as session:
        for pid in demo_clinic:
            if list(stream_type(session, "Procedure", [pid], None, Context())):
                return pid
    raise AssertionError("the demo clinic treated no one")


def test_everything_is_one_valid_bundle_of_the_patient_s_record_and_audited(
    client: TestClient, headers: Headers, db: Database, demo_clinic: list[int]
) -> None:
    pid = _treated(db, demo_clinic)
    response = client.get(f"/fhir/Patient/{pid}/$everything", headers=headers["nurse"])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    bundle = Bundle.model_validate(response.json())
    resources = [e.resource for e in bundle.entry or []]
    types = Counter(r.get_resource_type() for r in resources)
    assert types["Patient"] == 1 and types["Procedure"] >= 1 and types["Practitioner"] >= 1
    patient_refs = {f"Patient/{pid}"}
    for r in response.json()["entry"]:
        body = r["resource"]
        subject = body.get("subject") or body.get("patient")
        if subject:
            assert subject["reference"] in patient_refs
    # every Practitioner a resource names is in the Bundle
    ids = {
        f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in response.json()["entry"]
    }
    assert all(
        f"Practitioner/{p.id}" in ids for p in resources if p.get_resource_type() == "Practitioner"
    )
    with db.sessions() as session:
        entry = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity == "fhir_bundle")
            .order_by(AuditEntry.id.desc())
        ).first()
    assert entry is not None and entry.username == "test-nurse" and entry.patient_id == pid
    assert entry.action == "read" and entry.detail is not None
    assert entry.detail["types"]["Patient"] == 1 and entry.detail["operation"] == "$everything"


def test_everything_refuses_with_an_operation_outcome(
    client: TestClient, headers: Headers, demo_clinic: list[int]
) -> None:
    pid = demo_clinic[0]
    cases = [
        (None, f"/fhir/Patient/{pid}/$everything", 401),
        (headers["front_desk"], f"/fhir/Patient/{pid}/$everything", 403),
        (headers["admin"], f"/fhir/Patient/{pid}/$everything", 403),
        (headers["physician"], "/fhir/Patient/999999/$everything", 404),
        (headers["physician"], "/fhir/Patient/abc/$everything", 422),
    ]
    for auth, url, status in cases:
        response = client.get(url, headers=auth or {})
        assert response.status_code == status, (url, response.text)
        body = response.json()
        assert body["resourceType"] == "OperationOutcome", body
        assert body["issue"][0]["severity"] == "error" and body["issue"][0]["diagnostics"]


def test_metadata_lists_exactly_what_is_supported(client: TestClient) -> None:
    response = client.get("/fhir/metadata")
    assert response.status_code == 200
    statement = CapabilityStatement.model_validate(response.json())
    listed = {r.type for r in statement.rest[0].resource}
    assert listed == {*RESOURCE_TYPES, "Group", "CodeSystem"}
    creatable = {
        r.type
        for r in statement.rest[0].resource
        if r.interaction and any(i.code == "create" for i in r.interaction)
    }
    assert creatable == {"Patient", "Condition", "AllergyIntolerance", "MedicationStatement"}


def test_sclero_s_code_systems_are_served_at_their_canonical_urls(client: TestClient) -> None:
    for code_system_id in SYSTEMS:
        response = client.get(f"/fhir/CodeSystem/{code_system_id}")
        assert response.status_code == 200
        cs = CodeSystem.model_validate(response.json())
        assert cs.url == f"{CANONICAL}/CodeSystem/{code_system_id}" and cs.concept
    by_url = client.get("/fhir/CodeSystem", params={"url": f"{CANONICAL}/CodeSystem/region"})
    assert [e["resource"]["id"] for e in by_url.json()["entry"]] == ["region"]
    assert client.get("/fhir/CodeSystem/nope").json()["resourceType"] == "OperationOutcome"


def test_the_chart_offers_the_fhir_download_to_clinicians_only(
    signed_in: Client, demo_clinic: list[int]
) -> None:
    pid = demo_clinic[0]
    nurse = signed_in("nurse")
    page = nurse.get(f"/patients/{pid}")
    assert "Download record (FHIR)" in page.text
    download = nurse.get(f"/fhir/Patient/{pid}/$everything?_download=1")
    assert download.status_code == 200
    assert "attachment" in download.headers["content-disposition"]
    front = signed_in("front_desk")
    assert "Download record (FHIR)" not in front.get(f"/patients/{pid}").text


def test_every_reference_in_a_patient_bundle_points_into_the_bundle(
    client: TestClient, headers: Headers, db: Database, demo_clinic: list[int]
) -> None:
    pid = _treated(db, demo_clinic)
    entries = client.get(f"/fhir/Patient/{pid}/$everything", headers=headers["nurse"]).json()[
        "entry"
    ]
    present = {f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in entries}
    references: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            ref = value.get("reference")
            if isinstance(ref, str) and not ref.startswith("#"):
                references.append(ref)
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk([e["resource"] for e in entries])
    assert references and set(references) <= present, set(references) - present
    provenance = [e["resource"] for e in entries if e["resource"]["resourceType"] == "Provenance"]
    performed = [
        p for p in provenance if p["target"][0]["reference"].startswith("MedicationAdministration/")
    ]
    assert performed and all(
        p["agent"][0]["type"]["coding"][0]["code"] == "performer" for p in performed
    )


def test_a_voided_injection_is_exported_as_entered_in_error_and_its_correction_says_so(
    client: TestClient, headers: Headers
) -> None:
    pid = consented_patient(poster(client, headers["physician"]))
    sid = start(client, pid, headers["nurse"])
    original = inject(client, sid, headers["nurse"], volume_ml=0.3).json()["id"]
    reason = "Charted 0.3 mL, 0.2 mL was given."
    corrected = client.post(
        f"/api/v1/injections/{original}/correct",
        json={"reason": reason, "volume_ml": 0.2},
        headers=headers["nurse"],
    ).json()["id"]
    bundle = client.get(f"/fhir/Patient/{pid}/$everything", headers=headers["nurse"]).json()
    given = {
        e["resource"]["id"]: e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "MedicationAdministration"
    }
    voided, correction = given[f"inj-{original}"], given[f"inj-{corrected}"]
    assert voided["status"] == "entered-in-error" and reason in voided["statusReason"][0]["text"]
    assert correction["status"] == "completed" and correction["dosage"]["dose"]["value"] == 0.2
    assert any(f"corrects inj-{original}" in n["text"] for n in correction["note"])
    procedure = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Procedure"
    )
    assert procedure["outcome"]["text"] == "1 injection(s)"  # the voided one was not given
