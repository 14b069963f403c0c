"""The codes people type: six digits from the app, or an eight-letter recovery code.

Spaces and hyphens are ignored and letters may be capitals, as people copy them; anything
else (letters in an app code, a NUL byte, a megabyte of text) gets one clear message and is
never tried against a device, so it cannot use up the throttle either.
"""

import re

from django import forms
from django.core.exceptions import ValidationError

APP_CODE = re.compile(r"[0-9]{6}")
RECOVERY_CODE = re.compile(r"[a-z2-7]{8}")
LONGEST = 64  # longer than any code, with room for spaces and hyphens

APP_CODE_MESSAGE = "Enter the 6-digit code your authenticator app shows now (digits only)."
ANY_CODE_MESSAGE = (
    "Enter the 6-digit code your authenticator app shows now, or one of your recovery codes "
    "(8 letters and digits)."
)


class CodeField(forms.Field):
    """A code, normalised; `recovery=False` accepts only an app code."""

    def __init__(self, *, recovery: bool = True, **kwargs) -> None:
        self.recovery = recovery
        self.message = ANY_CODE_MESSAGE if recovery else APP_CODE_MESSAGE
        kwargs.setdefault("error_messages", {"required": self.message})
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return ""
        if not isinstance(value, str) or len(value) > LONGEST:
            raise ValidationError(self.message, code="invalid")
        code = re.sub(r"[\s-]", "", value).lower()
        if code and not (
            APP_CODE.fullmatch(code) or (self.recovery and RECOVERY_CODE.fullmatch(code))
        ):
            raise ValidationError(self.message, code="invalid")
        return code

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update(autocomplete="one-time-code", autocapitalize="none", spellcheck="false")
        attrs["maxlength"] = str(LONGEST)
        if not self.recovery:
            attrs["inputmode"] = "numeric"
        return attrs


class AppCodeForm(forms.Form):
    code = CodeField(recovery=False, label="Code from your app")


class CodeForm(forms.Form):
    code = CodeField(label="Code", help_text="From your authenticator app, or a recovery code.")


class TurnOffForm(forms.Form):
    """A current code, or the password, proves it is the login's owner turning it off."""

    code = CodeField(required=False, label="Code")
    password = forms.CharField(
        required=False,
        strip=False,
        max_length=256,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Or your password instead of a code.",
    )

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("code") and not data.get("password"):
            raise ValidationError("Enter a code or your password.")
        return data
