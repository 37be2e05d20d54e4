from django.db import migrations

BUILTIN_FACETS = [
    ("Genre", "genre", "Film genres, e.g. Drama or Comedy."),
    ("Category", "category", "Broad subject areas for courses, e.g. Programming."),
    ("Topic", "topic", "What a title is about, e.g. Python or World War II."),
    ("Skill", "skill", "Skills a course teaches."),
    ("Mood", "mood", "How a title feels, e.g. Feel-good or Dark."),
    ("Keyword", "keyword", "Free keywords, e.g. user tags imported from MovieLens."),
]


def create_facets(apps, schema_editor):
    Facet = apps.get_model("catalog", "Facet")
    for name, slug, description in BUILTIN_FACETS:
        Facet.objects.update_or_create(slug=slug, defaults={"name": name, "description": description, "is_builtin": True})


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(create_facets, migrations.RunPython.noop)]
