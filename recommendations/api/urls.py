from django.urls import path
from rest_framework.routers import SimpleRouter

from recommendations.api import views

router = SimpleRouter(use_regex_path=False)
router.register("models", views.ModelVersionViewSet, basename="model")
router.register("training-runs", views.TrainingRunViewSet, basename="training-run")

urlpatterns = [
    path("me/recommendations/", views.RecommendationsView.as_view(), name="recommendations"),
    path("me/recommendations/<slug:key>/", views.RecommendationRowView.as_view(), name="recommendation-row"),
    path("me/events/", views.EventsView.as_view(), name="events"),
    *router.urls,
]
