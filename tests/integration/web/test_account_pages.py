"""The account pages: an admin deactivates and resets from the staff list, a user changes their
own password (a wrong one named beside its field) and signs out everywhere."""

from __future__ import annotations

from fastapi.testclient import TestClient

from sclero.core import auth
from tests.conftest import PASSWORD
from tests.factories.web import Client, csrf, post

NEW_PASSWORD = "violet-harbour-lantern-42"


def test_the_admin_deactivates_a_nurse_whose_page_session_ends(
    signed_in: Client, users: dict[str, auth.User]
) -> None:
    admin, nurse = signed_in("admin"), signed_in("nurse")
    listed = admin.get("/admin/users")
    assert listed.status_code == 200 and "test-nurse" in listed.text
    assert nurse.get("/today").status_code == 200
    done = post(admin, f"/admin/users/{users['nurse'].id}/active", {"active": "0"})
    assert done.status_code == 303
    assert "deactivated" in admin.get("/admin/users").text
    assert nurse.get("/today", follow_redirects=False).status_code in (303, 401)


def test_a_weak_reset_is_refused_beside_its_field(
    signed_in: Client, users: dict[str, auth.User]
) -> None:
    admin = signed_in("admin")
    answer = post(admin, f"/admin/users/{users['nurse'].id}/password", {"password": "password123"})
    assert answer.status_code == 422
    assert "too common" in answer.text
    assert 'aria-invalid="true"' in answer.text


def test_a_nurse_changes_her_password_on_her_account_page(signed_in: Client) -> None:
    nurse = signed_in("nurse")
    assert "Change your password" in nurse.get("/account").text
    wrong = post(
        nurse, "/account/password", {"current_password": "nope-nope", "new_password": NEW_PASSWORD}
    )
    assert wrong.status_code == 401
    assert "current password is not right" in wrong.text
    changed = post(
        nurse, "/account/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert changed.status_code == 303


def test_sign_out_everywhere_ends_the_page_session(signed_in: Client, client: TestClient) -> None:
    physician = signed_in("physician")
    physician.get("/account")
    assert csrf(physician)
    assert post(physician, "/account/logout-everywhere", {}).status_code == 303
    assert physician.get("/today", follow_redirects=False).status_code in (303, 401)
