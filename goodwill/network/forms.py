from django import forms
from django.core.exceptions import ValidationError

from goodwill.core.forms import Form, use_input
from goodwill.network.cards import PHOTO_MAX_BYTES, card_photo_jpeg
from goodwill.network.models import SPECIALTIES


def _split(value: str) -> list[str]:
    return [p.strip() for p in (value or "").replace(";", ",").split(",") if p.strip()]


class ProForm(Form):
    """A pro met on a visit. Makes and specialties are typed as comma-separated lists."""

    store_name = forms.CharField(label="Store", max_length=120)
    first_name = forms.CharField(max_length=80)
    last_name = forms.CharField(max_length=80, required=False)
    title = forms.CharField(max_length=80, required=False)
    makes = forms.CharField(
        max_length=300, help_text="Comma-separated, e.g. “Toyota” or “Chrysler, Jeep, Ram”"
    )
    specialties = forms.CharField(
        max_length=300, required=False, help_text="e.g. " + ", ".join(SPECIALTIES[:6])
    )
    phone = forms.CharField(max_length=40, required=False)
    email = forms.CharField(max_length=254, required=False)
    street = forms.CharField(max_length=200, required=False)
    city = forms.CharField(max_length=100, required=False)
    region = forms.CharField(label="State", max_length=50, required=False)
    postal_code = forms.CharField(max_length=12, required=False)
    latitude = forms.FloatField(required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(required=False, min_value=-180, max_value=180)
    website = forms.URLField(required=False, assume_scheme="https")
    notes = forms.CharField(
        label="Notes from the visit",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, pro=None, **kwargs):
        if pro is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                **{f: getattr(pro, f) for f in self.base_fields},
                "makes": ", ".join(pro.makes),
                "specialties": ", ".join(pro.specialties),
            }
        super().__init__(*args, **kwargs)
        use_input(self.fields["phone"], "tel", inputmode="tel")
        use_input(self.fields["email"], "email", inputmode="email")

    def clean_makes(self):
        makes = _split(self.cleaned_data["makes"])
        if not makes:
            raise forms.ValidationError("Name at least one make.")
        return makes

    def clean_specialties(self):
        return _split(self.cleaned_data["specialties"])

    @property
    def pro_fields(self) -> dict:
        return dict(self.cleaned_data)


class PartnershipForm(Form):
    terms = forms.CharField(
        max_length=500,
        required=False,
        help_text="What you agreed, e.g. “commercial-truck buyers to us, Tacoma shoppers to you”",
    )


class ReasonForm(Form):
    reason = forms.CharField(max_length=300, required=False)


class CardForm(Form):
    """A member's own card: what it says besides their name and store."""

    title = forms.CharField(max_length=80, required=False)
    phone = forms.CharField(max_length=40, required=False)
    email = forms.CharField(max_length=254, required=False)
    specialties = forms.CharField(
        max_length=300, required=False, help_text="e.g. " + ", ".join(SPECIALTIES[:6])
    )
    card_line = forms.CharField(
        label="Line at the foot of the card",
        max_length=90,
        required=False,
        help_text="Your own words, e.g. “Send me your commercial-truck buyers!”",
    )
    photo = forms.FileField(
        required=False,
        help_text="Optional: a JPEG or PNG of up to 5 MB, shown square on the card.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )
    remove_photo = forms.BooleanField(required=False, label="Remove my photo")

    def __init__(self, *args, card=None, **kwargs):
        if card is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                **{f: getattr(card, f) for f in ("title", "phone", "email", "card_line")},
                "specialties": ", ".join(card.specialties),
            }
        super().__init__(*args, **kwargs)
        self.fields["phone"].widget.input_type = "tel"  # one `type`, the phone keypad
        self.fields["email"].widget = forms.EmailInput()

    def clean_specialties(self):
        return _split(self.cleaned_data["specialties"])

    def clean_photo(self):
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        if upload.size > PHOTO_MAX_BYTES:
            raise forms.ValidationError("A photo of at most 5 MB, please.")
        try:
            return card_photo_jpeg(upload.read())
        except ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["photo"]) from exc

    @property
    def card_fields(self) -> dict:
        data = dict(self.cleaned_data)
        return {"photo": data.pop("photo"), "remove_photo": data.pop("remove_photo"), **data}
