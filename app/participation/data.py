"""What participation keeps about a person, for their data download."""

import sqlalchemy as sa

from app.extensions import db
from app.participation import certificates, directory
from app.participation.models import FeedbackResponse
from app.registrations.models import Registration


def participation_data(registration: Registration) -> dict:
    """Directory entry, survey answers and certificate of ``registration``, as plain JSON values."""
    entry = directory.entry_for(registration)
    certificate = certificates.certificate_for(registration)
    responses = db.session.scalars(
        sa.select(FeedbackResponse).where(FeedbackResponse.registration_id == registration.id)
    ).all()
    return {
        "directory_entry": {
            "scope": entry.scope,
            "introduction": entry.introduction,
            "topics": entry.topics,
            "hidden_by_coordinators": entry.hidden_at is not None,
        }
        if entry
        else None,
        "feedback": [
            {
                "session": r.session.title,
                "rating": r.rating,
                "worked": r.worked,
                "improve": r.improve,
                "answers": r.answers,
                "answered_at": r.updated_at.isoformat(),
            }
            for r in responses
        ],
        "certificate": {
            "code": certificate.code,
            "issued_at": certificate.issued_at.isoformat(),
            "revoked_at": certificate.revoked_at.isoformat() if certificate.revoked_at else None,
            "verification_url": certificates.verification_url(certificate),
        }
        if certificate
        else None,
    }
