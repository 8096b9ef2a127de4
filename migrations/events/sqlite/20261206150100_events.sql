-- The event bus's log: on a shared PostgreSQL store every desktop's listener reads the events
-- it has not seen (after a NOTIFY, a reconnect or every few seconds). Written on SQLite too, so
-- both stores keep the same tables; a SQLite store has one desktop, which emits at once.
CREATE TABLE portal_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    payload TEXT NOT NULL,
    -- The desktop (process) that published it: it emitted it already.
    origin TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
