"""Sales statements under /api/v1: issue and list a booth's, read one (JSON, PDF), and
revoke one (organizers)."""

from __future__ import annotations

from flask import Blueprint

from pos import links
from pos.api import endpoint
from pos.extensions import db
from pos.receipts.api import pdf_response
from pos.statements import service
from pos.statements.schemas import RevokeIn, StatementIn, StatementList, StatementOut

bp = Blueprint("statements_api", __name__)


def _out(statement) -> dict:
    return StatementOut.from_model(statement, links.public_base()).model_dump(mode="json")


@endpoint(
    bp,
    "/exhibitors/<int:exhibitor_id>/statements",
    "POST",
    summary="Issue the booth's sales statement, after the fair, in the organizer's name "
    "(201; 200 with the latest when it already says the same); 409 fair_not_over, "
    "organizer_unknown",
    body=StatementIn,
    response=StatementOut,
    status=201,
    errors=(404, 409),
)
def issue(user, exhibitor_id: int, body: StatementIn):
    statement, created = service.issue_statement(user, exhibitor_id, body.language)
    db.session.commit()
    return _out(statement), 201 if created else 200


@endpoint(
    bp,
    "/exhibitors/<int:exhibitor_id>/statements",
    "GET",
    summary="The booth's sales statements, newest first",
    response=StatementList,
    errors=(404,),
)
def list_statements(user, exhibitor_id: int):
    return {"items": [_out(s) for s in service.list_statements(user, exhibitor_id)]}


@endpoint(
    bp,
    "/statements/<int:statement_id>",
    "GET",
    summary="A sales statement as issued (its frozen figures) and whether it is revoked",
    response=StatementOut,
    errors=(404,),
)
def get_statement(user, statement_id: int):
    return _out(service.get_statement(user, statement_id))


@endpoint(
    bp,
    "/statements/<int:statement_id>.pdf",
    "GET",
    summary="A sales statement on A4 as issued, with the QR code of its verification page",
    content_type="application/pdf",
    errors=(404,),
)
def statement_pdf(user, statement_id: int):
    statement = service.get_statement(user, statement_id)
    number = statement.number
    content = service.statement_pdf(statement, links.public_base())
    return pdf_response(content, f"{number}.pdf")


@endpoint(
    bp,
    "/statements/<int:statement_id>/revoke",
    "POST",
    summary="Revoke a sales statement (organizers): its public page shows no figures any more",
    body=RevokeIn,
    response=StatementOut,
    errors=(404, 409),
)
def revoke(user, statement_id: int, body: RevokeIn):
    statement = service.revoke_statement(user, statement_id, body.reason)
    db.session.commit()
    return _out(statement)
