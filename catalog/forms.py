"""Forms for the admin's intermediate action pages (add or remove a tag, merge tags)."""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect

from catalog.models import Tag, Title


class TagChoiceForm(forms.Form):
    """Pick one tag. Adding offers every tag through the admin's autocomplete (there may be
    thousands of keywords); removing offers only the tags the selected titles carry."""

    def __init__(self, *args, tags=None, **kwargs):
        super().__init__(*args, **kwargs)
        if tags is None:
            widget = AutocompleteSelect(Title._meta.get_field("tags"), admin.site)
            self.fields["tag"] = forms.ModelChoiceField(queryset=Tag.objects.select_related("facet"), widget=widget)
        else:
            self.fields["tag"] = forms.ModelChoiceField(queryset=tags.select_related("facet"))


class MergeTagsForm(forms.Form):
    """Pick the surviving tag: any tag of the selected tags' facet, so that editors can fold
    misspellings into an existing canonical tag without having to select it too."""

    surviving = forms.ModelChoiceField(
        queryset=Tag.objects.none(),
        label="Surviving tag",
        help_text="Titles, users' tags and synonyms of the other selected tags move to this tag.",
    )

    def __init__(self, *args, facet, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["surviving"].queryset = Tag.objects.filter(facet=facet).select_related("facet")
