from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FieldList,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.forms import NoControlCharacters, StrippedStringField, choices
from app.i18n import _l
from app.participation.feedback import MAX_QUESTIONS
from app.participation.models import (
    AFTER_EACH_SESSION,
    AFTER_LAST_SESSION,
    QUESTION_RATING,
    QUESTION_TEXT,
    RULE_MINUTES,
    RULE_SESSIONS,
    SCOPE_EVENT,
    SCOPE_SERIES,
)

RATING_CHOICES = choices((str(n), str(n)) for n in range(1, 6))


class ActionForm(FlaskForm):
    """A button that posts only its CSRF token."""


# --- Feedback ---------------------------------------------------------------------------------------


class QuestionForm(FlaskForm):
    class Meta:
        csrf = False  # part of SurveyForm, which carries the token

    text = StrippedStringField(_l("Question"), validators=[Optional(), Length(max=300), NoControlCharacters()])
    kind = SelectField(
        _l("Answer"),
        choices=choices([(QUESTION_TEXT, _l("Text")), (QUESTION_RATING, _l("Rating 1-5"))]),
        default=QUESTION_TEXT,
    )


class SurveyForm(FlaskForm):
    timing = RadioField(
        _l("Send the survey"),
        choices=choices(
            [(AFTER_LAST_SESSION, _l("After the last session")), (AFTER_EACH_SESSION, _l("After each session"))]
        ),
        default=AFTER_LAST_SESSION,
    )
    anonymous_results = BooleanField(_l("Show the results without names"))
    intro = TextAreaField(
        _l("Introduction (optional)"), validators=[Optional(), Length(max=2000), NoControlCharacters(multiline=True)]
    )
    closes_local = DateTimeLocalField(
        _l("Closes (optional, in the event's time zone)"), validators=[Optional()], format="%Y-%m-%dT%H:%M"
    )
    questions = FieldList(FormField(QuestionForm), min_entries=MAX_QUESTIONS, max_entries=MAX_QUESTIONS)
    submit = SubmitField(_l("Save the survey"))


class ResponseForm(FlaskForm):
    rating = RadioField(
        _l("How would you rate it overall? (1 poor, 5 excellent)"),
        choices=RATING_CHOICES,
        validators=[InputRequired(message=_l("Choose a rating from 1 to 5."))],
    )
    worked = TextAreaField(
        _l("What worked well?"), validators=[Optional(), Length(max=5000), NoControlCharacters(multiline=True)]
    )
    improve = TextAreaField(
        _l("What should we improve?"), validators=[Optional(), Length(max=5000), NoControlCharacters(multiline=True)]
    )
    submit = SubmitField(_l("Send my answers"))


# --- Certificates -----------------------------------------------------------------------------------


class RuleForm(FlaskForm):
    kind = RadioField(
        _l("Who earns a certificate"),
        choices=choices(
            [
                (RULE_SESSIONS, _l("At least this many sessions attended")),
                (RULE_MINUTES, _l("At least this many minutes")),
            ]
        ),
        default=RULE_SESSIONS,
    )
    minimum = IntegerField(
        _l("Minimum"), validators=[InputRequired(message=_l("Enter a number.")), NumberRange(min=1, max=100_000)]
    )
    text = TextAreaField(
        _l("Text on the certificate (optional)"),
        validators=[Optional(), Length(max=1000), NoControlCharacters(multiline=True)],
    )
    organiser = StrippedStringField(_l("Organiser"), validators=[Optional(), Length(max=200), NoControlCharacters()])
    signatory = StrippedStringField(
        _l("Signed by (optional)"), validators=[Optional(), Length(max=200), NoControlCharacters()]
    )
    submit = SubmitField(_l("Save the rule"))


class RevokeForm(FlaskForm):
    reason = StringField(_l("Reason (optional)"), validators=[Optional(), Length(max=500), NoControlCharacters()])
    submit = SubmitField(_l("Revoke"))


class VerifyForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form

    code = StringField(_l("Verification code"), validators=[DataRequired(), Length(max=40)])


# --- Directory --------------------------------------------------------------------------------------


class DirectoryEntryForm(FlaskForm):
    scope = RadioField(
        _l("Who may see my entry"),
        choices=choices(
            [
                (SCOPE_EVENT, _l("The confirmed participants of this event")),
                (SCOPE_SERIES, _l("The confirmed participants of every event in this series")),
            ]
        ),
        default=SCOPE_EVENT,
    )
    introduction = TextAreaField(
        _l("A short introduction"), validators=[Optional(), Length(max=1000), NoControlCharacters(multiline=True)]
    )
    topics = StrippedStringField(
        _l("Topics of interest"), validators=[Optional(), Length(max=500), NoControlCharacters()]
    )
    submit = SubmitField(_l("Save my entry"))


class LeaveDirectoryForm(FlaskForm):
    submit = SubmitField(_l("Leave the directory"))


class MessageForm(FlaskForm):
    recipient = IntegerField(validators=[InputRequired()])
    body = TextAreaField(
        _l("Message"),
        validators=[
            DataRequired(message=_l("Write a message.")),
            Length(max=3000),
            NoControlCharacters(multiline=True),
        ],
    )
    reveal_address = BooleanField(_l("Show my email address to the recipient so that they can reply directly"))
    submit = SubmitField(_l("Send"))


class HideEntryForm(FlaskForm):
    hidden = StringField()
