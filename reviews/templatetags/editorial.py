"""The admin index's dashboard, computed for the user viewing it."""

from django import template

from reviews.dashboard import editorial_dashboard

register = template.Library()


@register.simple_tag(takes_context=True)
def dashboard_for_user(context):
    """What waits for the signed-in editorial user (None for anyone else)."""
    return editorial_dashboard(context["request"].user)
