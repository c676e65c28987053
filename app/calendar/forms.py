from flask_wtf import FlaskForm
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
