"""The catalogue: titles (movies and courses), people and credits, and the editors' tag taxonomy."""

import functools

from django.db import models
from django.db.models.functions import Lower
from django.urls import get_script_prefix, reverse
from django.utils.text import slugify

SLUG_PLACEHOLDER = "slug-placeholder"


@functools.lru_cache(maxsize=8)
def _url_pattern(name: str, script_prefix: str) -> str:
    """reverse() once per URL name (and script prefix): a home page links ~50 titles twice, and
    reversing each link was a sixth of its rendering time."""
    return reverse(name, kwargs={"slug": SLUG_PLACEHOLDER})


def title_url(name: str, slug: str) -> str:
    return _url_pattern(name, get_script_prefix()).replace(SLUG_PLACEHOLDER, slug, 1)


class Facet(models.Model):
    """A dimension of the taxonomy: genre, category, topic, skill, mood, keyword, or one editors add."""

    name = models.CharField(max_length=64, unique=True)
    slug = models.SlugField(max_length=64, unique=True)
    description = models.TextField(blank=True)
    # Built-in facets are created by a data migration and importers rely on them; editors may add more.
    is_builtin = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    facet = models.ForeignKey(Facet, on_delete=models.PROTECT, related_name="tags")
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=120)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["facet__name", "name"]
        constraints = [
            # "Drama" and "drama" are one tag within a facet.
            models.UniqueConstraint(Lower("name"), "facet", name="tag_name_unique_in_facet"),
            models.UniqueConstraint(fields=["facet", "slug"], name="tag_slug_unique_in_facet"),
        ]

    def __str__(self) -> str:
        return f"{self.facet.name}: {self.name}"

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)[:120] or "tag"
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("catalog:tag", kwargs={"facet": self.facet.slug, "slug": self.slug})


class TagSynonym(models.Model):
    """Another spelling of a tag ("Sci-Fi" for "Science Fiction"); importers resolve synonyms."""

    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="synonyms")
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), "tag", name="synonym_unique_per_tag")]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return self.name


class TitleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def drafts(self):
        return self.filter(is_published=False)

    def movies(self):
        return self.filter(kind=Title.Kind.MOVIE)

    def courses(self):
        return self.filter(kind=Title.Kind.COURSE)


class Title(models.Model):
    class Kind(models.TextChoices):
        MOVIE = "movie", "Movie"
        COURSE = "course", "Course"

    class SkillLevel(models.TextChoices):
        NONE = "", "—"
        BEGINNER = "beginner", "Beginner"
        INTERMEDIATE = "intermediate", "Intermediate"
        ADVANCED = "advanced", "Advanced"

    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.MOVIE, db_index=True)
    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=320, unique=True)
    synopsis = models.TextField(blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True, db_index=True)
    release_date = models.DateField(null=True, blank=True)
    duration_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Running time or total course length."
    )
    language = models.CharField(max_length=35, blank=True, help_text="BCP 47 code, e.g. en or pt-BR.")
    poster = models.ImageField(upload_to="posters/", blank=True)
    is_published = models.BooleanField("published", default=True, db_index=True)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    is_staff_pick = models.BooleanField("staff pick", default=False, db_index=True)

    # Courses
    skill_level = models.CharField(max_length=12, choices=SkillLevel.choices, blank=True)
    provider = models.CharField(max_length=200, blank=True)
    instructor = models.CharField(max_length=200, blank=True)
    lesson_count = models.PositiveSmallIntegerField(null=True, blank=True)
    prerequisites = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="required_for")

    tags = models.ManyToManyField(Tag, blank=True, related_name="titles")

    # Where an imported title came from, so that re-imports update instead of duplicating.
    source = models.CharField(max_length=32, blank=True)
    external_id = models.CharField(max_length=64, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TitleQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~models.Q(external_id=""),
                name="title_unique_external_id",
            ),
        ]
        indexes = [models.Index(fields=["kind", "is_published", "-published_at"], name="title_kind_pub_idx")]

    def __str__(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title

    def get_absolute_url(self) -> str:
        return title_url("catalog:title", self.slug)

    @property
    def poster_url(self) -> str:
        """The uploaded poster, or generated art so that every page looks finished."""
        if self.poster:
            return self.poster.url
        return title_url("catalog:poster", self.slug)


class Credit(models.Model):
    class Role(models.TextChoices):
        DIRECTOR = "director", "Director"
        CAST = "cast", "Cast"
        WRITER = "writer", "Writer"
        PRODUCER = "producer", "Producer"

    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="credits")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="credits")
    role = models.CharField(max_length=16, choices=Role.choices)
    character = models.CharField(max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["title", "role", "order"]
        constraints = [models.UniqueConstraint(fields=["title", "person", "role"], name="credit_unique_role")]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_role_display()}"
