from rest_framework.routers import SimpleRouter

from catalog.api.views import FacetViewSet, TagViewSet, TitleViewSet

router = SimpleRouter(use_regex_path=False)
router.register("titles", TitleViewSet, basename="title")
router.register("tags", TagViewSet, basename="tag")
router.register("facets", FacetViewSet, basename="facet")
urlpatterns = router.urls
