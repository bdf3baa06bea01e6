"""Flask-WTF forms: CSRF and rendering. The rules for each field live in intake.py
(one place); the limits are echoed here as HTML attributes so browsers help early."""
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    EmailField,
    Field,
    HiddenField,
    PasswordField,
    StringField,
    TextAreaField,
    URLField,
)

from moderation.fields import BODY_MAX, EMAIL_MAX, NAME_MAX, TITLE_MAX, field_max
from moderation.intake import KIND_FIELDS

KIND_LABELS = {"news": "News tip", "deal": "Deal", "column": "Column",
               "press_release": "Press release"}
FIELD_LABELS = {"source_url": "Source link", "merchant": "Merchant", "link": "Link to the deal",
                "price": "Price", "coupon_code": "Coupon code", "expires_on": "Expires on",
                "author_bio": "About you (shown with the column)",
                "organisation": "Organisation", "media_contact": "Media contact",
                "release_date": "Release date", "embargo_until": "Embargoed until"}
FIELD_TYPES = {"url": URLField, "date": DateField, "datetime": DateTimeLocalField,
               "text": TextAreaField}


class LoginForm(FlaskForm):
    username = StringField("Username", render_kw={"autocomplete": "username", "required": True})
    password = PasswordField("Password", render_kw={"autocomplete": "current-password",
                                                    "required": True})


class PasswordForm(FlaskForm):
    current_password = PasswordField("Current password", render_kw={
        "autocomplete": "current-password", "required": True})
    new_password = PasswordField("New password", render_kw={
        "autocomplete": "new-password", "required": True})
    confirm = PasswordField("New password again", render_kw={
        "autocomplete": "new-password", "required": True})


class SubmissionForm(FlaskForm):
    author_name = StringField("Your name (published)",
                              render_kw={"maxlength": NAME_MAX, "required": True})
    author_email = EmailField("Your email (never published)",
                              render_kw={"maxlength": EMAIL_MAX, "required": True})
    title = StringField("Title", render_kw={"maxlength": TITLE_MAX, "required": True})
    # Not shown to people (CSS hides it); bots fill it in. Named like a real field.
    website = StringField("Leave this field empty",
                          render_kw={"tabindex": "-1", "autocomplete": "off"})
    form_token = HiddenField()
    nudged = HiddenField()  # "1" once the reader was asked to reconsider (toxicity/nudge.py)


def form_class(kind: str) -> type[SubmissionForm]:
    """A SubmissionForm with `kind`'s own fields, in KIND_FIELDS order."""
    extra: dict[str, Field] = {}
    for name, (type_, required) in KIND_FIELDS[kind].items():
        render_kw = {"required": True} if required else {}
        if type_ in ("line", "url"):
            render_kw["maxlength"] = field_max(type_)
        field_type = FIELD_TYPES.get(type_, StringField)
        # Dates stay strings here: intake.py parses them and names what is wrong.
        if field_type in (DateField, DateTimeLocalField):
            render_kw["type"] = "date" if field_type is DateField else "datetime-local"
            field_type = StringField
        extra[name] = field_type(FIELD_LABELS[name], render_kw=render_kw)
    extra["body"] = TextAreaField("Text", render_kw={"rows": 12, "required": True,
                                                     "maxlength": BODY_MAX[kind]})
    return type(f"{kind.title()}Form", (SubmissionForm,), extra)
