"""Input forms for recording activity from pages and the player."""

from django import forms

from catalog.models import Title
from recommendations.models import Event


class EventForm(forms.Form):
    """One event about a published title. The user is never part of the input: it is always
    the requester (a forged user id in the body is ignored)."""

    title = forms.ModelChoiceField(
        queryset=Title.objects.published(),
        error_messages={"invalid_choice": "Unknown title.", "required": "Which title?"},
    )
    type = forms.ChoiceField(
        choices=Event.Type.choices,
        error_messages={"invalid_choice": "Unknown event type %(value)s."},
    )
    value = forms.FloatField(required=False, error_messages={"invalid": "The value must be a number."})
