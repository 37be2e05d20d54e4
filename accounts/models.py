from django.contrib.auth.models import AbstractUser
from django.db import models


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

    class Meta:
        db_table = "accounts_user"
