from django import forms

from goodwill.core.forms import Form, ModelForm
from goodwill.messaging.models import Message, MessageTemplate


class ComposeForm(Form):
    channel = forms.ChoiceField(
        choices=Message.Channel.choices, widget=forms.RadioSelect, initial="text"
    )
    template = forms.ModelChoiceField(
        queryset=MessageTemplate.objects.none(),
        required=False,
        empty_label="(no template)",
        to_field_name="public_id",
        help_text="Leave the message empty to send the template as it is.",
    )
    subject = forms.CharField(max_length=150, required=False, help_text="Emails only.")
    body = forms.CharField(
        label="Message",
        max_length=1600,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Placeholders such as {first_name} are filled in when it is sent.",
    )
    follow_up = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, dealership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = MessageTemplate.objects.for_dealership(
            dealership
        ).filter(active=True)


class TemplateForm(ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["name", "channel", "subject", "body", "active"]
        widgets = {"body": forms.Textarea(attrs={"rows": 4})}


class NumberForm(Form):
    sms_number = forms.CharField(
        label="Texting number",
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
        help_text="The number your texts come from (set up at your SMS provider); replies to "
        "it land on the customer's page.",
    )
