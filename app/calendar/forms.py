from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.forms import NoControlCharacters


class AccessDetailsForm(FlaskForm):
    message = TextAreaField(
        "Message to confirmed participants",
        validators=[
            DataRequired(message="Write what participants need to know."),
            Length(max=5000),
            NoControlCharacters(multiline=True),
        ],
        description="Each participant receives it with the agenda in their time zone and a personal access link.",
    )
    submit = SubmitField("Send access details")


class MarkAttendanceForm(FlaskForm):
    """The check boxes are read from the request (one ``present`` value per ticked participant)."""

    submit = SubmitField("Save attendance")


class ReportUploadForm(FlaskForm):
    report = FileField(
        "Participants report (CSV from Zoom or Microsoft Teams)",
        validators=[FileRequired(message="Choose the report file.")],
    )
    submit = SubmitField("Read the report")


class ApplyImportForm(FlaskForm):
    submit = SubmitField("Record this attendance")


class DiscardImportForm(FlaskForm):
    submit = SubmitField("Discard")
