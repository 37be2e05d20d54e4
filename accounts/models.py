from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


class User(AbstractUser):
    """A viewer, learner, editor or operator.

    Demographics are optional: imported data sets (MovieLens) carry them, and the neural
    recommender uses them as user features when present.
    """

    class Gender(models.TextChoices):
        UNKNOWN = "", "Not given"
        FEMALE = "F", "Female"
        MALE = "M", "Male"
        OTHER = "X", "Other"

    age = models.PositiveSmallIntegerField(null=True, blank=True)
    gender = models.CharField(max_length=1, choices=Gender.choices, blank=True)
    occupation = models.CharField(max_length=64, blank=True)
    postcode = models.CharField(max_length=16, blank=True)
    # Where an imported account came from ("ml-100k", "demo"...); empty for people who signed up.
    source = models.CharField(max_length=32, blank=True, db_index=True)

    # Privacy settings (see the privacy page). Off: only non-personalised rows, and this user's
    # events leave every later training set.
    personalization = models.BooleanField("personalised recommendations", default=True)
    # Paused: nothing the user does is stored until they resume.
    history_paused = models.BooleanField("history paused", default=False)

    class Meta:
        db_table = "accounts_user"


class PrivacyChange(models.Model):
    """One change of a privacy setting, with its time: the user's own audit trail.

    Erased with the account (personal data), kept otherwise, and part of the data export.
    """

    class Setting(models.TextChoices):
        PERSONALIZATION = "personalization", "Personalised recommendations"
        HISTORY_PAUSED = "history_paused", "History paused"
        HISTORY_DELETED = "history_deleted", "History deleted"
        TITLE_REMOVED = "title_removed", "Title removed from history"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="privacy_changes")
    setting = models.CharField(max_length=32, choices=Setting.choices)
    # The new value: "on"/"off" for switches; the removed title's name for a removal.
    value = models.CharField(max_length=300, blank=True)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-pk"]
        indexes = [models.Index(fields=["user", "-changed_at"], name="privacy_user_time_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.setting}={self.value} @ {self.changed_at:%Y-%m-%d %H:%M}"
