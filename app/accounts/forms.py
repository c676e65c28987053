from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional

from app.forms import NoControlCharacters, VisibleName


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    remember = BooleanField("Keep me logged in on this device")
    submit = SubmitField("Log in")


class CoordinatorForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200), NoControlCharacters(), VisibleName()])
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    position = StringField(
        "Role shown to participants",
        validators=[Optional(), Length(max=200), NoControlCharacters()],
        description="For instance “Regional network coordinator” or “Project manager”.",
    )
    desks = SelectMultipleField("Desks", coerce=int, validators=[Optional()])
    admin = BooleanField("Administrator (sees every desk, manages desks and accounts)")
    active = BooleanField("Account active", default=True)
    password = PasswordField(
        "Password",
        validators=[Optional(), Length(min=10, max=200)],
        description="At least 10 characters. Leave empty to keep the current password.",
    )
    submit = SubmitField("Save coordinator")
