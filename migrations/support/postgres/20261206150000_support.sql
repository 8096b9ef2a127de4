-- Same shape as the SQLite migration of the same name (BIGINT so integers decode as i64);
-- search is a weighted tsvector column on support_articles. Support: tickets and their threads, attachments stored once per content hash, call
-- requests, feedback, notifications, and the knowledge base. Timestamps in Unix ms.
CREATE TABLE support_tickets (
    id BIGSERIAL PRIMARY KEY,
    customer_id BIGINT NOT NULL,
    customer_name TEXT NOT NULL,
    title TEXT NOT NULL CHECK (length(trim(title)) > 0),
    description TEXT NOT NULL,
    category TEXT NOT NULL,
    priority TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    status TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'waiting', 'resolved', 'closed')),
    assignee_id BIGINT,
    assignee_name TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    -- The first reply by staff (not an internal note), for the first-response target.
    first_response_at BIGINT,
    resolved_at BIGINT
);
CREATE INDEX support_tickets_customer ON support_tickets (customer_id, updated_at);
CREATE INDEX support_tickets_queue ON support_tickets (status, assignee_id);

CREATE TABLE support_messages (
    id BIGSERIAL PRIMARY KEY,
    ticket_id BIGINT NOT NULL REFERENCES support_tickets (id),
    author_id BIGINT NOT NULL,
    author_name TEXT NOT NULL,
    staff BIGINT NOT NULL CHECK (staff IN (0, 1)),
    -- Never shown to the customer.
    internal BIGINT NOT NULL DEFAULT 0 CHECK (internal IN (0, 1)),
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX support_messages_ticket ON support_messages (ticket_id, id);

-- One copy of each file's bytes, whoever attached it how often.
CREATE TABLE support_blobs (
    hash TEXT PRIMARY KEY,
    size BIGINT NOT NULL,
    bytes BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE support_attachments (
    id BIGSERIAL PRIMARY KEY,
    ticket_id BIGINT NOT NULL REFERENCES support_tickets (id),
    message_id BIGINT NOT NULL REFERENCES support_messages (id),
    name TEXT NOT NULL,
    mime TEXT NOT NULL,
    size BIGINT NOT NULL,
    hash TEXT NOT NULL REFERENCES support_blobs (hash),
    created_at BIGINT NOT NULL
);
CREATE INDEX support_attachments_message ON support_attachments (message_id);

CREATE TABLE support_calls (
    id BIGSERIAL PRIMARY KEY,
    ticket_id BIGINT,
    customer_id BIGINT NOT NULL,
    customer_name TEXT NOT NULL,
    phone TEXT NOT NULL,
    -- NULL: as soon as possible.
    at BIGINT,
    note TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('pending', 'done')),
    outcome TEXT NOT NULL DEFAULT '',
    done_by TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX support_calls_status ON support_calls (status, created_at);

-- Once per ticket.
CREATE TABLE support_feedback (
    ticket_id BIGINT PRIMARY KEY REFERENCES support_tickets (id),
    customer_id BIGINT NOT NULL,
    rating BIGINT NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);

CREATE TABLE support_notifications (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL,
    ticket_id BIGINT,
    text TEXT NOT NULL,
    read BIGINT NOT NULL DEFAULT 0 CHECK (read IN (0, 1)),
    created_at BIGINT NOT NULL
);
CREATE INDEX support_notifications_user ON support_notifications (user_id, read, id);

CREATE TABLE support_articles (
    id BIGSERIAL PRIMARY KEY,
    title TEXT NOT NULL CHECK (length(trim(title)) > 0),
    category TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    body TEXT NOT NULL,
    author_name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    search tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', body), 'B')
    ) STORED
);
CREATE INDEX support_articles_search ON support_articles USING GIN (search);
