from flask_wtf import FlaskForm
from wtforms import EmailField, SubmitField
from wtforms.validators import DataRequired, Email, Length

from app.forms import NoControlCharacters


class TestMessageForm(FlaskForm):
    address = EmailField(
        "Send a test email to",
        validators=[DataRequired(), Length(max=254), NoControlCharacters(), Email()],
        description="The message goes through the outbox and the worker, like every other email.",
    )
    submit = SubmitField("Queue test email")
