from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional

from app.forms import NoControlCharacters, VisibleName, choices
from app.i18n import _l
from app.locales import language_choices


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me logged in on this device"))
    submit = SubmitField(_l("Log in"))


class CoordinatorForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200), NoControlCharacters(), VisibleName()])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    position = StringField(
        _l("Role shown to participants"),
        validators=[Optional(), Length(max=200), NoControlCharacters()],
        description=_l("For instance “Regional network coordinator” or “Project manager”."),
    )
    desks = SelectMultipleField(_l("Desks"), coerce=int, validators=[Optional()])
    admin = BooleanField(_l("Administrator (sees every desk, manages desks and accounts)"))
    active = BooleanField(_l("Account active"), default=True)
    password = PasswordField(
        _l("Password"),
        validators=[Optional(), Length(min=10, max=200)],
        description=_l("At least 10 characters. Leave empty to keep the current password."),
    )
    submit = SubmitField(_l("Save coordinator"))


class AccountForm(FlaskForm):
    """A coordinator's own settings."""

    language = SelectField(
        _l("Language of your pages and of the emails you receive"),
        choices=choices(language_choices()),
        validators=[DataRequired()],
    )
    submit = SubmitField(_l("Save settings"))
