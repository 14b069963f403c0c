"""The member's forms. Sign-up: what a new member types, checked for shape only (the address
normalised, a look-alike refused); whether the address is free is never said here: the e-mail
tells its owner (members/signups.py). And her home gym."""

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from domain.addresses import AddressRefused, registrable_address
from locations.models import Location
from members.password_validation import member_help_text_html

LOGIN_MAX_LENGTH = 150  # the login's username is the address


class SignUpForm(forms.Form):
    name = forms.CharField(
        label="Your name",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.CharField(
        label="E-mail",
        max_length=1000,  # longer is refused by `clean_email`, with the reason
        help_text="You sign in with this address.",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autocapitalize": "none"}),
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=member_help_text_html(),
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="The same password, to be sure it is the one you meant.",
    )

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise ValidationError("Tell us your name.")
        return name

    def clean_email(self) -> str:
        """The one spelling of the address (domain/addresses.py), refused when it passes for
        another; then as a login can hold it (usernames hold 150 characters)."""
        try:
            address = registrable_address(self.cleaned_data["email"])
        except AddressRefused as refusal:
            raise ValidationError(str(refusal)) from refusal
        validate_email(address)
        if len(address) > LOGIN_MAX_LENGTH:
            raise ValidationError(
                f"An e-mail address has at most {LOGIN_MAX_LENGTH} characters here."
            )
        return address

    def clean(self) -> dict:
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", "The two passwords do not match.")
        elif password1:
            # The validators compare the password with the name and address too.
            first_name, _, last_name = cleaned.get("name", "").partition(" ")
            email = cleaned.get("email", "")
            candidate = get_user_model()(
                username=email, email=email, first_name=first_name, last_name=last_name
            )
            try:
                password_validation.validate_password(password1, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class AccountSetupForm(SignUpForm):
    """A signed-in login without a member sets its member account up: only the name is
    asked (the address is the login's, the password is the one it signed in with)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("email", "password1", "password2"):
            del self.fields[name]

    def clean(self) -> dict:
        return forms.Form.clean(self)


class HomeLocationForm(forms.Form):
    """The member's home location: the gym whose schedule opens first. None is a choice too
    (the first location by name is then shown)."""

    home_location = forms.ModelChoiceField(
        label="Your home gym",
        queryset=Location.objects.order_by("name", "id"),
        required=False,
        empty_label="None: show the first gym by name",
        help_text="The schedule opens at this gym; the others stay one click away in its "
        "location menu. Your credits and bookings count at every gym.",
        error_messages={
            "invalid_choice": "That is not one of our gyms: choose one from the list.",
        },
    )
