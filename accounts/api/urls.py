from django.urls import path

from accounts.api import views

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="token"),
    path("me/", views.MeView.as_view(), name="me"),
    path("me/privacy/", views.PrivacyView.as_view(), name="privacy"),
    path("me/export/", views.ExportView.as_view(), name="export"),
    path("me/history/", views.HistoryView.as_view(), name="history"),
    path("me/history/<id:title_id>/", views.HistoryTitleView.as_view(), name="history-title"),
]
