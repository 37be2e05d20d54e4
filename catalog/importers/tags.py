"""Finding or creating tags by facet, honouring case-insensitive names and synonyms."""

from __future__ import annotations

from catalog.importers.slugs import SlugAllocator
from catalog.models import Facet, Tag, TagSynonym

# Spellings that importers fold into one canonical tag; the old spelling is kept as a synonym
# so that later imports and searches still find it.
CANONICAL_NAMES = {"genre": {"children's": "Children"}}

TAG_NAME_MAX_LENGTH = Tag._meta.get_field("name").max_length


def clean_tag_name(name: str) -> str:
    return name.strip()


class TagResolver:
    """Resolves tag names within one facet to Tag rows, creating missing tags in bulk.

    Lookup is by lower-cased name, then by synonym; the first spelling seen wins for new tags.
    Call `resolve` for every name first, then `save` once, then `pk_for` to get ids.
    """

    def __init__(self, facet: Facet) -> None:
        self.facet = facet
        self.canonical = CANONICAL_NAMES.get(facet.slug, {})
        tags = list(Tag.objects.filter(facet=facet).only("id", "name", "slug"))
        self.by_name: dict[str, Tag] = {tag.name.lower(): tag for tag in tags}
        for synonym in TagSynonym.objects.filter(tag__facet=facet).select_related("tag"):
            self.by_name.setdefault(synonym.name.lower(), synonym.tag)
        self.slugs = SlugAllocator((tag.slug for tag in tags), Tag._meta.get_field("slug").max_length)
        self.new_tags: list[Tag] = []
        self.new_synonyms: dict[str, str] = {}  # lower(synonym) -> canonical name

    def resolve(self, name: str) -> Tag:
        name = clean_tag_name(name)
        canonical = self.canonical.get(name.lower())
        if canonical:
            self.new_synonyms.setdefault(name.lower(), name)
            name = canonical
        tag = self.by_name.get(name.lower())
        if tag is None:
            tag = Tag(facet=self.facet, name=name, slug=self.slugs.allocate(name, fallback="tag"))
            self.by_name[name.lower()] = tag
            self.new_tags.append(tag)
        return tag

    def save(self) -> int:
        """Insert the tags and synonyms `resolve` created; returns how many tags were created."""
        Tag.objects.bulk_create(self.new_tags)
        created = len(self.new_tags)
        if created and self.new_tags[0].pk is None:  # backends without RETURNING: fetch the ids
            ids = dict(Tag.objects.filter(facet=self.facet).values_list("slug", "id"))
            for tag in self.new_tags:
                tag.pk = ids[tag.slug]
        self.new_tags = []
        self._save_synonyms()
        return created

    def _save_synonyms(self) -> None:
        wanted = []
        for synonym, spelling in self.new_synonyms.items():
            tag = self.by_name[self.canonical[synonym].lower()]
            wanted.append(TagSynonym(tag=tag, name=spelling))
        existing = {
            (tag_id, name.lower())
            for tag_id, name in TagSynonym.objects.filter(tag__in=[s.tag for s in wanted]).values_list("tag", "name")
        }
        TagSynonym.objects.bulk_create([s for s in wanted if (s.tag.pk, s.name.lower()) not in existing])
        self.new_synonyms = {}
