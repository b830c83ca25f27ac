"""Load test of the community grocery API on PostgreSQL: 50 households browsing and ordering.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bonnebouffe_grocery_bench \\
        python bench/grocery_load.py [--duration 60] [--users 50]

What it does:
1. Needs DATABASE_URL on PostgreSQL (SQLite is refused: its single writer would measure the
   file lock, not the app). If the database holds no demo network it runs `migrate` and
   `demo_generate --scale province --no-stock` (1,200 agencies, 2,000 households, 5,000
   grocery products of which about 300 are stocked); later runs reuse it.
2. Sets up, idempotently, 50 bench household accounts `bench.menage.01`..`50` (households
   `BENCH-NN` served by the demo grocery "Épicerie solidaire de Valleyfield"; a quarter without
   a card, the others with cards at the regular, reduced and pay-it-forward tiers), a fresh API
   token each, an open order window at the store if none is open any more, and 5 scarce
   products (3 units each on hand) that the users race for. Orders left open by an earlier run
   are cancelled first (through `order_cancel`), so each run starts from the same stock.
3. Starts the app itself on 127.0.0.1 on a free port, as production serves it: gunicorn
   (sync workers: one request at a time per process, no keep-alive) around
   `config.wsgi.application`, with `config.settings.local` and DEBUG=0, `--workers` processes
   (default 2 x cores + 1, gunicorn's advice: workers wait on PostgreSQL part of the time)
   and `DB_CONN_MAX_AGE` from `--conn-max-age` (default: the environment's, else 60 as in
   production). A thin WSGI wrapper in each worker adds `Server-Timing: app;dur=<ms>` to each
   response (the app sets no such header): the time from the request entering Django to the
   response being ready, middleware, authentication, view and queries included; HTTP parsing,
   socket I/O and waiting in the listen queue excluded (the client time includes them). The
   server is stopped at the end whatever happens.
4. Load, no new dependency (plain threads and http.client, one connection at a time and one
   Bearer token per user): all users first place, at the same instant, an order for one unit
   of a scarce product (the race); then, until `--duration` seconds are up, each loops:
   GET /api/grocery/windows, 1-3 GET /api/grocery/catalogue?window_id=..&page=N (random pages,
   30 % with q=), then places an order of 1-4 available products it saw (35 % with a scarce
   product too), or changes (PUT) or cancels one of its open orders, or lists its orders.
   Each user waits `--think-min`..`--think-max` seconds (default 0.5-2 s) between requests, as
   a person does. Every loop is bounded in time and in count (`--max-requests` per user).
   A 422 "not enough" (stock taken by others) is the expected business answer, not an error;
   errors are 5xx, connection failures and any other unexpected status.
5. After the run, from the database: every ProductStock row must have reserved_g <= on hand at
   its site (`product_onhand_g`) and equal the sum of the open (placed or ready) orders' lines
   for that product and site; no inventory Balance may be negative. oversold = violations.

Output: p50/p95 per endpoint, server time (Server-Timing) and client time on loopback (an
upper bound of server time: queueing in the server and the client's own threads add to it),
then last line `grocery: users=50 p95_ms=<p95 server time, all requests> errors=<n>
oversold=<n>`.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

TOKEN_NAME = "bench grocery"
N_SCARCE = 5
SCARCE_UNITS = 3
SEARCH_WORDS = ["pommes", "tofu", "lait", "riz", "format 7", "soupe", "conserve", "pain"]
EXPECTED_422 = ("not enough", "pas assez")


def database_url_or_exit() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit(
            "grocery_load: set DATABASE_URL to a PostgreSQL database, e.g. "
            "postgres://postgres@127.0.0.1:5432/bonnebouffe_grocery_bench"
        )
    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        sys.exit(
            "grocery_load: DATABASE_URL must be PostgreSQL; SQLite (one writer at a time) "
            "cannot carry 50 concurrent households and would measure its file lock."
        )
    return url


# --- the server child ---------------------------------------------------------------------


def timed_application() -> Any:
    """The app, wrapped to add `Server-Timing: app;dur=<ms>` (loaded by gunicorn's workers)."""
    import django

    django.setup()
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()

    def timed(environ: dict[str, Any], start_response: Any) -> Any:
        started = time.perf_counter()
        captured: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured[:] = [status, headers, exc_info]
            return lambda _data: None  # Django never uses the write() callable

        result = app(environ, capture)
        ms = (time.perf_counter() - started) * 1000
        status, headers, exc_info = captured
        start_response(status, [*headers, ("Server-Timing", f"app;dur={ms:.2f}")], exc_info)
        return result

    return timed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_start(conn_max_age: int, workers: int, log: Path) -> tuple[subprocess.Popen[str], int]:
    """gunicorn (the production server) with `workers` sync worker processes."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DEBUG="0",
        DB_CONN_MAX_AGE=str(conn_max_age),
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT), str(ROOT / "bench")]),
    )
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "grocery_load:timed_application()",
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers}",
            "--worker-class=sync",
            "--backlog=2048",
            "--timeout=60",
            "--log-level=warning",
        ],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        cwd=ROOT,
        start_new_session=True,  # its own process group: stopped as one, with its workers
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # ready once a worker answers
        if proc.poll() is not None:
            break
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/grocery/windows")
            conn.getresponse().read()
            conn.close()
            return proc, port
        except OSError:
            time.sleep(0.3)
    server_stop(proc)
    sys.exit(f"grocery_load: the server did not start; see {log}")


def server_stop(proc: subprocess.Popen[str]) -> None:
    """Stop the server and its workers: its own process group (started for it)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # workers left behind, if any


# --- set-up -------------------------------------------------------------------------------


@dataclass
class Setup:
    tokens: list[str]
    scarce: list[int]
    n_products: int


def prepare(n_users: int) -> Setup:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from bonnebouffe.accounts.models import ApiToken, Membership, Role, User
    from bonnebouffe.accounts.services import api_token_create
    from bonnebouffe.demo.services import NETWORK_SLUG
    from bonnebouffe.grocery.demo import GROCERY_NAME
    from bonnebouffe.grocery.models import (
        MemberCard,
        Order,
        OrderStatus,
        OrderWindow,
        PointKind,
        PointOfSale,
        PriceTier,
        Product,
        ProofKind,
        SoldBy,
    )
    from bonnebouffe.grocery.selectors import product_onhand_g, window_list_open
    from bonnebouffe.grocery.services import card_issue, order_cancel, product_stock_receive
    from bonnebouffe.households.models import Household
    from bonnebouffe.inventory.models import DateKind
    from bonnebouffe.network.models import Network, Organisation

    t0 = time.perf_counter()
    print("migrating…", flush=True)
    call_command("migrate", verbosity=0)
    if not Network.objects.filter(slug=NETWORK_SLUG).exists():
        print("building the province-scale demo (5,000 grocery products)…", flush=True)
        call_command("demo_generate", "--scale", "province", "--no-stock", verbosity=1)
        print(f"  built in {time.perf_counter() - t0:.0f} s", flush=True)
    network = Network.objects.get(slug=NETWORK_SLUG)
    grocery = Organisation.objects.get(network=network, name=GROCERY_NAME)
    store = PointOfSale.objects.get(grocery=grocery, kind=PointKind.STORE)
    now = timezone.now()

    # Start from the same stock: cancel what earlier runs left open.
    left = list(
        Order.objects.filter(
            household__reference__startswith="BENCH-",
            status__in=(OrderStatus.PLACED, OrderStatus.READY),
        )
    )
    for order in left:
        order_cancel(order=order, by_staff=True)
    if left:
        print(f"cancelled {len(left)} orders left open by an earlier run", flush=True)

    # Keep an order window open (the demo's close over the week after it was built).
    if not window_list_open(network_id=network.pk).filter(closes_at__gt=now + timedelta(hours=2)):
        day = timezone.localtime(now) + timedelta(days=2)
        pickup = day.replace(hour=13, minute=0, second=0, microsecond=0)
        OrderWindow.objects.create(
            point=store,
            opens_at=now - timedelta(hours=1),
            closes_at=pickup - timedelta(hours=17),
            pickup_starts_at=pickup,
            pickup_ends_at=pickup + timedelta(hours=5),
        )
        print("opened an order window at the store", flush=True)

    # 50 household accounts with cards in every tier, and a fresh token each.
    tiers = list(PriceTier.objects.filter(network=network).order_by("position"))
    tokens: list[str] = []
    for i in range(1, n_users + 1):
        user, created = User.objects.get_or_create(
            username=f"bench.menage.{i:02d}", defaults={"first_name": f"Banc {i:02d}"}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        Membership.objects.get_or_create(user=user, organisation=grocery, role=Role.HOUSEHOLD)
        household, _c = Household.objects.get_or_create(
            reference=f"BENCH-{i:02d}",
            defaults={
                "agency": grocery,
                "size": 1 + i % 5,
                "municipality": grocery.municipality,
                "user": user,
                "consent_at": now,
            },
        )
        tier = tiers[i % len(tiers)]
        card = MemberCard.objects.filter(household=household).first()
        if i % 4 and (card is None or card.tier_expires_on < timezone.localdate()):
            proof = {
                "regular": ProofKind.NONE,
                "reduced": ProofKind.DOCUMENT_SEEN,
            }.get(tier.kind, ProofKind.SELF_DECLARED)
            card_issue(household=household, tier=tier, proof_kind=proof, actor=None)
        ApiToken.objects.filter(user=user, name=TOKEN_NAME).delete()
        _token, secret = api_token_create(user=user, name=TOKEN_NAME)
        tokens.append(secret)

    # Scarce products: 5 fixed products sold by the unit, 3 units on hand each.
    scarce = list(
        Product.objects.filter(
            network=network, is_active=True, sold_by=SoldBy.UNIT, sku__gte="P04901"
        ).order_by("sku")[:N_SCARCE]
    )
    site = store.stock_site
    for product in scarce:
        want = int(product.unit_weight_g or 0) * SCARCE_UNITS
        have = product_onhand_g(product_id=product.pk, site_id=site.pk)
        if have < want:
            product_stock_receive(
                product=product,
                site=site,
                quantity_g=want - have,
                date_kind=DateKind.BEST_BEFORE,
                date_value=timezone.localdate() + timedelta(days=300),
            )
    with connection.cursor() as cursor:  # fresh planner statistics, as autovacuum would give
        cursor.execute("ANALYZE")
    n_products = Product.objects.filter(network=network, is_active=True).count()
    print(
        f"set up in {time.perf_counter() - t0:.0f} s: {n_users} households, {n_products} "
        f"products, scarce {[p.sku for p in scarce]} ({SCARCE_UNITS} units each)",
        flush=True,
    )
    return Setup(tokens=tokens, scarce=[p.pk for p in scarce], n_products=n_products)


# --- load ---------------------------------------------------------------------------------


@dataclass
class Sample:
    label: str
    status: int  # 0: connection failure
    client_ms: float
    server_ms: float | None
    error: bool


@dataclass
class User:
    port: int
    token: str
    rng: random.Random
    deadline: float
    max_requests: int
    think: tuple[float, float]
    samples: list[Sample] = field(default_factory=list)
    orders: list[int] = field(default_factory=list)
    seen: dict[int, dict[str, Any]] = field(default_factory=dict)
    conn: http.client.HTTPConnection | None = None

    def call(
        self, label: str, method: str, path: str, body: Any = None, ok: tuple[int, ...] = (200,)
    ) -> tuple[int, Any]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Authorization": f"Bearer {self.token}", "Accept-Language": "fr-ca"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            self.samples.append(
                Sample(label, 0, (time.perf_counter() - started) * 1000, None, True)
            )
            return 0, None
        client_ms = (time.perf_counter() - started) * 1000
        timing = response.getheader("Server-Timing") or ""
        server_ms = float(timing.split("dur=")[1]) if "dur=" in timing else None
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = None
        expected = response.status in ok or (
            response.status == 422
            and any(w in raw.decode(errors="replace").lower() for w in EXPECTED_422)
        )
        self.samples.append(Sample(label, response.status, client_ms, server_ms, not expected))
        return response.status, payload

    def pause(self) -> None:
        time.sleep(max(0.0, min(self.rng.uniform(*self.think), self.deadline - time.monotonic())))

    def lines(self, scarce: list[int], with_scarce: bool) -> list[dict[str, int]]:
        pool = [p for p in self.seen.values() if p["available"] > 0]
        picked = self.rng.sample(pool, min(len(pool), self.rng.randint(1, 4)))
        lines = []
        for p in picked:
            if p["sold_by"] == "unit":
                lines.append({"product_id": p["id"], "units": self.rng.randint(1, 2)})
            elif p["available"] >= 250:
                grams = self.rng.randrange(250, min(p["available"], 2000) + 1, 50)
                lines.append({"product_id": p["id"], "grams": grams})
        if with_scarce or not lines:
            lines.append({"product_id": self.rng.choice(scarce), "units": 1})
        return lines

    def run(self, setup: Setup, race: threading.Barrier) -> None:
        pages = max(1, math.ceil(setup.n_products / 60))
        try:
            _s, windows = self.call("GET /windows", "GET", "/api/grocery/windows")
            if not windows:
                return
            window = self.rng.choice(windows)["id"]
            race.wait(timeout=60)
            # The race: everybody wants the last units of a scarce product at once.
            status, order = self.call(
                "POST /orders (race)",
                "POST",
                "/api/grocery/orders",
                {
                    "window_id": window,
                    "lines": [{"product_id": self.rng.choice(setup.scarce), "units": 1}],
                    "delivery_address": "1 rue du Banc, Salaberry-de-Valleyfield",
                },
                ok=(201,),
            )
            if status == 201:
                self.orders.append(order["id"])
            n = 0
            while time.monotonic() < self.deadline and len(self.samples) < self.max_requests:
                n += 1
                self.pause()
                _s, windows = self.call("GET /windows", "GET", "/api/grocery/windows")
                if windows:
                    window = self.rng.choice(windows)["id"]
                for _p in range(self.rng.randint(1, 3)):
                    if time.monotonic() >= self.deadline:
                        return
                    self.pause()
                    path = f"/api/grocery/catalogue?window_id={window}"
                    if self.rng.random() < 0.3:
                        word = self.rng.choice(SEARCH_WORDS).replace(" ", "+")
                        label, path = "GET /catalogue?q=", f"{path}&q={word}"
                    else:
                        label = "GET /catalogue"
                        path = f"{path}&page={self.rng.randint(1, pages)}"
                    _s, products = self.call(label, "GET", path)
                    for p in products or []:
                        self.seen[p["id"]] = p
                if time.monotonic() >= self.deadline:
                    return
                self.pause()
                r = self.rng.random()
                if r < 0.55 or not self.orders:
                    status, order = self.call(
                        "POST /orders",
                        "POST",
                        "/api/grocery/orders",
                        {
                            "window_id": window,
                            "lines": self.lines(setup.scarce, self.rng.random() < 0.35),
                            "delivery_address": "1 rue du Banc, Salaberry-de-Valleyfield",
                        },
                        ok=(201,),
                    )
                    if status == 201:
                        self.orders.append(order["id"])
                elif r < 0.75:
                    oid = self.rng.choice(self.orders)
                    self.call(
                        "PUT /orders/{id}",
                        "PUT",
                        f"/api/grocery/orders/{oid}",
                        {"lines": self.lines(setup.scarce, self.rng.random() < 0.2)},
                    )
                elif r < 0.9:
                    oid = self.orders.pop(self.rng.randrange(len(self.orders)))
                    self.call(
                        "POST /orders/{id}/cancel", "POST", f"/api/grocery/orders/{oid}/cancel"
                    )
                else:
                    self.call("GET /orders", "GET", "/api/grocery/orders")
        finally:
            if self.conn is not None:
                self.conn.close()


def baseline(port: int, setup: Setup, rounds: int = 10) -> list[Sample]:
    """One user alone, no pause: the cost of each request without queueing (not recorded
    in the load figures). The first round warms the code paths up and is dropped."""
    user = User(port, setup.tokens[0], random.Random(0), time.monotonic() + 60, 1000, (0, 0))
    pages = max(1, math.ceil(setup.n_products / 60))
    for i in range(rounds + 1):
        _s, windows = user.call("GET /windows", "GET", "/api/grocery/windows")
        if not windows:
            break
        window = windows[0]["id"]
        path = f"/api/grocery/catalogue?window_id={window}"
        _s, products = user.call(
            "GET /catalogue", "GET", f"{path}&page={user.rng.randint(1, pages)}"
        )
        word = user.rng.choice(SEARCH_WORDS).replace(" ", "+")
        user.call("GET /catalogue?q=", "GET", f"{path}&q={word}")
        for p in products or []:
            user.seen[p["id"]] = p
        body = {
            "window_id": window,
            "lines": user.lines(setup.scarce, False),
            "delivery_address": "1 rue du Banc, Salaberry-de-Valleyfield",
        }
        status, order = user.call("POST /orders", "POST", "/api/grocery/orders", body, ok=(201,))
        if status == 201:
            user.call(
                "PUT /orders/{id}",
                "PUT",
                f"/api/grocery/orders/{order['id']}",
                {"lines": user.lines(setup.scarce, False)},
            )
            user.call(
                "POST /orders/{id}/cancel", "POST", f"/api/grocery/orders/{order['id']}/cancel"
            )
        if i == 0:
            user.samples.clear()
    if user.conn is not None:
        user.conn.close()
    return user.samples


def load(port: int, setup: Setup, args: argparse.Namespace) -> tuple[list[Sample], float]:
    started = time.monotonic()
    deadline = started + args.duration
    race = threading.Barrier(len(setup.tokens))
    users = [
        User(
            port,
            tok,
            random.Random(1000 + i),
            deadline,
            args.max_requests,
            (args.think_min, args.think_max),
        )
        for i, tok in enumerate(setup.tokens)
    ]
    threads = [threading.Thread(target=u.run, args=(setup, race), daemon=True) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(1.0, deadline + 60 - time.monotonic()))
    elapsed = time.monotonic() - started
    return [s for u in users for s in u.samples], elapsed


# --- checks and report ----------------------------------------------------------------------


def oversold_check() -> int:
    from bonnebouffe.grocery.models import OrderLine, OrderStatus, PointKind, ProductStock
    from bonnebouffe.grocery.selectors import product_onhand_g
    from bonnebouffe.inventory.models import Balance

    expected: dict[tuple[int, int], int] = defaultdict(int)
    for row in OrderLine.objects.filter(
        order__status__in=(OrderStatus.PLACED, OrderStatus.READY)
    ).values(
        "product_id",
        "quantity_g",
        "order__reserved_on_board",
        "order__window__point__kind",
        "order__window__point__stock_site_id",
        "order__window__point__sale_site_id",
    ):
        on_board = (
            row["order__window__point__kind"] == PointKind.MOBILE_STOP
            and row["order__reserved_on_board"]
        )
        site = row[f"order__window__point__{'sale' if on_board else 'stock'}_site_id"]
        expected[(row["product_id"], site)] += row["quantity_g"]
    problems: list[str] = []
    seen = set()
    for stock in ProductStock.objects.all():
        key = (stock.product_id, stock.site_id)
        seen.add(key)
        onhand = product_onhand_g(product_id=stock.product_id, site_id=stock.site_id)
        if stock.reserved_g > onhand:
            problems.append(f"product {key}: reserved {stock.reserved_g} g > on hand {onhand} g")
        if stock.reserved_g != expected.get(key, 0):
            problems.append(
                f"product {key}: reserved {stock.reserved_g} g != open order lines "
                f"{expected.get(key, 0)} g"
            )
    problems += [
        f"product {k}: order lines but no reservation row" for k in expected if k not in seen
    ]
    negative = Balance.objects.filter(quantity_g__lt=0).count()
    if negative:
        problems.append(f"{negative} negative inventory balances")
    for p in problems[:10]:
        print(f"  OVERSOLD: {p}", flush=True)
    return len(problems)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(q * len(ordered)) - 1)], 1)


def report(samples: list[Sample], elapsed: float, users: int, oversold: int) -> None:
    by_label: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        by_label[s.label].append(s)
    print(f"{len(samples)} requests in {elapsed:.0f} s ({len(samples) / elapsed:.1f} req/s)")
    print(
        f"{'endpoint':<26}{'n':>6}  {'server p50':>10}{'p95':>8}  {'client p50':>10}{'p95':>8}"
        f"  statuses"
    )
    for label, group in sorted(by_label.items()):
        server = [s.server_ms for s in group if s.server_ms is not None]
        client = [s.client_ms for s in group]
        statuses: dict[int, int] = defaultdict(int)
        for s in group:
            statuses[s.status] += 1
        print(
            f"{label:<26}{len(group):>6}  {pct(server, 0.5):>10}{pct(server, 0.95):>8}  "
            f"{pct(client, 0.5):>10}{pct(client, 0.95):>8}  "
            + " ".join(f"{k}:{v}" for k, v in sorted(statuses.items()))
        )
    server_all = [s.server_ms for s in samples if s.server_ms is not None]
    client_all = [s.client_ms for s in samples]
    print(
        f"{'all':<26}{len(samples):>6}  {pct(server_all, 0.5):>10}{pct(server_all, 0.95):>8}  "
        f"{pct(client_all, 0.5):>10}{pct(client_all, 0.95):>8}"
    )
    refused = sum(1 for s in samples if s.status == 422 and not s.error)
    errors = sum(1 for s in samples if s.error)
    print(f"expected refusals (422 not enough stock): {refused}")
    print(
        f"grocery: users={users} p95_ms={pct(server_all, 0.95)} errors={errors} oversold={oversold}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--think-min", type=float, default=0.5)
    parser.add_argument("--think-max", type=float, default=2.0)
    parser.add_argument("--max-requests", type=int, default=2000, help="per user")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        help="DB_CONN_MAX_AGE of the server (default: the environment's, else production's 60)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=2 * (os.cpu_count() or 1) + 1,
        help="gunicorn sync workers (default 2 x cores + 1, gunicorn's advice)",
    )
    args = parser.parse_args()
    database_url_or_exit()
    args.duration = min(max(args.duration, 1.0), 900.0)

    import django

    django.setup()
    setup = prepare(args.users)
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"grocery_load_server_{os.getpid()}.log"
    proc, port = server_start(args.conn_max_age, args.workers, log)
    print(
        f"server on 127.0.0.1:{port} (gunicorn, DEBUG off, {args.workers} sync workers, "
        f"DB_CONN_MAX_AGE={args.conn_max_age}); "
        f"{args.users} users for {args.duration:.0f} s, think {args.think_min}-{args.think_max} s",
        flush=True,
    )
    try:
        alone = baseline(port, setup)
        samples, elapsed = load(port, setup, args)
    finally:
        server_stop(proc)
    from django.db import connection

    connection.close()
    oversold = oversold_check()
    if any(s.error for s in samples):
        tail = log.read_text(errors="replace").strip().splitlines()[-15:]
        print("server log tail:\n  " + "\n  ".join(tail), flush=True)
    by_label: dict[str, list[float]] = defaultdict(list)
    for smp in alone:
        if smp.server_ms is not None:
            by_label[smp.label].append(smp.server_ms)
    print(
        "one user alone, server p50 ms: "
        + ", ".join(f"{k} {pct(v, 0.5)}" for k, v in sorted(by_label.items())),
        flush=True,
    )
    errors_alone = sum(1 for smp in alone if smp.error)
    if errors_alone:
        print(f"  ({errors_alone} errors in the one-user run)", flush=True)
    report(samples, elapsed, args.users, oversold)


if __name__ == "__main__":
    main()
