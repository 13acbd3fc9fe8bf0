"""The FHIR endpoint under generated input, on the database of this run, derandomized and
bounded: every /fhir operation of the OpenAPI document with inputs schemathesis draws from it
(valid and invalid), for a clinician and for a role that is refused; and POST /fhir with
Bundles hypothesis builds — well-formed, broken in one place, or not a Bundle at all. Never a
server error; every refusal is a valid OperationOutcome; a refused import writes nothing."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode
from sqlalchemy import func, select

from sclero.core.db import Database
from sclero.patients.models import HistoryItem, Patient, PatientAllergy, PatientMedication
from tests.conftest import Headers

EXAMPLES = 4  # per operation, role and mode: the whole file in under a minute per database
BUNDLES = 90
SKIP = {("POST", "/fhir")}  # its body is a raw Bundle, which the document cannot describe
# The FHIR R4 issue-type codes (http://hl7.org/fhir/R4/valueset-issue-type.html).
ISSUE_TYPES = frozenset(
    {
        "invalid",
        "structure",
        "required",
        "value",
        "invariant",
        "security",
        "login",
        "unknown",
        "expired",
        "forbidden",
        "suppressed",
        "processing",
        "not-supported",
        "duplicate",
        "multiple-matches",
        "not-found",
        "deleted",
        "too-long",
        "code-invalid",
        "extension",
        "too-costly",
        "business-rule",
        "conflict",
        "transient",
        "lock-error",
        "no-store",
        "exception",
        "timeout",
        "incomplete",
        "throttled",
        "informational",
    }
)
SEVERITIES = frozenset({"fatal", "error", "warning", "information"})
FHIR = {"Content-Type": "application/fhir+json"}


def outcome_problems(response: Any) -> list[str]:
    """What makes this answer other than a clean one: a 5xx, or a refusal that is not a valid
    OperationOutcome served as FHIR JSON."""
    if response.status_code >= 500:
        return [f"server error {response.status_code}: {response.text[:200]}"]
    if response.status_code < 400:
        return []
    served_as = response.headers.get("content-type") or ""
    served_as = served_as[0] if isinstance(served_as, list) else served_as  # schemathesis: lists
    if not served_as.startswith("application/fhir+json"):
        return [f"{response.status_code} served as {served_as!r}"]
    try:
        body = response.json()
    except ValueError:
        return [f"{response.status_code}: not JSON"]
    if not isinstance(body, dict) or body.get("resourceType") != "OperationOutcome":
        return [f"{response.status_code}: not an OperationOutcome: {str(body)[:200]}"]
    issues = body.get("issue")
    if not isinstance(issues, list) or not issues:
        return [f"{response.status_code}: an OperationOutcome without issues"]
    wrong = []
    for issue in issues:
        if not isinstance(issue, dict):
            wrong.append(f"issue not an object: {issue!r}")
            continue
        if issue.get("severity") not in SEVERITIES or issue.get("code") not in ISSUE_TYPES:
            wrong.append(f"severity/code not FHIR's: {issue!r}"[:200])
        if not isinstance(issue.get("diagnostics"), str) or not issue["diagnostics"]:
            wrong.append(f"no diagnostics: {issue!r}"[:200])
        expression = issue.get("expression", [])
        if not isinstance(expression, list) or not all(isinstance(e, str) for e in expression):
            wrong.append(f"expression not a list of strings: {issue!r}"[:200])
    return wrong


@dataclass
class Run:
    cases: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def saw(self, what: str, response: Any) -> list[str]:
        self.cases += 1
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        problems = outcome_problems(response)
        self.failures += [f"{what}: {p}" for p in problems]
        return problems


FUZZ = settings(
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def fuzz_operations(schema: Any, headers: dict[str, str]) -> Run:
    run = Run()
    for result in schema.get_all_operations():
        operation = result.ok()
        key = (operation.method.upper(), operation.path)
        if operation.path.startswith("/fhir") and key not in SKIP:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                exercise(operation, mode, headers, run)
    return run


def exercise(operation: Any, mode: GenerationMode, headers: dict[str, str], run: Run) -> None:
    @settings(FUZZ, max_examples=EXAMPLES)
    @given(case=operation.as_strategy(generation_mode=mode))
    def one(case: Any) -> None:
        # a bulk kick-off needs this header; without any query, its refusal is tested too
        sent = {**headers, "Prefer": "respond-async"} if case.query else {**headers}
        what = f"{operation.method.upper()} {case.formatted_path} {case.query}"
        run.saw(what, case.call(headers=sent))

    with contextlib.suppress(Unsatisfiable):  # e.g. nothing to break: no negative case exists
        one()


def test_every_fhir_operation_answers_generated_input_with_no_5xx_and_valid_outcomes(
    app: Any, client: TestClient, headers: Headers, patient_id: int
) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    for role in ("physician", "front_desk"):  # a clinician; a role refused patient data
        run = fuzz_operations(schema, headers[role])
        print(f"\n{role}: {run.cases} cases, statuses {run.statuses}")
        assert run.failures == [], "\n".join(run.failures[:20])
        assert run.cases > 30
    anonymous = fuzz_operations(schema, {})
    assert anonymous.failures == [], "\n".join(anonymous.failures[:20])
    assert anonymous.statuses.get(401, 0) > 0


# Bundles: a strategy that builds transaction Bundles as another system might send them, then
# maybe breaks one thing in them.
PID = "urn:uuid:6b1f1f1e-0000-4000-8000-00000000fu22"
SYSTEMS = [
    "http://hl7.org/fhir/sid/icd-10",
    "http://snomed.info/sct",
    "http://www.whocc.no/atc",
    "http://example.org/unknown",
]
CODES = ["I80.2", "I83.9", "B01AF01", "C05BB02", "38341003", "", "x" * 300, "Z99"]
JUNK: Any = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
coding = st.fixed_dictionaries(
    {"system": st.sampled_from(SYSTEMS), "code": st.sampled_from(CODES)},
    optional={"display": st.text(max_size=30)},
)
concept = st.fixed_dictionaries({"coding": st.lists(coding, min_size=0, max_size=2)})
VALID_DATES = ["1971-04-02", "1985-11-30", "1990-01-01"]
dates = st.sampled_from([*VALID_DATES * 3, "1971", "2099-01-01", "1971-02-30", "yesterday", ""])
patient = st.fixed_dictionaries(
    {
        "resourceType": st.just("Patient"),
        "name": st.lists(
            st.fixed_dictionaries(
                {
                    "family": st.sampled_from(["Okafor", "Lopez", "Nguyen"]) | st.text(max_size=40),
                    "given": st.lists(st.sampled_from(["Grace", "Ana"]) | st.text(max_size=9)),
                }
            ),
            max_size=2,
        ),
        "gender": st.sampled_from(["female", "female", "male", "other", "unknown", "woman", ""]),
        "birthDate": dates,
    }
)
subject = st.sampled_from(
    [{"reference": PID}] * 4 + [{"reference": "Patient/999999"}, {"reference": ""}, {}]
)
history = st.one_of(
    st.fixed_dictionaries(
        {"resourceType": st.just("Condition"), "subject": subject, "code": concept},
        optional={"onsetDateTime": dates, "clinicalStatus": concept},
    ),
    st.fixed_dictionaries(
        {
            "resourceType": st.just("MedicationStatement"),
            "subject": subject,
            "status": st.sampled_from(["active", "completed", "nonsense"]),
            "medicationCodeableConcept": concept,
        }
    ),
    st.fixed_dictionaries(
        {"resourceType": st.just("AllergyIntolerance"), "patient": subject, "code": concept}
    ),
    st.fixed_dictionaries(
        {"resourceType": st.sampled_from(["Observation", "Procedure", "Patient", "", "Bundle"])}
    ),
)


def entry(resource: dict[str, Any], full_url: str | None = None) -> dict[str, Any]:
    made: dict[str, Any] = {
        "resource": resource,
        "request": {"method": "POST", "url": resource.get("resourceType", "")},
    }
    if full_url:
        made["fullUrl"] = full_url
    return made


@st.composite
def bundles(draw: st.DrawFn) -> Any:
    entries = [entry(draw(patient), PID)] if draw(st.booleans()) else []
    entries += [entry(r) for r in draw(st.lists(history, max_size=4))]
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": draw(st.sampled_from(["transaction"] * 4 + ["batch", "collection", ""])),
        "entry": entries,
    }
    breakage = draw(st.sampled_from(["none"] * 4 + ["field", "entry", "top", "raw"]))
    if breakage == "field" and entries:  # one field of one resource replaced by junk
        target = draw(st.sampled_from(entries))["resource"]
        target[draw(st.sampled_from([*target, "id", "meta"]))] = draw(JUNK)
    elif breakage == "entry" and entries:
        entries[draw(st.integers(0, len(entries) - 1))] = draw(JUNK)
    elif breakage == "top":
        bundle[draw(st.sampled_from(["resourceType", "type", "entry"]))] = draw(JUNK)
    elif breakage == "raw":
        return draw(
            st.sampled_from([b"", b"{", b"[]", b"null", b'"Bundle"', b"\xff\xfe", b"[" * 5000])
        )
    return bundle


def rows(db: Database) -> tuple[int, ...]:
    with db.sessions() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(m)) or 0
            for m in (Patient, HistoryItem, PatientMedication, PatientAllergy)
        )


def test_generated_bundles_get_no_5xx_valid_outcomes_and_a_refusal_writes_nothing(
    client: TestClient, headers: Headers, db: Database
) -> None:
    run = Run()
    physician = {**headers["physician"], **FHIR}

    @settings(FUZZ, max_examples=BUNDLES)
    @given(body=bundles(), match=st.sampled_from(["ask", "confirm", "new"]))
    def one(body: Any, match: str) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        before = rows(db)
        answer = client.post("/fhir", content=raw, headers=physician, params={"match": match})
        run.saw(f"POST /fhir?match={match} {raw[:300]!r}", answer)
        if answer.status_code >= 400 and rows(db) != before:
            run.failures.append(f"refused ({answer.status_code}) but wrote: {raw[:300]!r}")

    one()
    print(f"\n{run.cases} bundles, statuses {run.statuses}")
    assert run.failures == [], "\n".join(run.failures[:20])
    assert run.cases == BUNDLES
    assert run.statuses.get(200, 0) >= 5, "some generated Bundles are imported"
    assert sum(n for status, n in run.statuses.items() if status >= 400) >= 5, "some refused"
