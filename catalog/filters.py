"""Forms that validate the public pages' GET parameters: the browse page's filters and the search box.

They only parse and check input; the queries live in catalog.selectors and catalog.search. A bad
value never reaches a query: the view answers 400 and the page says what was wrong.
"""

import re
from dataclasses import dataclass

from django import forms
from django.http import QueryDict

from catalog import selectors
from catalog.models import Tag, Title

MAX_TAG_FILTERS = 10
MAX_QUERY_LENGTH = 200
YEAR_RANGE = (1800, 2200)
SORT_CHOICES = [
    ("title", "A–Z"),
    ("newest", "Newest"),
    ("year", "Release year"),
    ("popular", "Most popular"),
    ("rated", f"Top rated ({selectors.MIN_RATINGS}+ ratings)"),
]
# A tag is named by its id ("12") or by facet and slug ("genre/drama"), as on the tag pages.
_TAG_REFERENCE = re.compile(r"\d{1,18}|[-\w]{1,64}/[-\w]{1,120}")


@dataclass(frozen=True)
class ActiveFilter:
    """One filter in effect, shown as a chip whose link removes it."""

    label: str
    value: str
    clear_url: str


class TagReferencesField(forms.Field):
    """`?tag=genre/drama&tag=12`: a list of tag references (resolved to tags by the form)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[str]:
        references = [str(item).strip() for item in value or []]
        return list(dict.fromkeys(ref for ref in references if ref))  # drop blanks and repeats, keep order

    def validate(self, value: list[str]) -> None:
        super().validate(value)
        if len(value) > MAX_TAG_FILTERS:
            raise forms.ValidationError(f"Filter by at most {MAX_TAG_FILTERS} tags at once.")
        malformed = [ref for ref in value if not _TAG_REFERENCE.fullmatch(ref)]
        if malformed:
            raise forms.ValidationError(
                "Unknown tag %(tags)s: name a tag by its number or as facet/slug, e.g. genre/drama.",
                params={"tags": _quoted(malformed)},
            )


def _year_field(label: str) -> forms.IntegerField:
    low, high = YEAR_RANGE
    between = f"Enter a year between {low} and {high}."
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=low,
        max_value=high,
        # A text box, not type=number, so that a wrong value stays visible next to its error.
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 5, "placeholder": "Any"}),
        error_messages={
            "invalid": "Enter the year as a number, e.g. 1994.",
            "min_value": between,
            "max_value": between,
        },
    )


def _invalid_choice(what: str) -> dict[str, str]:
    return {"invalid_choice": f"Unknown {what} “%(value)s”: pick one from the list."}


class BrowseForm(forms.Form):
    """The browse page's filters and sort. Every field is optional; an empty one means "any"."""

    kind = forms.ChoiceField(
        required=False,
        choices=[("", "All"), *Title.Kind.choices],
        widget=forms.HiddenInput,  # picked with the tabs above the form
        error_messages=_invalid_choice("kind of title"),
    )
    category = forms.ChoiceField(label="Category", required=False, error_messages=_invalid_choice("category"))
    genre = forms.ChoiceField(label="Genre", required=False, error_messages=_invalid_choice("genre"))
    level = forms.ChoiceField(
        label="Skill level",
        required=False,
        choices=[("", "Any"), *[(value, label) for value, label in Title.SkillLevel.choices if value]],
        error_messages=_invalid_choice("skill level"),
    )
    language = forms.ChoiceField(label="Language", required=False, error_messages=_invalid_choice("language"))
    year_from = _year_field("From year")
    year_to = _year_field("To year")
    tag = TagReferencesField(label="Tags", required=False)
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=SORT_CHOICES,
        help_text=f"Top rated ranks titles with at least {selectors.MIN_RATINGS} ratings; the rest follow.",
        error_messages=_invalid_choice("sort order"),
    )

    def __init__(self, data: QueryDict, **kwargs):
        super().__init__(data, auto_id="filter-%s", **kwargs)
        self._facet_tags = selectors.browse_facet_tags()
        for facet in selectors.BROWSE_FACETS:
            self.fields[facet].choices = [("", "Any"), *((tag.slug, tag.name) for tag in self._facet_tags[facet])]
        self.fields["language"].choices = [("", "Any"), *selectors.language_options()]

    def clean_tag(self) -> list[Tag]:
        references = self.cleaned_data["tag"]
        if not references:
            return []
        found = selectors.tags_by_reference(references)
        unknown = [ref for ref in references if ref not in found]
        if unknown:
            raise forms.ValidationError("Unknown tag %(tags)s.", params={"tags": _quoted(unknown)})
        return list(dict.fromkeys(found[ref] for ref in references))  # "12" and "genre/drama" may be one tag

    def clean(self):
        cleaned = super().clean()
        year_from, year_to = cleaned.get("year_from"), cleaned.get("year_to")
        if year_from is not None and year_to is not None and year_from > year_to:
            self.add_error("year_to", f"“To year” ({year_to}) is before “From year” ({year_from}).")
        return cleaned

    # --- What the view and template need; valid values only, so a bad one is simply not applied.

    def filters(self) -> selectors.TitleFilters:
        data = self._valid_data()
        facet_tags = [self._facet_tag(facet, data.get(facet)) for facet in selectors.BROWSE_FACETS]
        tags = [tag for tag in facet_tags if tag is not None] + list(data.get("tag") or [])
        return selectors.TitleFilters(
            kind=data.get("kind") or "",
            tags=tuple(dict.fromkeys(tags)),
            skill_level=data.get("level") or "",
            year_from=data.get("year_from"),
            year_to=data.get("year_to"),
            language=data.get("language") or "",
        )

    def sort_order(self) -> str:
        return self._valid_data().get("sort") or "title"

    def tag_references(self) -> list[str]:
        """The valid `tag` values as facet/slug, for the hidden inputs that keep them when the form is applied."""
        return [f"{tag.facet.slug}/{tag.slug}" for tag in self._valid_data().get("tag") or []]

    def shown_fields(self) -> list[forms.BoundField]:
        """The visible fields worth offering: not a select with nothing to pick (no genres in a course-only
        catalogue), nor skill level among movies. A field with a value or an error is always shown."""
        kind = self._valid_data().get("kind")
        shown = []
        for field in self.visible_fields():
            nothing_to_pick = len(getattr(field.field, "choices", [None, None])) < 2
            pointless = nothing_to_pick or (field.name == "level" and kind == "movie")
            if not pointless or field.errors or field.value():
                shown.append(field)
        return shown

    def active_filters(self) -> list[ActiveFilter]:
        """The filters in effect (not kind, which has its tabs, nor sort), each with a link that drops it."""
        data = self._valid_data()
        active = []
        for name in ("category", "genre", "level", "language", "year_from", "year_to"):
            if data.get(name) not in (None, ""):
                field = self.fields[name]
                shown = dict(field.choices).get(data[name], data[name]) if hasattr(field, "choices") else data[name]
                active.append(ActiveFilter(field.label, str(shown), self._url_without(name)))
        for reference in self.data.getlist("tag"):
            tag = self._tag_for(reference.strip())
            if tag is not None:
                active.append(ActiveFilter(tag.facet.name, tag.name, self._url_without("tag", reference)))
        return active

    def clear_all_url(self) -> str:
        """Drops every filter but keeps the kind tab and the sort order."""
        kept = QueryDict(mutable=True)
        for name in ("kind", "sort"):
            if self._valid_data().get(name):
                kept[name] = self._valid_data()[name]
        return f"?{kept.urlencode()}"

    def _valid_data(self) -> dict:
        self.is_valid()  # validates once; later calls reuse the result
        return self.cleaned_data  # Django has dropped the invalid fields from it

    def _facet_tag(self, facet: str, slug: str | None) -> Tag | None:
        return next((tag for tag in self._facet_tags[facet] if tag.slug == slug), None) if slug else None

    def _tag_for(self, reference: str) -> Tag | None:
        tags = self._valid_data().get("tag") or []
        return next((tag for tag in tags if reference in (str(tag.pk), f"{tag.facet.slug}/{tag.slug}")), None)

    def _url_without(self, name: str, value: str | None = None) -> str:
        params = self.data.copy()
        params.pop("page", None)  # the page number means nothing once the results change
        if value is None:
            params.pop(name, None)
        else:
            params.setlist(name, [item for item in params.getlist(name) if item != value])
        return f"?{params.urlencode()}"


class SearchForm(forms.Form):
    """The search box (header and suggestions): a trimmed query of at most 200 characters."""

    q = forms.CharField(
        label="Search titles",
        required=False,
        strip=True,
        max_length=MAX_QUERY_LENGTH,
        error_messages={
            "max_length": "Search for at most %(limit_value)d characters (this search has %(show_value)d).",
        },
    )

    def query(self) -> str:
        """The valid query ("" when empty or invalid), with runs of spaces made one."""
        if not self.is_valid():
            return ""
        return " ".join(self.cleaned_data["q"].split())

    def error_text(self) -> str:
        return " ".join(message for messages in self.errors.values() for message in messages)


def _quoted(values: list[str]) -> str:
    return ", ".join(f"“{value[:40]}”" for value in values)
