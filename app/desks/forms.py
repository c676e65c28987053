"""The desk management form."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectMultipleField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from app.desks import services
from app.forms import NoControlCharacters, StrippedStringField, country_options
from app.i18n import _l


class DeskForm(FlaskForm):
    name = StrippedStringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Give the desk a name.")),
            Length(max=services.DESK_NAME_MAX),
            NoControlCharacters(),
        ],
        description=_l("For instance “Southeast Europe and Caucasus (Tbilisi)”."),
    )
    city = StrippedStringField(
        _l("City"), validators=[Optional(), Length(max=services.CITY_MAX), NoControlCharacters()]
    )
    countries = SelectMultipleField(
        _l("Countries covered"),
        choices=country_options,
        validators=[Optional()],
        description=_l("People from these countries reach this desk. Hold Ctrl (Cmd on a Mac) to choose several."),
    )
    is_german = BooleanField(_l("German desk: German experts and people in Germany reach this desk"))
    is_default = BooleanField(_l("Default international desk: people from countries no desk covers reach this desk"))
    submit = SubmitField(_l("Save desk"))
