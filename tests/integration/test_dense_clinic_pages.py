"""Pages stay small however busy the clinic: on a dense clinic (a thousand appointments today,
hundreds more this week, hundreds of holds awaiting review, a hundred and fifty namesakes, two
hundred staff accounts, hundreds of audit entries — enough that each page, as it once was, went
over the bound), every list page of every role answers at most 200 KB of HTML, and following
its paging ("Next", "Show all … on Wednesday") reaches every item it lists, none hidden.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from itertools import cycle
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select

from sclero.app import create_app
from sclero.core import audit
from sclero.core.auth import Role, User, hash_password
from sclero.core.db import Actor, Database
from sclero.core.settings import get_settings
from sclero.core.time import today as clinic_today
from sclero.demo.generator import DEMO_PASSWORD, generate_clinic
from sclero.models import Appointment, AuditEntry, Patient, PatientHold
from sclero.patients import service as patients
from sclero.patients.schemas import PatientIn
from sclero.scheduling.choices import AppointmentKind, AppointmentStatus
from tests.conftest import TransactionalDatabase
from tests.factories.web import csrf

BOUND = 200 * 1024  # bytes of HTML one page may answer
TODAY_APPOINTMENTS = 1000
OTHER_DAYS_APPOINTMENTS = 120  # on each other day of this week
HOLDS = 300
NAMESAKES = 150  # patients called Dense…, found by one search
STAFF = 250
AUDIT_ENTRIES = 400
LOGINS = {  # the demo clinic's logins, and a clinic lead the test adds
    "physician": "physician",
    "nurse": "nurse",
    "front_desk": "frontdesk",
    "admin": "admin",
    "clinic_lead": "dense-lead",
}
DESK = ("physician", "nurse", "front_desk")
PAGES = {  # page → the roles that may open it (every other role is refused)
    "/today": DESK,
    "/calendar?view=week": DESK,
    "/calendar?view=day": DESK,
    "/patients": DESK,
    "/patients?q=dense": DESK,
    "/audit": ("admin",),
    "/admin/users": ("admin",),
}
PAGER = re.compile(r'<nav class="pager[^"]*"[^>]*>(.*?)</nav>', re.S)
NEXT = re.compile(r'<a [^>]*rel="next"[^>]*href="([^"]+)"')
MORE = re.compile(r'<a class="more" href="([^"]+)"')
ITEMS = {  # what a page lists, by the id its markup gives each item
    "appointment": re.compile(r'id="a-(\d+)"'),
    "hold": re.compile(r'id="hold-(\d+)"'),
    "patient": re.compile(r'<td><a href="/patients/(\d+)">'),
    "entry": re.compile(r'id="entry-(\d+)"'),
    "user": re.compile(r'action="/admin/users/(\d+)/active"'),
}
FOUND = re.compile(r"(\d+) patients? found")


def _appointments(ids: list[int], day: date, count: int, offset: int) -> list[dict[str, Any]]:
    kinds = cycle(AppointmentKind.codes())
    statuses = cycle(
        (AppointmentStatus.BOOKED, AppointmentStatus.BOOKED, AppointmentStatus.CANCELLED)
    )
    start = datetime.combine(day, time(7))
    return [
        {
            "patient_id": ids[(offset + i) % len(ids)],
            "kind": next(kinds),
            "status": str(next(statuses)),
            "starts_at": start + timedelta(minutes=(i * 7) % 720),
            "duration_minutes": 30,
            "notes": "Prefers the morning; " * 20 if i % 5 == 0 else None,
        }
        for i in range(count)
    ]


def _densify(database: Database, day: date) -> None:
    """More of everything a list page shows than any page may show at once."""
    desk = Actor(user_id=None, username="dense-setup", role=Role.FRONT_DESK, address="local")
    with database.uow(desk) as uow:
        for i in range(NAMESAKES):
            born = date(1950, 1, 1) + timedelta(days=97 * i)
            person = PatientIn(
                first_name=f"Ann{i:03d}", last_name="Dense", birth_date=born, sex="female"
            )
            patients.create_patient(uow, person)
    with database.sessions() as session:
        ids = list(session.scalars(select(Patient.id).order_by(Patient.id)))
        monday = day - timedelta(days=day.weekday())
        rows = _appointments(ids, day, TODAY_APPOINTMENTS, 0)
        for n in range(7):
            other = monday + timedelta(days=n)
            if other != day:
                rows += _appointments(ids, other, OTHER_DAYS_APPOINTMENTS, n * 31)
        session.execute(insert(Appointment), rows)
        session.execute(
            insert(PatientHold),
            [
                {
                    "patient_id": ids[(i * 13) % len(ids)],
                    "reason": "urgent_adverse_event",
                    "summary": "Chest pain after the session " * 10,
                    "source": "adverse_event",
                    "source_id": 900_000 + i,
                    "placed_at": datetime.combine(day, time(6)) - timedelta(minutes=i),
                }
                for i in range(HOLDS)
            ],
        )
        password = hash_password(DEMO_PASSWORD)
        staff = [("dense-lead", Role.CLINIC_LEAD)] + [
            (f"dense-{i:03d}", (Role.NURSE, Role.FRONT_DESK)[i % 2]) for i in range(STAFF)
        ]
        session.execute(
            insert(User),
            [
                {
                    "username": name,
                    "full_name": f"Staff member {name} of the dense clinic",
                    "role": role,
                    "password_hash": password,
                    "active": True,
                }
                for name, role in staff
            ],
        )
        session.add_all(
            AuditEntry(
                username="frontdesk",
                role=Role.FRONT_DESK,
                action="read",
                entity="patient",
                entity_id=ids[i % len(ids)],
                patient_id=ids[i % len(ids)],
                address="127.0.0.1",
            )
            for i in range(AUDIT_ENTRIES)
        )
        session.commit()
    with database.uow(desk) as uow:  # the bulk rows were written outside any unit of work
        audit.record(uow, "create", "appointment", detail={"dense_clinic": len(rows)})
        uow.commit()


@pytest.fixture(scope="module")
def dense_db(engine: Engine) -> Iterator[Database]:
    """A demo clinic made dense, inside one transaction rolled back after the module."""
    connection = engine.connect()
    transaction = connection.begin()
    database = TransactionalDatabase(connection)
    try:
        with database.sessions() as session:
            generate_clinic(session, 60, seed=3, today=clinic_today())
        _densify(database, clinic_today())
        yield database
    finally:
        transaction.rollback()
        connection.close()


@pytest.fixture(scope="module")
def dense_app(dense_db: Database) -> Any:
    return create_app(get_settings(), dense_db, check_migrations=False)


def _sign_in(client: TestClient, username: str) -> None:
    client.get("/login")
    response = client.post(
        "/login",
        data={"username": username, "password": DEMO_PASSWORD, "csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def walk(client: TestClient, start: str) -> tuple[dict[str, set[int]], list[str]]:
    """Open the page and every page its paging leads to (a pager's "Next", a day's "Show all");
    the ids of the items they listed, by kind, and the pages over the bound."""
    seen: dict[str, set[int]] = {kind: set() for kind in ITEMS}
    over: list[str] = []
    queue, visited = [start], {start}
    while queue:
        path = queue.pop()
        response = client.get(path)
        assert response.status_code == 200, f"{path}: {response.status_code}"
        if len(response.content) > BOUND:
            over.append(f"{path}: {len(response.content) // 1024} KB")
        html = response.text
        for kind, pattern in ITEMS.items():
            seen[kind] |= {int(found) for found in pattern.findall(html)}
        links = MORE.findall(html) + [n for nav in PAGER.findall(html) for n in NEXT.findall(nav)]
        for link in links:
            link = link.replace("&amp;", "&")
            if link not in visited:
                visited.add(link)
                queue.append(link)
        assert len(visited) < 200, f"{start}: paging did not end"
    return seen, over


def _between(session: Any, first: date, days: int) -> set[int]:
    begin = datetime.combine(first, time())
    query = select(Appointment.id).where(
        Appointment.starts_at >= begin, Appointment.starts_at < begin + timedelta(days=days)
    )
    return set(session.scalars(query))


def expected(database: Database, page: str) -> dict[str, set[int]]:
    """What a page and its paging must list, straight from the database."""
    day = clinic_today()
    with database.sessions() as session:
        if page == "/today":
            holds = select(PatientHold.id).where(PatientHold.reviewed_at.is_(None))
            return {"appointment": _between(session, day, 1), "hold": set(session.scalars(holds))}
        if page == "/calendar?view=week":
            return {"appointment": _between(session, day - timedelta(days=day.weekday()), 7)}
        if page == "/calendar?view=day":
            return {"appointment": _between(session, day, 1)}
        if page == "/patients":
            return {"patient": set(session.scalars(select(Patient.id)))}
        if page == "/patients?q=dense":
            dense = select(Patient.id).where(Patient.last_name == "Dense")
            return {"patient": set(session.scalars(dense))}
        if page == "/audit":
            return {"entry": set(session.scalars(select(AuditEntry.id)))}
        assert page == "/admin/users", page
        return {"user": set(session.scalars(select(User.id)))}


def test_the_dense_clinic_is_more_than_one_page_of_each_list(dense_db: Database) -> None:
    day = clinic_today()
    with dense_db.sessions() as session:
        assert len(_between(session, day, 1)) >= TODAY_APPOINTMENTS
        assert len(_between(session, day - timedelta(days=day.weekday()), 7)) >= (
            TODAY_APPOINTMENTS + 6 * OTHER_DAYS_APPOINTMENTS
        )


@pytest.mark.parametrize("role", list(LOGINS))
@pytest.mark.parametrize("page", list(PAGES))
def test_every_list_page_is_small_and_its_paging_reaches_every_item(
    dense_app: Any, dense_db: Database, role: str, page: str
) -> None:
    with TestClient(dense_app) as client:
        _sign_in(client, LOGINS[role])
        if role not in PAGES[page]:
            assert client.get(page).status_code == 403
            return
        want = expected(dense_db, page)  # before walking: reading the audit log adds entries
        seen, over = walk(client, page)
    assert over == [], f"{role}: pages over {BOUND // 1024} KB"
    for kind, ids in want.items():
        missing = ids - seen[kind]
        assert not missing, f"{role} {page}: {len(missing)} of {len(ids)} {kind}s never shown"
        assert len(ids) > 25, f"{page}: the clinic should need more than one page of {kind}s"


def test_a_search_pages_through_exactly_its_matches(dense_app: Any) -> None:
    with TestClient(dense_app) as client:
        _sign_in(client, "frontdesk")
        first = client.get("/patients?q=dense")
        seen, _ = walk(client, "/patients?q=dense")
    found = FOUND.search(first.text)
    assert found is not None and int(found.group(1)) == NAMESAKES
    assert len(seen["patient"]) == NAMESAKES


@pytest.mark.parametrize("kind", AppointmentKind.codes())
def test_a_day_of_one_kind_lists_that_kind_only(
    dense_app: Any, dense_db: Database, kind: str
) -> None:
    with TestClient(dense_app) as client:
        _sign_in(client, "frontdesk")
        seen, _ = walk(client, f"/calendar?view=day&kind={kind}")
    day = clinic_today()
    with dense_db.sessions() as session:
        ids = _between(session, day, 1)
        kinds = dict(session.execute(select(Appointment.id, Appointment.kind)).all())
    assert seen["appointment"] == {i for i in ids if kinds[i] == kind}


def test_a_page_past_the_end_of_a_day_says_so_and_leads_back(
    dense_app: Any, dense_db: Database
) -> None:
    with dense_db.sessions() as session:
        total = len(_between(session, clinic_today(), 1))
    pages = -(-total // 100)
    with TestClient(dense_app) as client:
        _sign_in(client, "frontdesk")
        last = client.get(f"/calendar?view=day&page={pages}").text
        past = client.get("/calendar?view=day&page=99").text
    start = (pages - 1) * 100
    assert len(ITEMS["appointment"].findall(last)) == total - start
    assert f"{start + 1}–{total} of {total} appointments · page {pages} of {pages}" in last
    assert 'rel="next"' not in PAGER.findall(last)[0]
    assert ITEMS["appointment"].findall(past) == []
    assert "No more appointments on this day" in past
    assert f"{total} appointments." in past  # the day's total, still counted
