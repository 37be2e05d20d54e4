from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.home, name="home"),
    path("titles/", views.title_list, name="title_list"),
    path("titles/<slug:slug>/", views.title_detail, name="title"),
    path("titles/<slug:slug>/poster.svg", views.poster, name="poster"),
    path("tags/<slug:facet>/<slug:slug>/", views.tag_detail, name="tag"),
    path("search/", views.search_results, name="search"),
    path("search/suggest/", views.search_suggest, name="search_suggest"),
]
