"""Sign-up, profile and privacy forms."""

from django import forms
from django.contrib.auth.forms import UserCreationForm

from accounts.models import User


class SignUpForm(UserCreationForm):
    email = forms.EmailField(required=True, help_text="For password resets. We never share it.")

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this email already exists. Try logging in instead.")
        return email


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("first_name", "last_name", "email", "age", "gender", "occupation")
        help_texts = {
            "age": "Optional. Helps recommendations for new members; never shown to anyone.",
            "occupation": "Optional, as above.",
        }
        widgets = {"age": forms.NumberInput(attrs={"min": 13, "max": 120})}

    def clean_age(self):
        age = self.cleaned_data.get("age")
        if age is not None and not 13 <= age <= 120:
            raise forms.ValidationError("Enter an age between 13 and 120, or leave it empty.")
        return age


class PrivacyForm(forms.Form):
    personalization = forms.BooleanField(
        required=False,
        label="Personalised recommendations",
        help_text="Rows picked for you from what you watch and rate. Off: only rows that are the same for "
        "everyone, and your activity is left out of every future model.",
    )
    history_paused = forms.BooleanField(
        required=False,
        label="Pause history",
        help_text="While paused, nothing you watch, rate or search is stored.",
    )


class ConfirmPasswordForm(forms.Form):
    """Asks for the password again before an irreversible step (deleting the account)."""

    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.")
        return password
