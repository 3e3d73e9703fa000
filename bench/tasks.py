"""The harness's steps that run inside Django: `python bench/tasks.py COMMAND ...`.

Run by `bench/run.py` with the same environment as the server it benchmarks (database,
SECRET_KEY), so that session cookies made here are valid there.
"""

import io
import json
import os
import random
import string
import sys
import time
from pathlib import Path
from urllib.parse import quote_plus

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import (  # noqa: E402
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
)
from django.contrib.auth.models import Group  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models.functions import Length  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.corpus import CONDITIONS, LARGE_MONOGRAPH_NAME  # noqa: E402
from monographs.models import Drug  # noqa: E402
from reviews.models import EDITORS_GROUP, REVIEWERS_GROUP, ReviewerProfile  # noqa: E402

HOST = "127.0.0.1"
HOT_PAGES = 20
COMMON_WORDS = [
    "pain", "blood", "dose", "headache", "side effects", "take with food", "children",
    "pregnancy", "kidney", "liver disease", "high blood pressure", "nausea", "treatment",
    "doctor", "medicine", "the", "tablets", "allergic reactions",
]  # fmt: skip


def _user(username: str, group: str, credential: str = ""):
    user, _ = get_user_model().objects.get_or_create(
        username=username, defaults={"is_staff": True, "first_name": "Bench", "last_name": "User"}
    )
    user.groups.add(Group.objects.get(name=group))
    if credential:
        verifier, _ = get_user_model().objects.get_or_create(
            username="bench-verifier", defaults={"first_name": "Bench", "last_name": "Verifier"}
        )
        ReviewerProfile.objects.get_or_create(
            user=user,
            defaults={
                "credential": credential,
                "profession": "physician",
                "verified_by": verifier,
                "verified_on": timezone.localdate(),
            },
        )
    return user


def _session_cookie(user) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"sessionid={session.session_key}"


def _misspell(rng: random.Random, word: str) -> str:
    """One typo: a swapped, dropped, doubled or extra letter."""
    index = rng.randrange(1, len(word) - 2)
    kind = rng.choice(["swap", "drop", "double", "extra"])
    if kind == "swap":
        return word[:index] + word[index + 1] + word[index] + word[index + 2 :]
    if kind == "drop":
        return word[:index] + word[index + 1 :]
    if kind == "double":
        return word[:index] + word[index] + word[index:]
    return word + "e"


def _write(path: Path, lines: list[str]) -> None:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def prepare(out: str, seed: str = "1", sample: str = "3000") -> None:
    """Users, session cookies, URL lists and search query sets for the benchmark."""
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(int(seed))
    published = Drug.objects.published()
    rows = list(
        published.annotate(size=Length("published_revision__article_html"))
        .order_by("slug")
        .values_list("slug", "name", "size", "published_revision__content")
    )
    if not rows:
        raise SystemExit("No published monograph: generate the dataset first.")
    slugs = [slug for slug, *_ in rows]
    chosen = rng.sample(slugs, min(int(sample), len(slugs)))
    by_size = sorted(rows, key=lambda row: row[2])
    floor_slug = by_size[len(by_size) // 2][0]

    names = [name.lower() for _, name, _, _ in rng.sample(rows, min(25, len(rows)))]
    brands = sorted({other for *_, content in rows for other in content.get("other_names", [])})
    single_names = [name for name in names if " + " not in name and len(name) > 6]
    search_sets = {
        "names": names[:20],
        "rare_words": [brand.lower() for brand in rng.sample(brands, min(20, len(brands)))],
        "common_words": COMMON_WORDS,
        "misspellings": [_misspell(rng, name) for name in single_names[:20]],
        "conditions": rng.sample(CONDITIONS, 15),
    }
    search_paths = [
        f"/search/?q={quote_plus(query)}" for queries in search_sets.values() for query in queries
    ]
    rng.shuffle(search_paths)
    # What a reader has typed so far: two to six letters of names and brand names.
    typed = [*names, *search_sets["rare_words"]]
    suggest_paths = sorted(
        {
            f"/search/suggest/?q={quote_plus(text[:length])}"
            for text in typed
            for length in range(2, 7)
        }
    )

    large = Drug.objects.get(name=LARGE_MONOGRAPH_NAME)
    review = large.reviews.in_review().get()
    reviewer = _user("bench-reviewer", REVIEWERS_GROUP, credential="MD")
    editor = _user("bench-editor", EDITORS_GROUP)

    hot = chosen[:HOT_PAGES]  # cached runs: readers mostly ask for a few popular monographs
    for name, pattern in [
        ("monograph", "/drugs/{}/"),
        ("changes", "/drugs/{}/changes/"),
        ("api", "/api/drugs/{}/"),
    ]:
        _write(out_dir / f"{name}.txt", [pattern.format(slug) for slug in chosen])
        _write(out_dir / f"{name}-hot.txt", [pattern.format(slug) for slug in hot])
    _write(out_dir / "az.txt", [f"/drugs/?letter={letter}" for letter in string.ascii_lowercase])
    _write(out_dir / "home.txt", ["/"])
    _write(out_dir / "search.txt", search_paths)
    _write(out_dir / "suggest.txt", suggest_paths)
    _write(out_dir / "floor.txt", [f"/_floor/drugs/{floor_slug}/"])
    info = {
        "published": len(rows),
        "floor_slug": floor_slug,
        "floor_article_bytes": by_size[len(by_size) // 2][2],
        "search_sets": search_sets,
        "admin": {
            "drug_change_form": {
                "path": f"/admin/monographs/drug/{large.pk}/change/",
                "cookie": _session_cookie(editor),
                "as": "an editor",
            },
            "review_page": {
                "path": f"/admin/reviews/review/{review.pk}/change/",
                "cookie": _session_cookie(reviewer),
                "as": "a medical reviewer",
            },
        },
    }
    (out_dir / "info.json").write_text(json.dumps(info, indent=2), encoding="utf-8")


def query_counts(info_path: str) -> None:
    """How many queries one request of each page costs (printed as JSON)."""
    info = json.loads(Path(info_path).read_text(encoding="utf-8"))
    out_dir = Path(info_path).parent
    targets = {}
    for name in ("monograph", "az", "search", "suggest", "home", "changes", "api", "floor"):
        targets[name] = (out_dir / f"{name}.txt").read_text(encoding="utf-8").split()[0], None
    for name, page in info["admin"].items():
        targets[name] = page["path"], page["cookie"]
    counts = {}
    for name, (path, cookie) in targets.items():
        client = Client(HTTP_HOST=HOST)
        headers = {"cookie": cookie} if cookie else {}
        client.get(path, headers=headers)  # warm: per-process caches, the floor's capture
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, headers=headers)
        counts[name] = {"status": response.status_code, "queries": len(queries)}
    print(json.dumps(counts))


def import_rate(folder: str, username: str) -> None:
    """Import every file in `folder` as `username`; print files and seconds as JSON."""
    files = [path for path in Path(folder).iterdir() if path.is_file()]
    get_user_model().objects.get_or_create(username=username, defaults={"is_staff": True})
    started = time.perf_counter()
    call_command("import_monographs", folder, "--as", username, stdout=io.StringIO())
    seconds = time.perf_counter() - started
    print(json.dumps({"files": len(files), "seconds": seconds}))


def count() -> None:
    published = Drug.objects.published().count()
    print(json.dumps({"drugs": Drug.objects.count(), "published": published}))


COMMANDS = {"prepare": prepare, "query-counts": query_counts, "import": import_rate, "count": count}

if __name__ == "__main__":
    COMMANDS[sys.argv[1]](*sys.argv[2:])
