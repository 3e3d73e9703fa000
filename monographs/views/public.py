from django.shortcuts import get_object_or_404, render

from monographs.models import Drug


def drug_detail(request, slug):
    """A published monograph, exactly as its last approved revision has it."""
    drug = get_object_or_404(
        Drug.objects.published().select_related("published_revision"),
        slug=slug,
    )
    revision = drug.published_revision
    return render(request, "monographs/drug_detail.html", {"drug": drug, "revision": revision})
