from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from monographs.markdown import render_markdown

EDIT_PERMISSIONS = (
    "monographs.add_drug",
    "monographs.change_drug",
    "monographs.change_section",
    "monographs.change_faqitem",
)


@never_cache
@require_POST
def markdown_preview(request):
    """The editor's live preview, through the same sanitizing renderer as saved content."""
    user = request.user
    if not (user.is_active and user.is_staff and any(map(user.has_perm, EDIT_PERMISSIONS))):
        raise PermissionDenied
    return HttpResponse(render_markdown(request.POST.get("content", "")))
