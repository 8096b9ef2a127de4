-- Support: tickets and their threads, attachments stored once per content hash, call
-- requests, feedback, notifications, and the knowledge base. Timestamps in Unix ms.
CREATE TABLE support_tickets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id INTEGER NOT NULL,
    customer_name TEXT NOT NULL,
    title TEXT NOT NULL CHECK (length(trim(title)) > 0),
    description TEXT NOT NULL,
    category TEXT NOT NULL,
    priority TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    status TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'waiting', 'resolved', 'closed')),
    assignee_id INTEGER,
    assignee_name TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    -- The first reply by staff (not an internal note), for the first-response target.
    first_response_at INTEGER,
    resolved_at INTEGER
);
CREATE INDEX support_tickets_customer ON support_tickets (customer_id, updated_at);
CREATE INDEX support_tickets_queue ON support_tickets (status, assignee_id);

CREATE TABLE support_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id INTEGER NOT NULL REFERENCES support_tickets (id),
    author_id INTEGER NOT NULL,
    author_name TEXT NOT NULL,
    staff INTEGER NOT NULL CHECK (staff IN (0, 1)),
    -- Never shown to the customer.
    internal INTEGER NOT NULL DEFAULT 0 CHECK (internal IN (0, 1)),
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX support_messages_ticket ON support_messages (ticket_id, id);

-- One copy of each file's bytes, whoever attached it how often.
CREATE TABLE support_blobs (
    hash TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE support_attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id INTEGER NOT NULL REFERENCES support_tickets (id),
    message_id INTEGER NOT NULL REFERENCES support_messages (id),
    name TEXT NOT NULL,
    mime TEXT NOT NULL,
    size INTEGER NOT NULL,
    hash TEXT NOT NULL REFERENCES support_blobs (hash),
    created_at INTEGER NOT NULL
);
CREATE INDEX support_attachments_message ON support_attachments (message_id);

CREATE TABLE support_calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id INTEGER,
    customer_id INTEGER NOT NULL,
    customer_name TEXT NOT NULL,
    phone TEXT NOT NULL,
    -- NULL: as soon as possible.
    at INTEGER,
    note TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('pending', 'done')),
    outcome TEXT NOT NULL DEFAULT '',
    done_by TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX support_calls_status ON support_calls (status, created_at);

-- Once per ticket.
CREATE TABLE support_feedback (
    ticket_id INTEGER PRIMARY KEY REFERENCES support_tickets (id),
    customer_id INTEGER NOT NULL,
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);

CREATE TABLE support_notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL,
    ticket_id INTEGER,
    text TEXT NOT NULL,
    read INTEGER NOT NULL DEFAULT 0 CHECK (read IN (0, 1)),
    created_at INTEGER NOT NULL
);
CREATE INDEX support_notifications_user ON support_notifications (user_id, read, id);

CREATE TABLE support_articles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL CHECK (length(trim(title)) > 0),
    category TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    body TEXT NOT NULL,
    author_name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
-- The search index of articles (rowid = article id), written with the article. PostgreSQL
-- keeps a tsvector column on support_articles instead.
CREATE VIRTUAL TABLE support_kb_search USING fts5 (title, body, tokenize = 'unicode61 remove_diacritics 2');
