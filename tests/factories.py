"""factory_boy factories shared by every test module."""

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import User
from catalog.models import Credit, Facet, Person, Tag, Title
from recommendations.models import Event


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


class FacetFactory(DjangoModelFactory):
    class Meta:
        model = Facet
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Facet {n}")
    slug = factory.Sequence(lambda n: f"facet-{n}")


class TagFactory(DjangoModelFactory):
    class Meta:
        model = Tag

    facet = factory.LazyFunction(lambda: Facet.objects.get(slug="genre"))
    name = factory.Sequence(lambda n: f"Tag {n}")
    slug = factory.Sequence(lambda n: f"tag-{n}")


class TitleFactory(DjangoModelFactory):
    class Meta:
        model = Title

    kind = Title.Kind.MOVIE
    title = factory.Sequence(lambda n: f"Title {n}")
    slug = factory.Sequence(lambda n: f"title-{n}")
    year = 2001
    is_published = True
    published_at = factory.LazyFunction(timezone.now)


class CourseFactory(TitleFactory):
    kind = Title.Kind.COURSE
    skill_level = Title.SkillLevel.BEGINNER
    provider = "Open Campus"


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"Person {n}")
    slug = factory.Sequence(lambda n: f"person-{n}")


class CreditFactory(DjangoModelFactory):
    class Meta:
        model = Credit

    title = factory.SubFactory(TitleFactory)
    person = factory.SubFactory(PersonFactory)
    role = Credit.Role.DIRECTOR


class EventFactory(DjangoModelFactory):
    class Meta:
        model = Event

    user = factory.SubFactory(UserFactory)
    title = factory.SubFactory(TitleFactory)
    type = Event.Type.VIEW
    timestamp = factory.LazyFunction(timezone.now)
