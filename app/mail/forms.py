from flask_wtf import FlaskForm
from wtforms import EmailField, SubmitField
from wtforms.validators import DataRequired, Email, Length

from app.forms import NoControlCharacters
from app.i18n import _l


class TestMessageForm(FlaskForm):
    address = EmailField(
        _l("Send a test email to"),
        validators=[DataRequired(), Length(max=254), NoControlCharacters(), Email()],
        description=_l("The message goes through the outbox and the worker, like every other email."),
    )
    submit = SubmitField(_l("Queue test email"))
