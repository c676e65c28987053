"""Coordinators' forms for a session's programme, materials, pictures and follow-up messages.

CSRF is checked by the coordinators' blueprint itself (after raising the upload size limit), so these are
plain forms bound to the request; every one of them is sent with its csrf_token field.
"""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, SubmitField, TextAreaField, URLField
from wtforms.validators import DataRequired, Length, Optional

from app.forms import NoControlCharacters, StrippedStringField, choices
from app.i18n import _l


class SessionProgrammeForm(FlaskForm):
    agenda = TextAreaField(
        _l("Agenda"),
        validators=[Optional(), Length(max=20000), NoControlCharacters(multiline=True)],
        description=_l("Markdown: **bold**, *italic*, lists, [links](https://example.org). Invites carry its start."),
    )
    meeting_url = URLField(
        _l("Meeting link of this session"),
        validators=[Optional(), Length(max=500), NoControlCharacters()],
        description=_l("Leave empty to use the event's meeting link. Participants' access links stay the same."),
    )
    submit = SubmitField(_l("Save"))


class SpeakerForm(FlaskForm):
    name = StrippedStringField(_l("Name"), validators=[DataRequired(), Length(max=200), NoControlCharacters()])
    organisation = StrippedStringField(
        _l("Organisation"), validators=[Optional(), Length(max=200), NoControlCharacters()]
    )
    role = StrippedStringField(_l("Role"), validators=[Optional(), Length(max=200), NoControlCharacters()])
    bio = TextAreaField(_l("Short bio"), validators=[Optional(), Length(max=2000), NoControlCharacters(multiline=True)])
    photo = FileField(_l("Photo (optional)"), description=_l("JPEG, PNG or WebP; resized, location data removed."))
    submit = SubmitField(_l("Add speaker"))


def _visibility_choices():
    return choices([("participants", _l("Confirmed participants only")), ("public", _l("Everyone (public)"))])


class LinkMaterialForm(FlaskForm):
    title = StrippedStringField(_l("Title"), validators=[DataRequired(), Length(max=200), NoControlCharacters()])
    url = URLField(_l("Web address"), validators=[DataRequired(), Length(max=1000), NoControlCharacters()])
    session_id = SelectField(_l("For"), choices=[])
    visibility = SelectField(_l("Who may see it"), choices=_visibility_choices())
    submit = SubmitField(_l("Add link"))


class FileMaterialForm(FlaskForm):
    title = StrippedStringField(_l("Title"), validators=[DataRequired(), Length(max=200), NoControlCharacters()])
    file = FileField(_l("File"))
    session_id = SelectField(_l("For"), choices=[])
    visibility = SelectField(_l("Who may see it"), choices=_visibility_choices())
    submit = SubmitField(_l("Upload file"))


class PictureForm(FlaskForm):
    image = FileField(_l("Image"), description=_l("JPEG, PNG, WebP or GIF; resized for the web, EXIF data removed."))
    alt_text = StrippedStringField(
        _l("Alternative text"),
        validators=[DataRequired(), Length(max=300), NoControlCharacters()],
        description=_l("What the picture shows, for people who cannot see it."),
    )
    caption = StrippedStringField(_l("Caption"), validators=[Optional(), Length(max=500), NoControlCharacters()])
    credit = StrippedStringField(
        _l("Photo credit"),
        validators=[Optional(), Length(max=300), NoControlCharacters()],
        description=_l("For instance “Photo: bank215 | adobe stock”."),
    )
    submit = SubmitField(_l("Upload"))


class FollowUpForm(FlaskForm):
    audience = SelectField(_l("To"), choices=[])
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=200), NoControlCharacters()])
    body = TextAreaField(
        _l("Message"),
        validators=[DataRequired(), Length(max=20000), NoControlCharacters(multiline=True)],
        description=_l("Each copy ends with a link to the recipient's personal page."),
    )
    preview = SubmitField(_l("Preview"))
    send = SubmitField(_l("Send"))


class ActionForm(FlaskForm):
    """A button that changes state: only the CSRF token."""
