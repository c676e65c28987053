from flask_wtf import FlaskForm
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
