"""MedRef's benchmark: public and editor pages against the framework floor, at 10,000 drugs.

    python bench/run.py            # full run: SQLite, and PostgreSQL too when DATABASE_URL is set
    python bench/run.py --quick    # smoke run: 300 drugs, short bursts

For each database: build (or reuse) the dataset with `bench/generate_dataset.py`, collect
static files, serve MedRef with gunicorn under `bench.settings` (production settings plus the
floor's route) on 127.0.0.1, load each page with wrk for a fixed time (targets interleaved,
several rounds: median and spread), first with the page cache off and then on; time the editor
pages and each search query set from a sequential client; measure the import rate. The last
lines are one `BENCH name=... key=value ...` line per figure. Everything goes to 127.0.0.1;
results and datasets are kept in bench/results/ (git-ignored).
"""

import argparse
import contextlib
import hashlib
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = Path(os.environ.get("MEDREF_BENCH_RESULTS", BENCH / "results"))
PYTHON = sys.executable
HOST = "127.0.0.1"
SEEDS = Path(os.environ.get("MEDREF_SEEDS", ROOT.parent / "shared" / "seeds"))
PUBLIC_TARGETS = ["floor", "monograph", "az", "search", "suggest", "home", "changes", "api"]
LABELS = {
    "floor": "floor (same page, no DB, no template)",
    "monograph": "monograph page (random; cached: 20 hot)",
    "az": "A-Z index (one letter)",
    "search": "search (mixed queries)",
    "suggest": "search suggestions (JSON, typed prefixes)",
    "home": "home page",
    "changes": "change log (random; cached: 20 hot)",
    "api": "JSON API detail (random; cached: 20 hot)",
    "drug_change_form": "admin change form, 20 sections",
    "review_page": "review page, 20 sections",
}
MODES = {
    "uncached": "uncached",
    "cached": "cached (local memory)",
    "redis": "cached (Redis)",
}
# What a dataset depends on: when any of these change, it is generated again.
DATASET_INPUTS = [
    "bench/corpus.py",
    "bench/writers.py",
    "bench/generate_dataset.py",
    "monographs/public/article.py",
    "monographs/public/links.py",
    "monographs/search/*.py",
    "monographs/markdown.py",
    "monographs/publication.py",
    "templates/monographs/article.html",
    "monographs/models/*.py",
    "monographs/migrations/*.py",
    "reviews/migrations/*.py",
]


@dataclass
class Settings:
    drugs: int
    seed: int
    duration: int
    rounds: int
    connections: int
    threads: int
    workers: int
    worker_class: str
    editor_requests: int
    import_files: int
    rebuild: bool
    redis_url: str
    only_search: bool = False


@dataclass
class Figure:
    name: str
    db: str
    values: dict = field(default_factory=dict)

    def line(self) -> str:
        parts = [f"name={self.name}", f"db={self.db}"]
        for key, value in self.values.items():
            if isinstance(value, float):
                value = f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
            parts.append(f"{key}={value}")
        return "BENCH " + " ".join(parts)


def log(message: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", flush=True)


def run(command, env, *, capture=False, check=True, timeout=None) -> str:
    result = subprocess.run(
        command,
        cwd=ROOT,
        env=env,
        check=False,
        text=True,
        capture_output=capture,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        detail = (result.stderr or "")[-3000:] if capture else ""
        raise SystemExit(f"Command failed ({result.returncode}): {' '.join(command)}\n{detail}")
    return result.stdout if capture else ""


def manage(env, *args, capture=False) -> str:
    return run([PYTHON, "manage.py", *args], env, capture=capture)


def task(env, *args) -> dict:
    return json.loads(run([PYTHON, str(BENCH / "tasks.py"), *args], env, capture=True))


# Tools ----------------------------------------------------------------------------------------


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("wrk is missing: installing the Debian package")
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False)
        found = shutil.which("wrk")
    if not found:
        raise SystemExit(
            "wrk is needed for the load (Debian/Ubuntu: sudo apt-get install wrk; macOS: "
            "brew install wrk)."
        )
    return found


def redis_if_running() -> str:
    with contextlib.suppress(OSError), socket.create_connection((HOST, 6379), timeout=1):
        return f"redis://{HOST}:6379/0"
    return ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def machine() -> str:
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    return f"{os.cpu_count()} cores ({model}){memory}, {platform.system()} {platform.release()}"


def code_version() -> str:
    if os.environ.get("MEDREF_COMMIT"):
        return os.environ["MEDREF_COMMIT"]
    result = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
    )
    return result.stdout.strip() or "unknown"


def load_average() -> str:
    """Other work on the machine skews every figure: the report says how busy it was."""
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


# Databases and datasets ---------------------------------------------------------------------


def base_env(secret_key: str) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "REDIS_URL", "DATABASE_REPLICA_URL", "MEDREF_PAGE_CACHE_SECONDS"}
    }
    env.update(
        DEBUG="0",
        SECRET_KEY=secret_key,
        ALLOWED_HOSTS=HOST,
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        SECURE_HSTS_SECONDS="0",
        DJANGO_SETTINGS_MODULE="bench.settings",
        LOG_LEVEL="ERROR",
        PYTHONHASHSEED="0",
        # The load comes from one address: the API's per-address limit (still counted) must
        # not refuse it.
        API_RATE_LIMIT="100000000/m",
    )
    return env


def inputs_digest(settings: Settings) -> str:
    digest = hashlib.sha256(f"{settings.drugs}:{settings.seed}".encode())
    for pattern in DATASET_INPUTS:
        for path in sorted(ROOT.glob(pattern)):
            digest.update(path.relative_to(ROOT).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def postgres_admin(url: str, sql: str) -> None:
    parts = urlsplit(url)
    command = ["psql", "-q", "-h", parts.hostname or HOST, "-p", str(parts.port or 5432)]
    command += ["-U", parts.username or "postgres", "-d", "postgres", "-c", sql]
    env = {**os.environ, "PGPASSWORD": parts.password or ""}
    subprocess.run(command, check=True, env=env, capture_output=True, text=True)


def recreate_database(db: str, url: str) -> None:
    if db == "sqlite":
        path = Path(urlsplit(url).path)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    name = urlsplit(url).path.lstrip("/")
    postgres_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    postgres_admin(url, f'CREATE DATABASE "{name}"')


def ensure_dataset(db: str, env: dict, settings: Settings) -> dict:
    """Generate the dataset unless the one on disk was made from the same inputs."""
    marker = RESULTS / f"dataset-{db}-{settings.drugs}.json"
    digest = inputs_digest(settings)
    if marker.exists() and not settings.rebuild:
        known = json.loads(marker.read_text())
        if known.get("digest") == digest:
            with contextlib.suppress(SystemExit, json.JSONDecodeError):
                counts = task(env, "count")
                if counts["drugs"] == known["drugs_in_db"]:
                    log(f"{db}: reusing the dataset generated {known['generated_at']}")
                    known["reused"] = True
                    return known
    log(f"{db}: generating {settings.drugs} monographs (seed {settings.seed})")
    recreate_database(db, env["DATABASE_URL"])
    manage(env, "migrate", "--noinput", "-v0")
    started = time.perf_counter()
    output = run(
        [
            PYTHON,
            str(BENCH / "generate_dataset.py"),
            f"--drugs={settings.drugs}",
            f"--seed={settings.seed}",
        ],
        env,
        capture=True,
    )
    seconds = time.perf_counter() - started
    print(output, end="")
    counts = task(env, "count")
    known = {
        "digest": digest,
        "drugs": settings.drugs,
        "seed": settings.seed,
        "seconds": seconds,
        "report": output.strip().splitlines(),
        "drugs_in_db": counts["drugs"],
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "reused": False,
    }
    marker.write_text(json.dumps(known, indent=2))
    return known


# Serving and loading ------------------------------------------------------------------------


class Server:
    """gunicorn serving MedRef on 127.0.0.1 (started and stopped by us only)."""

    def __init__(self, env: dict, settings: Settings, log_path: Path):
        self.port = free_port()
        self.env = env
        self.settings = settings
        self.log_path = log_path
        self.process = None

    def __enter__(self):
        command = [
            PYTHON, "-m", "gunicorn", "-c", "python:medref.gunicorn", "medref.wsgi:application",
            "--bind", f"{HOST}:{self.port}",
            "--workers", str(self.settings.workers),
            "--worker-class", self.settings.worker_class,
            "--log-level", "warning",
            "--error-logfile", str(self.log_path),
        ]  # fmt: skip
        if self.settings.worker_class == "gthread":
            command += ["--threads", "2"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                if self.get("/")[0] == 200:
                    return self
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {self.log_path}")
            time.sleep(0.3)
        raise SystemExit(f"gunicorn did not answer within 60 s; see {self.log_path}")

    def __exit__(self, *exc_info):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def get(self, path: str, cookie: str = "") -> tuple[int, int]:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
        try:
            connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
            response = connection.getresponse()
            return response.status, len(response.read())
        finally:
            connection.close()

    def timed_gets(self, paths: list[str], cookie: str = "") -> list[float]:
        """Milliseconds per request, one request at a time (statuses must be 200)."""
        times = []
        for path in paths:
            started = time.perf_counter()
            status, _size = self.get(path, cookie)
            times.append((time.perf_counter() - started) * 1000)
            if status != 200:
                raise SystemExit(f"GET {path} answered {status}")
        return times


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def parse_wrk(output: str) -> dict:
    def latency(percent: str) -> float:
        match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M)
        return float(match.group(1)) * UNITS[match.group(2)] if match else float("nan")

    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return {
        "rps": float(rps.group(1)) if rps else 0.0,
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "bad": int(bad.group(1)) if bad else 0,
        "socket_errors": sum(map(int, errors.groups())) if errors else 0,
    }


def wrk(
    server: Server, paths_file: Path, settings: Settings, wrk_path: str, duration: int = 0
) -> dict:
    command = [
        wrk_path,
        f"-t{settings.threads}",
        f"-c{settings.connections}",
        f"-d{duration or settings.duration}s",
        "--latency",
        "--timeout", "10s",
        "-s", str(BENCH / "paths.lua"),
        server.url,
        "--", str(paths_file),
    ]  # fmt: skip
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    # Requests still queued from the burst would slow the next target: let them drain.
    for _ in range(settings.workers):
        server.get("/robots.txt")
    return parse_wrk(output)


def summarize(runs: list[dict]) -> dict:
    rps = [run["rps"] for run in runs]
    return {
        "rps": statistics.median(rps),
        "rps_min": min(rps),
        "rps_max": max(rps),
        "p50_ms": statistics.median(run["p50_ms"] for run in runs),
        "p99_ms": statistics.median(run["p99_ms"] for run in runs),
        "errors": sum(run["bad"] + run["socket_errors"] for run in runs),
    }


def percentile(values: list[float], percent: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(percent / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def public_targets(settings: Settings) -> list[str]:
    """Every public target, or with --only search the floor, search and suggestions alone."""
    return ["floor", "search", "suggest"] if settings.only_search else PUBLIC_TARGETS


def load_public_pages(server, prepared: Path, settings, wrk_path, mode: str, db: str) -> list:
    """Interleave the public targets for several rounds; one Figure per target.

    Uncached, monograph pages, change logs and API details are drawn at random from thousands
    of drugs; with the page cache on, from a hot set of 20 (what the cache is for), every page
    of which is requested by every worker first.
    """
    targets = public_targets(settings)
    files = {}
    for target in targets:
        hot = prepared / f"{target}-hot.txt"
        files[target] = hot if mode != "uncached" and hot.exists() else prepared / f"{target}.txt"
        paths = files[target].read_text().split()
        if mode == "uncached" or target == "search":  # search pages are not cached whole
            server.timed_gets(paths[: 4 * settings.workers])
        else:
            server.timed_gets(paths * 3 * settings.workers)
        # A discarded burst: the pool's connections open and statements get prepared now,
        # not in the first measured round.
        wrk(server, files[target], settings, wrk_path, duration=min(2, settings.duration))
    runs = {target: [] for target in targets}
    for round_number in range(1, settings.rounds + 1):
        for target in targets:
            result = wrk(server, files[target], settings, wrk_path)
            runs[target].append(result)
            log(
                f"{db} {mode} round {round_number} {target}: {result['rps']:.0f} req/s, "
                f"p50 {result['p50_ms']:.2f} ms, p99 {result['p99_ms']:.2f} ms"
                + (f", {result['bad']} non-2xx" if result["bad"] else "")
            )
    figures = []
    for target in targets:
        summary = summarize(runs[target])
        # Each round's target against the same round's floor: the machine's drift between
        # rounds (the floor alone moves by a third on a shared VM) cancels out.
        ratios = [
            run["rps"] / floor["rps"] if floor["rps"] else 0.0
            for run, floor in zip(runs[target], runs["floor"], strict=True)
        ]
        summary.update(
            ratio=statistics.median(ratios), ratio_min=min(ratios), ratio_max=max(ratios)
        )
        figures.append(Figure(f"{target}_{mode}", db, summary))
    return figures


# Measurements -------------------------------------------------------------------------------


def editor_pages(server, info: dict, counts: dict, settings, db: str) -> list:
    figures = []
    for name, page in info["admin"].items():
        server.timed_gets([page["path"]] * 2, page["cookie"])  # warm
        times = server.timed_gets([page["path"]] * settings.editor_requests, page["cookie"])
        values = {
            "p50_ms": statistics.median(times),
            "p95_ms": percentile(times, 95),
            "max_ms": max(times),
            "queries": counts[name]["queries"],
            "requests": len(times),
        }
        log(f"{db} {name}: p50 {values['p50_ms']:.0f} ms, {values['queries']} queries")
        figures.append(Figure(name, db, values))
    return figures


def search_sets(server, info: dict, db: str) -> list:
    """Each query set twice, before anything searched them: first answered by the database
    (p50/p95/max), then from the results cached for this publication (cached_p50/p95)."""
    from urllib.parse import quote_plus

    figures = []
    server.timed_gets(["/search/?q=bench+warm+up"] * 3)  # the workers' first requests
    for name, queries in info["search_sets"].items():
        paths = [f"/search/?q={quote_plus(query)}" for query in queries]
        times = server.timed_gets(paths)
        cached = server.timed_gets(paths)
        values = {
            "p50_ms": statistics.median(times),
            "p95_ms": percentile(times, 95),
            "max_ms": max(times),
            "cached_p50_ms": statistics.median(cached),
            "cached_p95_ms": percentile(cached, 95),
            "queries": len(queries),
        }
        log(
            f"{db} search {name}: p95 {values['p95_ms']:.1f} ms, "
            f"cached {values['cached_p95_ms']:.1f} ms"
        )
        figures.append(Figure(f"searchset_{name}", db, values))
    return figures


def export_sample(env: dict, settings: Settings) -> Path:
    """Jekyll pages exported from the dataset, plus the three seeds (made once per dataset)."""
    folder = RESULTS / f"import-{settings.drugs}-{settings.seed}-{settings.import_files}"
    if folder.exists() and any(folder.iterdir()):
        return folder
    with tempfile.TemporaryDirectory(dir=RESULTS) as exported:
        manage(env, "export_monographs", "--format=jekyll", "--published", f"--output={exported}")
        pages = sorted(Path(exported).iterdir())
        step = max(1, len(pages) // settings.import_files)
        folder.mkdir()
        for page in pages[::step][: settings.import_files]:
            shutil.copy(page, folder / page.name)
    for seed in sorted(SEEDS.glob("*")):
        shutil.copy(seed, folder / f"seed-{seed.name}")
    return folder


def import_rate(db: str, env: dict, folder: Path) -> Figure:
    """Import the sample into an empty database of the same kind; files per second."""
    if db == "sqlite":
        url = f"sqlite:///{RESULTS / 'import.sqlite3'}"
    else:
        parts = urlsplit(env["DATABASE_URL"])
        url = parts._replace(path=parts.path + "_import").geturl()
    import_env = {**env, "DATABASE_URL": url}
    recreate_database(db, url)
    manage(import_env, "migrate", "--noinput", "-v0")
    result = task(import_env, "import", str(folder), "bench-importer")
    recreate_database(db, url)
    if db != "sqlite":
        postgres_admin(url, f'DROP DATABASE IF EXISTS "{urlsplit(url).path.lstrip("/")}"')
    rate = result["files"] / result["seconds"]
    log(f"{db} import: {result['files']} files in {result['seconds']:.1f} s")
    return Figure("import", db, {"files_per_s": rate, "files": result["files"]})


def bench_database(db: str, url: str, settings: Settings, secret_key: str, wrk_path: str) -> list:
    env = {**base_env(secret_key), "DATABASE_URL": url}
    dataset = ensure_dataset(db, env, settings)
    figures = [
        Figure(
            "generate_dataset",
            db,
            {"seconds": dataset["seconds"], "drugs": dataset["drugs"], "path": "bulk"},
        )
    ]
    manage(env, "collectstatic", "--noinput", "-v0")
    prepared = RESULTS / f"prepared-{db}"
    shutil.rmtree(prepared, ignore_errors=True)
    run([PYTHON, str(BENCH / "tasks.py"), "prepare", str(prepared), str(settings.seed)], env)
    info = json.loads((prepared / "info.json").read_text())
    uncached_env = {**env, "MEDREF_PAGE_CACHE_SECONDS": "0"}
    counts = task(uncached_env, "query-counts", str(prepared / "info.json"))
    bad = {name: count["status"] for name, count in counts.items() if count["status"] != 200}
    if bad:
        raise SystemExit(f"{db}: pages that do not answer 200: {bad}")

    log(f"{db}: serving with the page cache off")
    with Server(uncached_env, settings, RESULTS / f"gunicorn-{db}.log") as server:
        # Before the load, which would leave every query of the sets answered already.
        figures += search_sets(server, info, db)
        public = load_public_pages(server, prepared, settings, wrk_path, "uncached", db)
        if not settings.only_search:
            figures += editor_pages(server, info, counts, settings, db)
    if settings.only_search:
        for figure in public:
            figure.values["queries"] = counts[figure.name.rsplit("_", 1)[0]]["queries"]
        return figures + public
    log(f"{db}: serving with the page cache on (local memory, per worker)")
    with Server(env, settings, RESULTS / f"gunicorn-{db}.log") as server:
        public += load_public_pages(server, prepared, settings, wrk_path, "cached", db)
    if settings.redis_url:
        log(f"{db}: serving with the page cache on (Redis, shared by the workers)")
        redis_env = {
            **env,
            "REDIS_URL": settings.redis_url,
            "CACHE_KEY_PREFIX": f"medref-bench-{secrets.token_hex(4)}",
        }
        with Server(redis_env, settings, RESULTS / f"gunicorn-{db}.log") as server:
            public += load_public_pages(server, prepared, settings, wrk_path, "redis", db)
    for figure in public:
        target = figure.name.rsplit("_", 1)[0]
        figure.values["queries"] = counts[target]["queries"]
    figures += public
    figures.append(import_rate(db, env, export_sample(env, settings)))
    return figures


# Report -------------------------------------------------------------------------------------


def table(figures: list[Figure]) -> str:
    lines = [
        "| figure | db | req/s (min-max) | p50 ms | p99 ms | x floor (min-max) | queries "
        "| errors |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for figure in figures:
        values = figure.values
        if "rps" in values:
            target, mode = figure.name.rsplit("_", 1)
            lines.append(
                f"| {LABELS[target]}, {MODES[mode]} | {figure.db} | {values['rps']:.0f} "
                f"({values['rps_min']:.0f}-{values['rps_max']:.0f}) | {values['p50_ms']:.2f} | "
                f"{values['p99_ms']:.2f} | {values['ratio']:.2f} ({values['ratio_min']:.2f}-"
                f"{values['ratio_max']:.2f}) | {values['queries']} | "
                f"{values['errors']} |"
            )
    lines += [
        "",
        "| figure | db | p50 ms | p95 ms | max ms | queries/request |",
        "|---|---|---|---|---|---|",
    ]
    for figure in figures:
        values = figure.values
        if figure.name in ("drug_change_form", "review_page"):
            lines.append(
                f"| {LABELS[figure.name]} | {figure.db} | {values['p50_ms']:.0f} | "
                f"{values['p95_ms']:.0f} | {values['max_ms']:.0f} | {values['queries']} |"
            )
    for figure in figures:
        if figure.name.startswith("searchset_"):
            values = figure.values
            label = figure.name.removeprefix("searchset_").replace("_", " ")
            lines.append(
                f"| search: {label} ({values['queries']} queries), first / cached | "
                f"{figure.db} | {values['p50_ms']:.1f} / {values['cached_p50_ms']:.1f} | "
                f"{values['p95_ms']:.1f} / {values['cached_p95_ms']:.1f} | "
                f"{values['max_ms']:.1f} | |"
            )
    lines.append("")
    for figure in figures:
        if figure.name == "import":
            lines.append(
                f"- import ({figure.db}): {figure.values['files_per_s']:.1f} files/s "
                f"({figure.values['files']} files)"
            )
        if figure.name == "generate_dataset":
            lines.append(
                f"- generate_dataset --drugs {figure.values['drugs']} ({figure.db}, bulk path): "
                f"{figure.values['seconds']:.0f} s"
            )
    return "\n".join(lines)


def parse_args() -> tuple[Settings, argparse.Namespace]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="300 drugs, 2 s bursts, 1 round")
    parser.add_argument("--drugs", type=int, help="dataset size (default 10000; quick 300)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--duration", type=int, help="seconds per wrk burst (default 5)")
    parser.add_argument("--rounds", type=int, help="rounds of interleaved bursts (default 5)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument(
        "--db",
        choices=["sqlite", "postgres", "all"],
        default="all",
        help="which databases (all: SQLite, plus PostgreSQL when DATABASE_URL is set)",
    )
    parser.add_argument("--rebuild", action="store_true", help="regenerate the datasets")
    parser.add_argument(
        "--only",
        choices=["search"],
        help="search: only the floor and search, uncached, and the search query sets",
    )
    parser.add_argument(
        "--redis",
        default="auto",
        help="also measure the page cache in Redis at this URL ('' to skip; default: "
        "redis://127.0.0.1:6379/0 when a server answers there)",
    )
    args = parser.parse_args()
    quick = args.quick
    settings = Settings(
        drugs=args.drugs or (300 if quick else 10_000),
        seed=args.seed,
        duration=args.duration or (2 if quick else 5),
        rounds=args.rounds or (1 if quick else 5),
        connections=args.connections,
        threads=args.threads,
        workers=args.workers,
        worker_class=args.worker_class,
        editor_requests=5 if quick else 20,
        import_files=20 if quick else 200,
        rebuild=args.rebuild,
        redis_url=args.redis if args.redis != "auto" else redis_if_running(),
        only_search=args.only == "search",
    )
    return settings, args


def main() -> None:
    settings, args = parse_args()
    wrk_path = ensure_wrk()
    RESULTS.mkdir(exist_ok=True)
    secret_key = secrets.token_urlsafe(50)
    databases = []
    if args.db in ("sqlite", "all"):
        databases.append(("sqlite", f"sqlite:///{RESULTS / f'bench-{settings.drugs}.sqlite3'}"))
    postgres_url = os.environ.get("DATABASE_URL", "")
    if args.db in ("postgres", "all") and postgres_url.startswith(("postgres", "postgresql")):
        databases.append(("postgresql", postgres_url))
    elif args.db == "postgres":
        raise SystemExit("--db postgres needs DATABASE_URL=postgres://…")
    started = time.perf_counter()
    load_at_start = load_average()
    figures: list[Figure] = []
    for db, url in databases:
        figures += bench_database(db, url, settings, secret_key, wrk_path)
    command = " ".join(["python", "bench/run.py", *sys.argv[1:]])
    header = [
        f"MedRef benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{time.perf_counter() - started:.0f} s",
        f"machine: {machine()}; load average at start {load_at_start}, at end {load_average()}",
        f"command: {command}"
        + (" (DATABASE_URL set)" if postgres_url else "")
        + f"; code: {code_version()}",
        f"server: gunicorn, {settings.workers} {settings.worker_class} workers, DEBUG=0; load: "
        f"wrk -t{settings.threads} -c{settings.connections} -d{settings.duration}s, "
        f"{settings.rounds} interleaved rounds (median, min-max); dataset: {settings.drugs} "
        "drugs via generate_dataset's bulk path",
    ]
    report = "\n".join(header) + "\n\n" + table(figures)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (RESULTS / f"bench-{stamp}.md").write_text(report + "\n")
    (RESULTS / f"bench-{stamp}.json").write_text(
        json.dumps([{"name": f.name, "db": f.db, **f.values} for f in figures], indent=2)
    )
    print("\n" + report + "\n")
    for figure in figures:
        print(figure.line())


if __name__ == "__main__":
    main()
