from django.contrib import admin

from catalog.models import Facet, Person, Tag, Title

admin.site.register([Facet, Tag, Person, Title])
