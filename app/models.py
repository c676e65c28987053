"""Imports every model so that metadata, Alembic and the tests see the whole schema."""

from app.accounts.models import Coordinator, desk_memberships  # noqa: F401
from app.calendar.models import Attendance, AttendanceImport, CancelledSession  # noqa: F401
from app.contact.models import ContactRequest, ContactRequestEntry  # noqa: F401
from app.desks.models import Desk  # noqa: F401
from app.events.models import Event, EventSession, EventTranslation  # noqa: F401
from app.mail.models import OutboxMessage  # noqa: F401
from app.participation.models import (  # noqa: F401
    Certificate,
    CertificateRule,
    DirectoryEntry,
    DirectoryMessage,
    FeedbackQuestion,
    FeedbackResponse,
    FeedbackSurvey,
)
from app.programme.models import FollowUp, Material, Picture, PictureRendition, Speaker, StoredFile  # noqa: F401
from app.registrations.models import (  # noqa: F401
    AccessToken,
    Answer,
    Category,
    ChosenSession,
    Invitation,
    InvitationCode,
    Question,
    Registration,
    RegistrationRules,
    RegistrationTransition,
    SessionCapacity,
)
