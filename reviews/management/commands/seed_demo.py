"""Create the demo users and publish the seed monographs through the real editorial workflow."""

import os
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from monographs.importer import ImportFailed, import_new_file
from reviews.attestation import attestation_unattended
from reviews.credentials import credential_verify, interest_save, reviewer_profile_save
from reviews.exceptions import ReviewError
from reviews.models import (
    CONTRIBUTORS_GROUP,
    EDITORS_GROUP,
    REVIEWERS_GROUP,
    InterestDeclaration,
    Profession,
    ReviewerProfile,
)
from reviews.policy import without_reference_rule
from reviews.services import review_approve, review_submit
from reviews.two_factor import must_use_two_factor, totp_device_enrol_demo

PASSWORD_VARIABLE = "MEDREF_DEMO_PASSWORD"  # noqa: S105 (the name of the variable)
DOCUMENT_SUFFIXES = frozenset({".md", ".markdown", ".txt"})


@dataclass(frozen=True)
class DemoUser:
    username: str
    group: str
    first_name: str
    last_name: str
    credential: str = ""
    profession: str = ""
    registering_body: str = ""
    registration_number: str = ""


CONTRIBUTOR = DemoUser("contributor", CONTRIBUTORS_GROUP, "Sam", "Carter")
REVIEWER = DemoUser(
    "reviewer", REVIEWERS_GROUP, "Amara", "Okafor", "MD", Profession.PHYSICIAN, "GMC", "7654321"
)
# High-risk sections (dosage, interactions, …) need a second reviewer's approval.
SECOND_REVIEWER = DemoUser(
    "pharmacist",
    REVIEWERS_GROUP,
    "Lena",
    "Moritz",
    "PharmD",
    Profession.PHARMACIST,
    "GPhC",
    "2087654",
)
EDITOR = DemoUser("editor", EDITORS_GROUP, "Jordan", "Ellis")
# The editor comes first: they verify the reviewers' credentials.
DEMO_USERS = [EDITOR, CONTRIBUTOR, REVIEWER, SECOND_REVIEWER]
CREDENTIAL_VALID_DAYS = 365 * 2
# Seed monographs are vitamins and nootropics: this interest recuses from none of them.
DEMO_INTEREST = {
    "description": "Paid speaker at educational meetings sponsored by a statin manufacturer",
    "drug_classes": "Statins",
    "manufacturers": "Examplar Pharma Ltd",
    "starts_on": date(2025, 6, 1),
}


def default_seed_folder() -> Path:
    return Path(settings.BASE_DIR).parent / "shared" / "seeds"


def documents(paths: list[Path]) -> list[Path]:
    """The files to import: each file given, and the documents in each folder given, in order."""
    found = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(
                    child
                    for child in path.iterdir()
                    if child.is_file()
                    and not child.name.startswith(".")
                    and child.suffix.lower() in DOCUMENT_SUFFIXES
                )
            )
        else:
            found.append(path)
    return found


class Command(BaseCommand):
    help = (
        "Create the demo users (contributor, two reviewers, editor) and publish the seed "
        "monographs the way real ones are: imported as the contributor, submitted, approved by "
        "the reviewers the review policy asks for. "
        f"Idempotent. Passwords come from ${PASSWORD_VARIABLE} or are generated and printed once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "paths",
            nargs="*",
            type=Path,
            metavar="PATH",
            help=f"Files or folders to import (default: {default_seed_folder()}).",
        )

    def handle(self, *args, paths, **options):
        logins = {demo.username: self.ensure_user(demo) for demo in DEMO_USERS}
        User = get_user_model()
        contributor = User.objects.get(username=CONTRIBUTOR.username)
        editor = User.objects.get(username=EDITOR.username)
        reviewers = [
            User.objects.get(username=demo.username) for demo in [REVIEWER, SECOND_REVIEWER]
        ]
        for demo, reviewer in zip([REVIEWER, SECOND_REVIEWER], reviewers, strict=True):
            self.ensure_credential(demo, reviewer, editor=editor)
        self.ensure_interest(reviewers[1])

        failures = []
        # Demo content is not news: nobody is e-mailed about seeding.
        # The seed documents cite no references: they are published without the rule that a
        # changed dosage, warning, contraindication or interaction must cite one.
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
            MEDREF_REVIEW_POLICY=without_reference_rule(settings.MEDREF_REVIEW_POLICY),
        ):
            for path in documents(paths or [default_seed_folder()]):
                try:
                    imported = import_new_file(path, user=contributor)
                    if imported.skipped:
                        # Seeding never overwrites: what people edited and reviewed stays.
                        outcome = "skipped: it exists already, left as it is"
                    else:
                        outcome = self.publish(
                            imported.drug, contributor=contributor, reviewers=reviewers
                        )
                except (ImportFailed, ReviewError) as error:
                    failures.append(f"{path.name}: {error}")
                    continue
                self.stdout.write(f"{path.name}: {imported.drug.name} ({outcome})")

        self.stdout.write(f"\nAdmin: {settings.SITE_URL}{reverse('admin:index')}")
        for username, password in logins.items():
            self.stdout.write(f"  {username:<12} {password}")
        self.write_authenticators([User.objects.get(username=demo.username) for demo in DEMO_USERS])
        for failure in failures:
            self.stderr.write(failure)
        if failures:
            raise CommandError(f"{len(failures)} seed file(s) could not be published.")

    def ensure_user(self, demo: DemoUser) -> str:
        """Create the demo user if missing; return how to log in as them."""
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=demo.username,
            defaults={
                "first_name": demo.first_name,
                "last_name": demo.last_name,
                "email": f"{demo.username}@example.com",
                "is_staff": True,
            },
        )
        if not user.get_full_name().strip():
            # Approvals credit the reviewer by name: an older demo user may not have one yet.
            user.first_name, user.last_name = demo.first_name, demo.last_name
            user.save(update_fields=["first_name", "last_name"])
        if not created:
            # An existing account is someone's now: its groups and password stay as they are.
            return "password unchanged"
        user.groups.add(Group.objects.get(name=demo.group))
        from_environment = os.environ.get(PASSWORD_VARIABLE)
        password = from_environment or secrets.token_urlsafe(12)
        user.set_password(password)
        user.save(update_fields=["password"])
        if from_environment:
            return f"password from ${PASSWORD_VARIABLE}"
        return f"password {password}  (shown once: note it now)"

    def write_authenticators(self, users) -> None:
        """Enrol the reviewers and the editor in two-factor sign-in (once) and print how to add
        each to an authenticator app: signing in asks them for its code."""
        lines = []
        for user in users:
            if not must_use_two_factor(user):
                continue
            device, backup_codes = totp_device_enrol_demo(user=user)
            lines.append(f"  {user.get_username():<12} {device.config_url}")
            if backup_codes:
                lines.append(f"  {'':<12} backup codes (shown once): {' '.join(backup_codes)}")
        if lines:
            self.stdout.write(
                "\nTwo-factor sign-in: add each otpauth URI to an authenticator app (most accept "
                "it pasted as a link or typed in as the secret it contains):"
            )
            self.stdout.write("\n".join(lines))

    def ensure_credential(self, demo: DemoUser, user, *, editor) -> None:
        """Record and verify a demo reviewer's credential, unless one was recorded already."""
        profile = ReviewerProfile.objects.filter(user=user).first()
        if profile is not None and (profile.registering_body or profile.is_verified):
            return  # someone's now: it stays as it is
        if profile is None:
            profile = ReviewerProfile(user=user)
        profile.credential = profile.credential or demo.credential
        profile.profession = profile.profession or demo.profession
        profile.registering_body = demo.registering_body
        profile.registration_number = demo.registration_number
        reviewer_profile_save(profile=profile, by=editor)
        credential_verify(
            profile=profile,
            by=editor,
            expires_on=timezone.localdate() + timedelta(days=CREDENTIAL_VALID_DAYS),
        )

    def ensure_interest(self, user) -> None:
        """The demo declaration of interest, unless the reviewer has declared any."""
        if InterestDeclaration.objects.filter(reviewer=user).exists():
            return
        interest_save(declaration=InterestDeclaration(**DEMO_INTEREST), by=user, drugs=[])

    def publish(self, drug, *, contributor, reviewers) -> str:
        """Submit the imported working copy as the contributor; the reviewers approve it in
        turn, as many as the review policy asks for."""
        review = review_submit(drug=drug, by=contributor, comment="Demo content.")
        for reviewer in reviewers:
            review = review_approve(
                review=review,
                by=reviewer,
                comment="Demo content approved.",
                signature=attestation_unattended(user=reviewer, means="manage.py seed_demo"),
            )
            if not review.is_open:
                break
        return f"published revision {review.revision.number}"
