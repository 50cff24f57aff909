"""The base of every form: the text rules of `core.text` on each text field, so a NUL or
another control character is a form error before an action (and the database) sees it.

`core/tests/test_text_rules.py` fails when a form in goodwill does not derive from these."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from goodwill.core.text import check_text


class _OneLine:
    def __call__(self, value):
        if isinstance(value, str):  # a UUIDField (a CharField) cleans to a UUID
            check_text(value, multiline=False)


class _FreeText:
    def __call__(self, value):
        if isinstance(value, str):
            check_text(value, multiline=True)


class TextRules:
    """Adds the text rule to each `CharField`: free text for a textarea, one line else."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                free = isinstance(field.widget, forms.Textarea)
                field.validators.append(_FreeText() if free else _OneLine())


class Form(TextRules, forms.Form):
    pass


class ModelForm(TextRules, forms.ModelForm):
    pass


class MoneyField(forms.DecimalField):
    """Dollars as people type them: "41,250", "$41,250.00", " 41250 " are all 41250. A text
    input with the decimal keyboard (a number input would refuse the comma in the browser)."""

    widget = forms.TextInput

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 10)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace("$", "").replace(",", "").replace(" ", "")
        return super().to_python(value)

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "inputmode": "decimal"}


def use_input(field, input_type: str, **attrs) -> None:
    """Give a field's input one `type` (tel, email …) and its keyboard hints. Django writes
    `widget.input_type` as the type; a `type` put in `attrs` later would be a second one."""
    field.widget.input_type = input_type
    field.widget.attrs.update(attrs)


def errors_to_form(form, exc: ValidationError) -> None:
    """Put an action's `ValidationError` back on the form: on the field it names when the
    form has one, else above the form, so the page shows it beside what was typed."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def apply_form(form, action) -> bool:
    """Run `action(**form.cleaned_data)` when the form is valid; a `ValidationError` from the
    action goes back on the form, on its field when it names one, so nothing typed is lost.
    True when the action ran: the caller answers with its message and redirect."""
    if not form.is_valid():
        return False
    try:
        action(**form.cleaned_data)
    except ValidationError as exc:
        errors_to_form(form, exc)
        return False
    return True


def settings_page(request, form, app_actions, *, saved: str, to: str, template: str, context: dict):
    """One store-settings page, the shape every app's settings share: a POST that the form
    and the app's `update_settings` action both accept saves, says `saved` and redirects to
    `to`; otherwise the page again with the form (422 when it holds errors, the typed values
    kept). Who may POST is the caller's decorator's (or the caller's) business.

    `app_actions` is the app's actions module (core imports no app): its
    `update_settings(dealership, *, acting_user, **values)` receives the form's values of
    its `SETTINGS_FIELDS`."""

    def save(**data):
        app_actions.update_settings(
            request.dealership,
            acting_user=request.user,
            **{name: data[name] for name in app_actions.SETTINGS_FIELDS},
        )

    if request.method == "POST" and apply_form(form, save):
        messages.success(request, saved)
        return redirect(to)
    return render(request, template, {"form": form, **context}, status=422 if form.errors else 200)
