import time
from datetime import timedelta
from importlib import import_module

import factory
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from monographs.models import Drug, FAQItem, Origin, Section, SectionKind
from reviews.attestation import attestation_statements, attestation_unattended
from reviews.models import (
    CONTRIBUTORS_GROUP,
    EDITORS_GROUP,
    REVIEWERS_GROUP,
    InterestDeclaration,
    Profession,
    ReviewerProfile,
)
from reviews.progress import review_progress
from reviews.services import review_approve, review_submit

EDITORIAL_GROUPS = [CONTRIBUTORS_GROUP, REVIEWERS_GROUP, EDITORS_GROUP]


TEST_PASSWORD = "correct horse battery staple"


def ensure_editorial_groups() -> None:
    """Recreate the groups of the data migrations when a live-server test's flush removed them."""
    if Group.objects.filter(name__in=EDITORIAL_GROUPS).count() == len(EDITORIAL_GROUPS):
        return
    import_module("reviews.migrations.0002_editorial_groups").create_groups(apps, None)
    import_module("reviews.migrations.0004_grant_comment_permission").grant(apps, None)
    import_module("reviews.migrations.0006_grant_share_permission").grant(apps, None)
    import_module("reviews.migrations.0015_two_factor_reset_permission").grant(apps, None)
    import_module("reviews.migrations.0016_verified_credentials_and_interests").grant(apps, None)
    import_module("reviews.migrations.0020_review_comments").grant(apps, None)
    import_module("reviews.migrations.0021_grant_reference_permissions").grant(apps, None)
    import_module("reviews.migrations.0023_grant_problem_report_permissions").grant(apps, None)


def join_groups(user, names) -> None:
    if names:
        ensure_editorial_groups()
    user.groups.add(*Group.objects.filter(name__in=names))


def member_of(group_name: str):
    """A post-generation hook putting the user in `group_name` unless told otherwise."""

    def add_to_groups(user, create, names, **kwargs):
        join_groups(user, names or [group_name])

    return factory.PostGeneration(add_to_groups)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def groups(self, create, names, **kwargs):
        join_groups(self, names or [])


class ContributorFactory(UserFactory):
    is_staff = True
    groups = member_of(CONTRIBUTORS_GROUP)


class EditorFactory(UserFactory):
    is_staff = True
    groups = member_of(EDITORS_GROUP)


class ReviewerFactory(UserFactory):
    is_staff = True
    first_name = "Ada"
    last_name = factory.Sequence(lambda n: f"Reviewer{n}")
    groups = member_of(REVIEWERS_GROUP)
    profile = factory.RelatedFactory(
        "tests.factories.ReviewerProfileFactory", factory_related_name="user"
    )


def credentials_editor():
    """The editor who verified the factories' credentials (one for every test reviewer)."""
    return EditorFactory(username="credentials-editor", first_name="Vera", last_name="Checker")


class ReviewerProfileFactory(factory.django.DjangoModelFactory):
    """A physician's credential, verified by an editor, valid for five years from today."""

    class Meta:
        model = ReviewerProfile

    # Approvals credit reviewers by name, never by login: a reviewer without one may not decide.
    user = factory.SubFactory(
        UserFactory, first_name="Ada", last_name=factory.Sequence(lambda n: f"Profiled{n}")
    )
    credential = "MD"
    profession = Profession.PHYSICIAN
    registering_body = "GMC"
    registration_number = factory.Sequence(lambda n: f"{7000000 + n}")
    verified_by = factory.LazyFunction(credentials_editor)
    verified_on = factory.LazyFunction(timezone.localdate)
    expires_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=365 * 5))

    class Params:
        unverified = factory.Trait(verified_by=None, verified_on=None)


class DrugFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Drug

    name = factory.Sequence(lambda n: f"Examplamine {n}")
    generic_name = factory.LazyAttribute(lambda drug: drug.name.lower())
    drug_class = "Vitamins"


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    drug = factory.SubFactory(DrugFactory)
    kind = SectionKind.USAGE
    body = factory.Sequence(lambda n: f"Used for **condition {n}**.")
    position = factory.Sequence(lambda n: n)
    origin = Origin.AI_OR_CROWD


class FAQItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FAQItem

    drug = factory.SubFactory(DrugFactory)
    question = factory.Sequence(lambda n: f"Question {n}?")
    answer = "An *answer*."
    position = factory.Sequence(lambda n: n)
    origin = Origin.AI_OR_CROWD


def monograph(*, sections=(SectionKind.USAGE, SectionKind.DOSAGE), faqs=1, **drug_fields) -> Drug:
    """A drug with a section of each given kind and some FAQ items (a working copy)."""
    drug = DrugFactory(**drug_fields)
    for position, kind in enumerate(sections):
        SectionFactory(drug=drug, kind=kind, position=position)
    for position in range(faqs):
        FAQItemFactory(drug=drug, position=position)
    return drug


def publish(
    drug: Drug, *, contributor, reviewer, second_reviewer=None, comment: str = "", **submit
) -> Drug:
    """Take a working copy through the real workflow: submit, then approve.

    High-risk parts (dosage, …) need a second reviewer: `second_reviewer`, or a new one.
    """
    review = review_submit(drug=drug, by=contributor, comment=comment, **submit)
    review_fully_approve(review, reviewer, second_reviewer)
    drug.refresh_from_db()
    return drug


def signed(user):
    """`user`'s signed attestation for an approval a test makes through the services (the
    signing itself, ticking and re-entering a password or code, is tested through its page)."""
    return attestation_unattended(user=user, means="test suite")


def signing(password: str = TEST_PASSWORD) -> dict:
    """The decision form's signature fields, every statement ticked, signed with a password."""
    return {"attest": list(attestation_statements()), "signing_secret": password}


def review_fully_approve(review, reviewer, second_reviewer=None):
    """Approve `review` as `reviewer`, then as a second reviewer if the policy asks for one."""
    review = review_approve(review=review, by=reviewer, signature=signed(reviewer))
    if review.is_open:
        second_reviewer = second_reviewer or ReviewerFactory()
        review = review_approve(
            review=review, by=second_reviewer, signature=signed(second_reviewer)
        )
    return review


def part_key_of(review, kind: str) -> str:
    """The key of the changed part of `kind` ("usage", "faq", "details", …) in `review`."""
    return next(part.key for part in review_progress(review).parts if part.change.part.kind == kind)


def edit_section(drug: Drug, body: str | None = None, *, by=None, position: int = 0) -> Section:
    """Change one section of the working copy (recorded in history as `by`'s edit, if given)."""
    section = drug.sections.order_by("position", "id")[position]
    section.body = body if body is not None else f"{section.body} Edited by {by.username}."
    if by is not None:
        section._history_user = by
    section.save()
    return section


class InterestDeclarationFactory(factory.django.DjangoModelFactory):
    """A current, open-ended interest; name its drugs with `drugs=[…]`."""

    class Meta:
        model = InterestDeclaration
        skip_postgeneration_save = True

    reviewer = factory.SubFactory(ReviewerFactory)
    description = "Paid consultancy for the maker"
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))

    @factory.post_generation
    def drugs(self, create, drugs, **kwargs):
        if drugs:
            self.drugs.set(drugs)


def make_credentialed_reviewer(user, credential: str = "MD"):
    """Make an existing user a medical reviewer who may decide (full name, group, credential)."""
    if not user.get_full_name():
        # Approvals credit reviewers by name: one without a name may not decide.
        user.first_name, user.last_name = "Ada", f"Reviewer-{user.pk}"
        user.save(update_fields=["first_name", "last_name"])
    join_groups(user, [REVIEWERS_GROUP])
    ReviewerProfileFactory(user=user, credential=credential)
    return user


def must_use_two_factor(user) -> bool:
    """Reviewers, editors and superusers publish, so they sign in with a one-time code."""
    return (
        user.is_superuser or user.groups.filter(name__in=[REVIEWERS_GROUP, EDITORS_GROUP]).exists()
    )


def next_totp_code(device) -> str:
    """A code `device` accepts now that no earlier sign-in used (django-otp refuses a replay):
    the current time step's, or the next one's, which its drift tolerance allows."""
    device.refresh_from_db()
    now = int((time.time() - device.t0) // device.step)
    step = max(now, device.last_t + 1)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = device.t0 + step * device.step
    return f"{totp.token():0{device.digits}d}"


def confirmed_totp_device(user):
    """`user`'s confirmed authenticator (TOTP) device, made for them if they have none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
