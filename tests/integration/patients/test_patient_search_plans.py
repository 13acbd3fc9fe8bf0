"""A search reads the few patients its words match, not the whole clinic in name order: on
100 000 patients PostgreSQL's planner walked the patients by name and probed each one's terms
until 25 matched (134 ms for "mann"), because the patients of one name fragment are not spread
evenly over the alphabet. The plan of the statement the search really runs is checked here."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, text

from sclero.core.db import Actor, Database
from sclero.patients import service

DESK = Actor(user_id=None, username="desk", role="front_desk")


def _page_statement(db: Database, q: str) -> tuple[str, Any]:
    """The statement (and its parameters) that reads one page of a search for `q`."""
    seen: list[tuple[str, Any]] = []

    def keep(_c: object, _cursor: object, statement: str, parameters: Any, *_: object) -> None:
        if "ORDER BY patients.last_name" in statement:
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        with db.uow(DESK, writes=False) as uow:
            service.search_patients(uow, q=q)
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    (found,) = seen
    return found


def _plan(db: Database, statement: str, parameters: Any) -> str:
    with db.sessions() as session:
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            explain = "EXPLAIN "
            connection.execute(text("SET LOCAL enable_seqscan = off"))  # small test tables
            connection.execute(text("SET LOCAL enable_bitmapscan = off"))
        else:
            explain = "EXPLAIN QUERY PLAN "
        rows = connection.exec_driver_sql(explain + statement, parameters).all()
        session.rollback()
    return "\n".join(str(row[-1]) for row in rows)


@pytest.mark.parametrize("q", ["mann", "ma", "anna ber"])
def test_a_search_of_two_letters_or_more_starts_from_the_words_matches(
    db: Database, q: str
) -> None:
    plan = _plan(db, *_page_statement(db, q))
    if db.engine.dialect.name == "postgresql":
        assert "CTE Scan on name_0" in plan, plan
        assert "ix_patients_name" not in plan, plan
    else:
        assert "patient_search_terms USING" in plan, plan


@pytest.mark.parametrize("q", ["a", "ma"])
def test_a_search_of_one_or_two_letters_reads_whole_words_from_their_own_index(
    db: Database, q: str
) -> None:
    """Short words match whole words only; read from the primary key's range, every term that
    starts with them was looked up for its whole_word (125 ms for "a" on SQLite at 100 000).
    PostgreSQL plans the empty test tables its own way: there the test checks the condition
    is one an index can answer (`= true`; `IS true` is not)."""
    statement, parameters = _page_statement(db, q)
    if db.engine.dialect.name == "postgresql":
        assert "patient_search_terms.whole_word = true" in statement, statement
    else:
        plan = _plan(db, statement, parameters)
        assert "ix_patient_search_terms_whole_word" in plan, plan
