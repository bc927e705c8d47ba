"""HTML forms of the public catalogue's controls (shape only; rules in the service)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import AnyOf, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from pos.forms import PosForm


class ProfileForm(PosForm):
    story = TextAreaField(
        _l("Your story (who makes it, where, how)"), validators=[Optional(), Length(max=4000)]
    )
    whatsapp = StringField(_l("WhatsApp number"), validators=[Optional(), Length(max=40)])
    show_whatsapp = BooleanField(_l("Show the WhatsApp link"), default=True)
    instagram = StringField(_l("Instagram name"), validators=[Optional(), Length(max=100)])
    show_instagram = BooleanField(_l("Show the Instagram link"), default=True)
    cover = FileField(_l("Cover photo"))
    remove_cover = BooleanField(_l("Remove the cover photo"))


class PublicProductsForm(PosForm):
    public = SelectMultipleField(
        _l("Shown in the public catalogue"),
        coerce=int,
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


class PublishForm(PosForm):
    published = HiddenField(validators=[AnyOf(["0", "1"])])
