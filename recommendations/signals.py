"""Signal receivers: thin glue from Django's events to activity services."""

from recommendations.activity import merge_session_events


def join_session_history(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        merge_session_events(request.session, user)
