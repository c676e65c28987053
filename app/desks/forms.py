"""The desk management form."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectMultipleField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from app.countries import COUNTRY_CHOICES
from app.desks import services
from app.forms import NoControlCharacters, StrippedStringField, choices

COUNTRY_OPTIONS = choices(COUNTRY_CHOICES)


class DeskForm(FlaskForm):
    name = StrippedStringField(
        "Name",
        validators=[DataRequired("Give the desk a name."), Length(max=services.DESK_NAME_MAX), NoControlCharacters()],
        description="For instance “Southeast Europe and Caucasus (Tbilisi)”.",
    )
    city = StrippedStringField("City", validators=[Optional(), Length(max=services.CITY_MAX), NoControlCharacters()])
    countries = SelectMultipleField(
        "Countries covered",
        choices=COUNTRY_OPTIONS,
        validators=[Optional()],
        description="People from these countries reach this desk. Hold Ctrl (Cmd on a Mac) to choose several.",
    )
    is_german = BooleanField("German desk: German experts and people in Germany reach this desk")
    is_default = BooleanField("Default international desk: people from countries no desk covers reach this desk")
    submit = SubmitField("Save desk")
