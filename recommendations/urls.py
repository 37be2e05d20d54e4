from django.urls import path

from recommendations import views

app_name = "activity"

urlpatterns = [
    path("activity/events/", views.record_event, name="record"),
    path("titles/<slug:slug>/play/", views.player, name="play"),
    path("me/list/", views.my_list, name="list"),
    path("me/list/<int:title_id>/", views.list_toggle, name="list_toggle"),
    path("me/history/", views.my_history, name="history"),
    path("me/history/<int:title_id>/remove/", views.remove_from_history, name="history_remove"),
]
