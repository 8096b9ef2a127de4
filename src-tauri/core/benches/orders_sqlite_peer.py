"""Raw SQLite peer of the order path benchmark (benches/orders.rs): the limit.

Runs the order path's statements through Python's sqlite3 on a Portdesk store that the bench
has migrated and seeded (same schema, indexes and constraints), with the portal store's
pragmas (WAL, synchronous=NORMAL, foreign_keys=ON, busy_timeout=5000) and its checkpoints
(none inside a commit, wal_autocheckpoint=0; a thread with its own connection runs a passive
checkpoint every 50 ms after writes, as `store::SqliteWriter` does). Per order, one
transaction: the conditional stock UPDATE ... RETURNING, INSERT order ... RETURNING id,
INSERT line, INSERT the confirmation into mail_outbox (the subject, text and HTML that
Portdesk rendered for its first order), INSERT the audit row. When the stock reached the
reorder level and no request is open, the request is raised as the app does (request, two
outbox rows, their links, an audit row). No template rendering, no settings read: what
SQLite itself allows (plus Python's own few microseconds a statement).

    python3 orders_sqlite_peer.py STORE.db BODY.json

prints "ready", then for each line "N" on stdin places the next N orders and prints
"<wall seconds> <CPU seconds>" for them; for "done" (or end of input) prints
{"orders", "raised", "latencies": [seconds, ...]} as JSON and exits.
"""

import json
import os
import sqlite3
import sys
import threading
import time

db_path, body_path = sys.argv[1], sys.argv[2]
with open(body_path, encoding="utf-8") as f:
    body = json.load(f)

db = sqlite3.connect(db_path, isolation_level=None)  # explicit BEGIN / COMMIT
db.execute("PRAGMA foreign_keys = ON")
db.execute("PRAGMA busy_timeout = 5000")
db.execute("PRAGMA synchronous = NORMAL")
mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
assert mode.lower() == "wal", mode
db.execute("PRAGMA wal_autocheckpoint = 0")
wrote = threading.Event()


def checkpointer():
    """The store writer's checkpoints: passive, off the commit path (see the docstring)."""
    c = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    c.execute("PRAGMA busy_timeout = 5000")
    while True:
        time.sleep(0.05)
        if wrote.is_set():
            wrote.clear()
            c.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()


threading.Thread(target=checkpointer, daemon=True).start()

products = [r[0] for r in db.execute("SELECT id FROM products ORDER BY id")]
actor_id, actor = db.execute(
    "SELECT id, email FROM users WHERE email = 'wendy@example.com'"
).fetchone()
customer_id, customer_email, customer_name, code = db.execute(
    "SELECT id, email, erp_customer, erp_customer_code FROM users WHERE role = 'customer'"
).fetchone()
team = json.dumps(
    [r[0] for r in db.execute("SELECT email FROM users WHERE role = 'procurement' ORDER BY id")]
)
to_customer = json.dumps([customer_email])
to_supplier = json.dumps(["orders@techparts.example"])


def money(cents):
    return f"{cents // 100}.{cents % 100:02}"


def now_ms():
    return int(time.time() * 1000)


def message_id():
    return f"<{os.urandom(16).hex()}@portdesk>"


OUTBOX = (
    "INSERT INTO mail_outbox (idempotency_key, kind, recipients, subject, body_text, body_html, "
    "message_id, status, attempts, next_attempt_at, created_at, updated_at, secret, secret_expires_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?, ?, NULL, NULL) "
    "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id"
)
AUDIT = (
    "INSERT INTO audit_log (at, actor_id, actor, action, target_type, target_id, detail) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)

placed = 0
raised = 0
latencies = []


def place(i):
    """Order number i (0-based), one unit of the i-th product in turn."""
    global raised
    product = products[i % len(products)]
    now = now_ms()
    db.execute("BEGIN")
    rows = db.execute(
        "UPDATE products SET stock = stock - ?, updated_at = ? "
        "WHERE id = ? AND active = 1 AND stock >= ? "
        "RETURNING sku, name, unit_price, stock, reorder_level, reorder_quantity, pack_size, supplier_id",
        (1, now, product, 1),
    ).fetchall()
    if not rows:
        db.execute("ROLLBACK")
        sys.exit(f"product {product} ran out of stock")
    sku, name, price, stock, level, reorder_q, _pack, supplier_id = rows[0]
    order_id = db.execute(
        "INSERT INTO orders (customer_id, customer_name, erp_customer_code, placed_by, placed_by_name, "
        "status, total, note, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, 'placed', ?, NULL, ?, ?) RETURNING id",
        (customer_id, customer_name, code, actor_id, actor, price, now, now),
    ).fetchall()[0][0]
    db.execute(
        "INSERT INTO order_lines (order_id, line_no, product_id, sku, name, quantity, unit_price, line_total) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (order_id, 1, product, sku, name, 1, price, price),
    )
    note = ""
    if stock <= level and not db.execute(
        "SELECT id FROM procurement_requests WHERE product_id = ? AND status IN ('open', 'ordered')",
        (product,),
    ).fetchall():
        quantity = max(reorder_q, level - stock)
        req = db.execute(
            "INSERT INTO procurement_requests (product_id, supplier_id, quantity, stock_at_trigger, status, "
            "cannot_notify, order_id, created_at, updated_at) VALUES (?, ?, ?, ?, 'open', 0, ?, ?, ?) RETURNING id",
            (product, supplier_id, quantity, stock, order_id, now, now),
        ).fetchall()[0][0]
        for kind, key, to in (
            ("procurement_request", f"procurement-request:{req}", to_supplier),
            ("low_stock_alert", f"low-stock:{req}", team),
        ):
            mail = db.execute(
                OUTBOX,
                (key, kind, to, body["subject"], body["text"], body["html"], message_id(), now, now, now),
            ).fetchall()[0][0]
            db.execute(
                "INSERT INTO procurement_mail (request_id, mail_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (req, mail),
            )
        db.execute(
            AUDIT,
            (now, actor_id, actor, "procurement.raise", "procurement_request", str(req),
             f"{sku} {name}: stock {stock} at or below level {level}; request for {quantity}"),
        )
        note = f"; raised PROC-{req:06}"
        raised += 1
    number = f"ORD-{order_id:06}"
    db.execute(
        OUTBOX,
        (f"order-confirmation:{order_id}", "order_confirmation", to_customer, body["subject"],
         body["text"], body["html"], message_id(), now, now, now),
    ).fetchall()
    db.execute(
        AUDIT,
        (now, actor_id, actor, "order.place", "order", str(order_id),
         f"{number} for {customer_name}: 1 line(s), total {money(price)}{note}"),
    )
    db.execute("COMMIT")
    wrote.set()


print("ready", flush=True)
for cmd in sys.stdin:
    cmd = cmd.strip()
    if cmd == "done":
        break
    n = int(cmd)
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(placed, placed + n):
        t = time.perf_counter()
        place(i)
        latencies.append(time.perf_counter() - t)
    placed += n
    print(f"{time.perf_counter() - t0} {time.process_time() - c0}", flush=True)
db.close()
print(json.dumps({"orders": placed, "raised": raised, "latencies": latencies}), flush=True)
