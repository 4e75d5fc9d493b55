"""`make bench`: serve the app under gunicorn on loopback and measure it with wrk.

Builds a scratch database (SQLite, or PostgreSQL database `bench` with --postgres or
BENCH_POSTGRES=1), runs `flask db upgrade` and `flask demo load --large`, starts gunicorn
(2 sync workers, production settings) on 127.0.0.1, drives every route of ROUTES with wrk
for a bounded time, prints req/s, p50, p99 and the ratio to /healthz, then measures the
CPU time of a cold render of the 300-session agenda in-process. Everything it starts is
stopped before it exits. Figures depend on the machine: compare ratios, not req/s.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unicodedata
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
LUA_SCRIPT = Path(__file__).resolve().parent / "request.lua"
WORDS_FILE = Path(__file__).resolve().parent / "words.txt"
POSTGRES_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
POSTGRES_DATABASE = "bench"
# Archive pages of the deep-page row: the list without words goes back 500 pages.
DEEP_LIST_PAGES = range(250, 501)
DEEP_SEARCH_PAGES = range(2, 21)


@dataclass
class Route:
    """One line of the table.

    `conditional`: send If-None-Match with the ETag of a first GET (expects 304).
    `prepare(base_url)` may return extra headers and a body, built against the running
    server (for example a CSRF token and a form for a POST).
    `fresh`: served by the second server, whose page caches are off (PAGE_CACHE=0), so
    that every request renders.
    `paths(rng)`: request paths, one of which each request takes at random (varied queries).
    `fresh_email`: "__EMAIL__" in the body becomes a new address on every request.
    """

    name: str
    path: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    conditional: bool = False
    expect_status: int | None = None
    prepare: Callable[[str], tuple[dict[str, str], str | None]] | None = None
    fresh: bool = False
    paths: Callable[[random.Random], list[str]] | None = None
    fresh_email: bool = False


def search_words() -> list[str]:
    lines = WORDS_FILE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def varied_search_paths(rng: random.Random) -> list[str]:
    """One archive search per word of bench/words.txt (German, English, Chinese)."""
    paths = ["/archive/?q=" + quote(word) for word in search_words()]
    rng.shuffle(paths)
    return paths


def deep_page_paths(rng: random.Random) -> list[str]:
    """Far pages of the archive list and later pages of searches, half and half."""
    words = search_words()
    paths = [f"/archive/?page={rng.choice(DEEP_LIST_PAGES)}" for _ in range(200)]
    paths += [f"/archive/?q={quote(rng.choice(words))}&page={rng.choice(DEEP_SEARCH_PAGES)}"
              for _ in range(200)]
    rng.shuffle(paths)
    return paths


# ---------------------------------------------------------------------------------------
# ROUTES: the table `make bench` prints. The first entry is the /healthz baseline.
# Calendar and registration helpers: append your routes in the marked block below
# (for example /events/benchmark-congress.ics, /calendar.ics and their conditional
# variants with conditional=True, and a registration POST with a `prepare` hook).
# ---------------------------------------------------------------------------------------
ROUTES: list[Route] = [
    Route("/healthz", "/healthz"),
    Route("event page", "/events/benchmark-congress/"),
    Route("event page, If-None-Match", "/events/benchmark-congress/", conditional=True,
          expect_status=304),
    # Issue #9: the same page rendered on every request (the server with PAGE_CACHE=0).
    Route("event page, fresh", "/events/benchmark-congress/", fresh=True),
    Route("archive ?q=Foshan", "/archive/?q=Foshan"),
    Route("archive ?q=佛山", "/archive/?q=" + quote("佛山")),
    # A different search on every request (215 words in three languages), rendered each
    # time, and far pages of the list and of searches.
    Route("search varied, fresh", "/archive/", fresh=True, paths=varied_search_paths),
    Route("search deep pages, fresh", "/archive/", fresh=True, paths=deep_page_paths),
    # --- calendar and registration routes: extend below this line ---
    Route("event .ics (300 sessions)", "/events/benchmark-congress.ics"),
    Route("event .ics, If-None-Match", "/events/benchmark-congress.ics", conditional=True,
          expect_status=304),
    Route("/calendar.ics", "/calendar.ics"),
    Route("/calendar.ics, If-None-Match", "/calendar.ics", conditional=True, expect_status=304),
    # Registration (issue #6): the form POST with a real CSRF token and session cookie;
    # REGISTRATION_RATE_LIMIT is raised in app_environment(). Every request after the first
    # is the duplicate path (same e-mail): a write that renews the link and queues a mail.
    Route("registration POST", "/events/benchmark-congress/register", method="POST",
          prepare=lambda base_url: prepare_registration(base_url)),
    # Issue #9: a new e-mail address on every request, so every request registers a new
    # participant and takes a seat (on-site and online in turn) or a waiting-list place.
    Route("registration POST, fresh e-mail", "/events/benchmark-congress/register",
          method="POST", fresh_email=True,
          prepare=lambda base_url: prepare_registration(base_url, "__EMAIL__")),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare_postgres(name: str = POSTGRES_DATABASE) -> str:
    """An empty database `name` (default `bench`) on the local PostgreSQL server."""
    import psycopg

    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise SystemExit(f"not a plain database name: {name!r}")

    with psycopg.connect(POSTGRES_SERVER.replace("+psycopg", "") + "/postgres",
                         autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
    url = f"{POSTGRES_SERVER}/{name}"
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as connection:
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")
    return url


def app_environment(database_url: str, port: int, workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "FLASK_APP": "wsgi.py",
            "EVENTAPP_ENV": "production",
            "SECRET_KEY": secrets.token_hex(32),  # throwaway: this server lives for minutes
            "DATABASE_URL": database_url,
            "PUBLIC_URL": f"http://127.0.0.1:{port}",
            "UPLOAD_FOLDER": str(workdir / "uploads"),
            "LOGIN_RATE_LIMIT": "1000000 per minute",
            "REGISTRATION_RATE_LIMIT": "1000000 per minute",
            "RATELIMIT_STORAGE_URI": "memory://",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    return env


def run_step(title: str, command: list[str], env: dict[str, str], timeout: float) -> None:
    started = time.monotonic()
    print(f"… {title}", flush=True)
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=timeout)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"{title} failed (exit {result.returncode})")
    print(f"  done in {time.monotonic() - started:.1f} s", flush=True)


def wait_until_up(base_url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        try:
            if fetch(base_url + "/healthz", timeout=2)[0] == 200:
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise SystemExit("gunicorn did not answer /healthz in time")


def fetch(
    url: str, headers: dict[str, str] | None = None, timeout: float = 30
) -> tuple[int, dict[str, str], bytes]:
    """GET a URL of the bench server (loopback http only)."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"not a loopback URL: {url}")
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 (checked above)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def stop(server: subprocess.Popen) -> None:
    """SIGTERM to gunicorn's process group, then SIGKILL after 10 s."""
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=5)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _milliseconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


@dataclass
class Measure:
    name: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx_3xx: int
    errors: int
    server_errors: int = 0
    locked: int = 0

    @property
    def other_errors(self) -> int:
        """Socket errors and non-2xx/3xx answers other than 5xx."""
        return self.errors + self.non_2xx_3xx - self.server_errors


def run_wrk(
    route: Route, base_url: str, args: argparse.Namespace, workdir: Path | None = None
) -> Measure:
    headers = dict(route.headers)
    body = None
    if route.prepare is not None:
        extra, body = route.prepare(base_url)
        headers.update(extra)
    if route.conditional:
        status, response_headers, _ = fetch(base_url + route.path, headers)
        etag = response_headers.get("ETag")
        if status != 200 or not etag:
            raise SystemExit(f"{route.name}: no ETag from a first GET (status {status})")
        headers["If-None-Match"] = etag
    if route.expect_status is not None and route.method == "GET":
        status, _, _ = fetch(base_url + route.path, headers)
        if status != route.expect_status:
            raise SystemExit(f"{route.name}: expected {route.expect_status}, got {status}")
    command = [
        "wrk", "--latency", "-t", str(args.threads), "-c", str(args.connections),
        "-d", f"{args.duration}s", "--timeout", "10s", "-s", str(LUA_SCRIPT),
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(base_url + route.path)
    env = dict(os.environ, BENCH_METHOD=route.method, BENCH_BODY=body or "", BENCH_PATHS="",
               BENCH_NONCE="")
    if route.paths is not None:
        paths_file = (workdir or Path(tempfile.gettempdir())) / f"paths-{secrets.token_hex(4)}.txt"
        paths_file.write_text("\n".join(route.paths(random.Random(2016))) + "\n", encoding="utf-8")
        env["BENCH_PATHS"] = str(paths_file)
    if route.fresh_email:
        env["BENCH_NONCE"] = secrets.token_hex(4)
    result = subprocess.run(command, capture_output=True, text=True, env=env,
                            timeout=args.duration + 30)
    output = result.stdout
    if result.returncode != 0 or "Requests/sec" not in output:
        raise SystemExit(f"wrk failed for {route.name}:\n{output}{result.stderr}")
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", output, re.MULTILINE))
    non_ok = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    inspected = re.search(r"^bench: 5xx (\d+), locked (\d+)$", output, re.MULTILINE)
    return Measure(
        name=route.name,
        requests_per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        p50_ms=_milliseconds(latency["50"]),
        p99_ms=_milliseconds(latency["99"]),
        requests=int(re.search(r"(\d+) requests in", output).group(1)),
        non_2xx_3xx=int(non_ok.group(1)) if non_ok else 0,
        errors=sum(int(value) for value in errors.groups()) if errors else 0,
        server_errors=int(inspected.group(1)) if inspected else 0,
        locked=int(inspected.group(2)) if inspected else 0,
    )


def _pad(text: str, width: int) -> str:
    """Left-align text in a terminal column; CJK characters take two cells."""
    cells = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
    return text + " " * max(width - cells, 0)


def _ratio(pair: tuple[Measure, float]) -> float:
    measure, baseline = pair
    return measure.requests_per_second / (baseline or 1.0)


def median_round(pairs: list[tuple[Measure, float]]) -> tuple[Measure, float, str]:
    """Of several rounds of one route (each with its /healthz neighbour): the round with the
    median ratio, carrying the failed answers of every round (a failure in any round must
    show), and the lowest and highest ratio ("" for a single round)."""
    ordered = sorted(pairs, key=_ratio)
    measure, baseline = ordered[(len(ordered) - 1) // 2]
    shown = replace(
        measure,
        server_errors=sum(item.server_errors for item, _ in pairs),
        locked=sum(item.locked for item, _ in pairs),
        non_2xx_3xx=sum(item.non_2xx_3xx for item, _ in pairs),
        errors=sum(item.errors for item, _ in pairs),
    )
    spread = f"{_ratio(ordered[0]):.1%}–{_ratio(ordered[-1]):.1%}" if len(pairs) > 1 else ""
    return shown, baseline, spread


def print_table(rows: list[tuple[Measure, float, str]], label: str) -> None:
    """One line per route with its ratio to the /healthz run made just before it (with
    several rounds: the median round, and the range of the rounds' ratios)."""
    print(f"\n{label}")
    spreads = any(spread for _measure, _baseline, spread in rows)
    header = (f"{'route':<34} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'/healthz req/s':>15} "
              f"{'ratio':>7}" + (f" {'range':>13}" if spreads else "")
              + f" {'5xx':>5} {'locked':>6} {'other':>6}")
    print(header)
    print("-" * len(header))
    for measure, baseline, spread in rows:
        ratio = _ratio((measure, baseline))
        print(
            f"{_pad(measure.name, 34)} {measure.requests_per_second:>9.1f} {measure.p50_ms:>8.2f} "
            f"{measure.p99_ms:>8.2f} {baseline:>15.1f} {ratio:>7.1%}"
            + (f" {spread:>13}" if spreads else "")
            + f" {measure.server_errors:>5} {measure.locked:>6} {measure.other_errors:>6}"
        )
    print("5xx: server errors; locked: answers that mention \"database is locked\"; other: "
          "socket errors and other non-2xx/3xx answers. Rows marked fresh are served with "
          "PAGE_CACHE=0.")


def cold_render_cpu(env: dict[str, str], repeat: int) -> None:
    """CPU time of the event page with empty caches, in a fresh process (no server load)."""
    result = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("cold_render.py")), "--repeat", str(repeat)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    print("\nCPU time (time.process_time, 300-session agenda, caches emptied each time)")
    sys.stdout.write(result.stdout)
    if result.returncode != 0:
        sys.stderr.write(result.stderr)


def prepare_registration(
    base_url: str, email: str = "bench.registration@example.org"
) -> tuple[dict[str, str], str]:
    """Cookie, CSRF token and a filled-in form for the registration POST route.

    With email="__EMAIL__" the Lua script puts a new address into every request, and the
    attendance mode alternates between on-site and online (both have seats left).
    """
    from urllib.parse import urlencode

    url = base_url + "/events/benchmark-congress/register"
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"not a loopback URL: {url}")
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (checked above)
        status, body = response.status, response.read()
        # Several Set-Cookie headers (a cleared remember_token comes first): take the session's.
        cookies = [value.split(";", 1)[0] for value in response.headers.get_all("Set-Cookie") or []]
    cookie = next((c for c in cookies if "session=" in c and not c.endswith("=")), "")
    match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body)
    if status != 200 or match is None or not cookie:
        raise SystemExit(f"registration POST: no form, CSRF token or cookie (status {status})")
    form = {
        "csrf_token": match.group(1).decode(),
        "first_name": "Bench",
        "last_name": "Mark",
        "email": email,
        "organisation_name": "Benchmark GmbH",
        "organisation_id": "",
        "city_id": "other",
        "city_other": "Foshan",
        "participant_type": "company",
        "attendance_mode": "__MODE__" if email == "__EMAIL__" else "online",
        "preferred_language": "en",
        "consent_privacy": "y",
    }
    headers_out = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    # urlencode would quote the placeholders' underscores; keep them as they are.
    return headers_out, urlencode(form).replace("%5F", "_")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true",
                        default=os.environ.get("BENCH_POSTGRES", "") not in ("", "0"),
                        help="use PostgreSQL database 'bench' instead of SQLite")
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE", POSTGRES_DATABASE),
                        help="with --postgres: the database to empty and use (default bench)")
    parser.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_DURATION", "10")),
                        help="seconds of load per route (default 10)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=20, help="cold renders to time")
    parser.add_argument("--rounds", type=int, default=1,
                        help="run /healthz and each route in turn this many times; the table "
                             "shows the median round and the range of the ratios")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    parser.add_argument("--only", action="append", default=[], metavar="TEXT",
                        help="measure only the rows whose name contains TEXT (repeatable; "
                             "/healthz always runs) and skip the in-process timings")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian package wrk)")

    workdir = Path(tempfile.mkdtemp(prefix="eventapp-bench-"))
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    if args.postgres:
        database_url = prepare_postgres(args.database)
        label = "PostgreSQL"
    else:
        database_url = f"sqlite:///{workdir / 'bench.sqlite'}"
        label = "SQLite"
    env = app_environment(database_url, port, workdir)
    flask = [sys.executable, "-m", "flask"]
    servers: list[subprocess.Popen] = []
    # The rows marked fresh go to a second server on its own port whose page caches are
    # off: a setting of the environment, not something a request can ask for.
    fresh_port = free_port()
    fresh_url = f"http://127.0.0.1:{fresh_port}"
    try:
        run_step("flask db upgrade", [*flask, "db", "upgrade", "heads"], env, timeout=300)
        run_step("flask demo load --large", [*flask, "demo", "load", "--large"], env, timeout=1800)
        for server_port, server_env in ((port, env), (fresh_port, dict(env, PAGE_CACHE="0"))):
            servers.append(subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--workers", str(args.workers),
                 "--worker-class", "sync", "--bind", f"127.0.0.1:{server_port}",
                 "--log-level", "warning", "--timeout", "60", "wsgi:app"],
                cwd=ROOT, env=server_env, start_new_session=True,
            ))
        wait_until_up(base_url, servers[0])
        wait_until_up(fresh_url, servers[1])
        for route in ROUTES:  # warm both workers' caches and connection pools
            for _ in range(4 * args.workers):
                fetch((fresh_url if route.fresh else base_url) + route.path)
        rows = []
        # /healthz runs right before every route: on a shared machine the load drifts
        # during a run, and each ratio compares two neighbouring measurements.
        baseline_route = ROUTES[0]
        for route in ROUTES:
            if args.only and route is not baseline_route and not any(
                text in route.name for text in args.only
            ):
                continue
            pairs = []
            rounds = 1 if route is baseline_route else max(args.rounds, 1)
            for number in range(rounds):
                print(f"… wrk {baseline_route.name}, then {route.name} ({args.duration} s each"
                      + (f", round {number + 1} of {rounds})" if rounds > 1 else ")"),
                      flush=True)
                baseline = run_wrk(baseline_route, base_url, args)
                measure = baseline if route is baseline_route else run_wrk(
                    route, fresh_url if route.fresh else base_url, args, workdir)
                pairs.append((measure, baseline.requests_per_second))
            rows.append(median_round(pairs))
        print_table(rows, f"{label}, gunicorn {args.workers} sync workers, wrk "
                          f"-t{args.threads} -c{args.connections} -d{args.duration}s")
    finally:
        for server in servers:
            stop(server)
    if not args.only:
        cold_render_cpu(env, args.repeat)
    if args.keep:
        print(f"\nscratch directory kept: {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
