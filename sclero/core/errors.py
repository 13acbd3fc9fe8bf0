"""Named domain errors; adapters (API, pages, CLI) turn them into a 4xx with field + message."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A request the clinic's rules refuse; `field` names the input at fault, if any."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, field: str | None = None, **detail: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.detail = detail

    def to_body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "field": self.field, "message": self.message}
        if self.detail:
            error["detail"] = self.detail
        return {"errors": [error]}


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class NotAuthenticated(DomainError):
    status_code = 401
    code = "not_authenticated"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class InvalidInput(DomainError):
    status_code = 422
    code = "invalid"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class PreconditionFailed(DomainError):
    """A change made on an older version of a record than the one stored: someone else saved in
    between, and their change must not be lost."""

    status_code = 412
    code = "changed_by_someone_else"


class PreconditionRequired(DomainError):
    """A change to a versioned record sent without the version it was made on."""

    status_code = 428
    code = "version_required"


class PossibleDuplicate(DomainError):
    """A new patient with the name and birth date of one already registered: registered only
    once the user confirms it is another person."""

    status_code = 409
    code = "possible_duplicate"


class NeedsPhysicianDecision(DomainError):
    """Refused until a physician decides, with a written reason, on a referral the protocol
    requires (or the referral is resolved, e.g. a duplex recorded)."""

    status_code = 409
    code = "needs_physician_decision"


class ContraindicationError(DomainError):
    """Treatment refused because the screening found a contraindication."""

    status_code = 409
    code = "contraindicated"


class DoseLimitExceeded(DomainError):
    """An injection would exceed a session or per-injection limit of the protocol."""

    status_code = 409
    code = "dose_limit_exceeded"


class DepartsFromPlan(DomainError):
    """An injection the approved plan or the screening does not cover (site, agent, technique,
    foam-only finding, interval); a physician may own it with a written reason."""

    status_code = 409
    code = "departs_from_plan"


class IntervalTooShort(DomainError):
    """A session booked sooner than the protocol interval after the last one on the same area."""

    status_code = 409
    code = "interval_too_short"
