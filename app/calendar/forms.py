from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.forms import NoControlCharacters
from app.i18n import _l


class AccessDetailsForm(FlaskForm):
    message = TextAreaField(
        _l("Message to confirmed participants"),
        validators=[
            DataRequired(message=_l("Write what participants need to know.")),
            Length(max=5000),
            NoControlCharacters(multiline=True),
        ],
        description=_l("Each participant receives it with the agenda in their time zone and a personal access link."),
    )
    submit = SubmitField(_l("Send access details"))


class MarkAttendanceForm(FlaskForm):
    """The check boxes are read from the request (one ``present`` value per ticked participant)."""

    submit = SubmitField(_l("Save attendance"))


class ReportUploadForm(FlaskForm):
    report = FileField(
        _l("Participants report (CSV from Zoom or Microsoft Teams)"),
        validators=[FileRequired(message=_l("Choose the report file."))],
    )
    submit = SubmitField(_l("Read the report"))


class ApplyImportForm(FlaskForm):
    submit = SubmitField(_l("Record this attendance"))


class DiscardImportForm(FlaskForm):
    submit = SubmitField(_l("Discard"))
