from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    name = "recommendations"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from recommendations.signals import join_session_history

        # What a visitor did before signing up or logging in joins their account.
        user_logged_in.connect(join_session_history, dispatch_uid="marquee_join_session_history")
