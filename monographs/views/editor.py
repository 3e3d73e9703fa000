from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils.html import format_html
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from monographs.markdown import MarkdownError, render_markdown

EDIT_PERMISSIONS = (
    "monographs.add_drug",
    "monographs.change_drug",
    "monographs.change_section",
    "monographs.change_faqitem",
)
# Each keystroke pause posts a preview; a person typing stays far below this.
PREVIEW_RATE = "60/m"


@never_cache
@require_POST
def markdown_preview(request):
    """The editor's live preview, through the same sanitizing renderer as saved content."""
    user = request.user
    if not (user.is_active and user.is_staff and any(map(user.has_perm, EDIT_PERMISSIONS))):
        raise PermissionDenied
    if is_ratelimited(
        request, group="markdown-preview", key="user", rate=PREVIEW_RATE, increment=True
    ):
        return _refusal(
            f"Too many previews: at most {PREVIEW_RATE.replace('/m', ' a minute')}. "
            "Wait a moment; your text is not lost.",
            status=429,
        )
    try:
        return HttpResponse(render_markdown(request.POST.get("content", "")))
    except MarkdownError as error:
        return _refusal(str(error), status=400)


def _refusal(message: str, *, status: int) -> HttpResponse:
    # markdownx puts any answer, whatever its status, into the preview pane as HTML.
    return HttpResponse(
        format_html('<p class="preview-refused" role="alert">{}</p>', message), status=status
    )
