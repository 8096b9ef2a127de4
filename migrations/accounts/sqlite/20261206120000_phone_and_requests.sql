-- A user's own phone number (their profile), optional.
ALTER TABLE users ADD COLUMN phone TEXT;
-- "Request an account" from the sign-in screen. A request never creates an account by
-- itself: an admin approves it (the account is created then, `user_id` links it) or rejects it
-- (`reason`). E-mails are stored lower-case; at most one pending request per e-mail.
CREATE TABLE account_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT,
    company TEXT NOT NULL,
    message TEXT,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    created_at INTEGER NOT NULL,
    decided_by INTEGER REFERENCES users (id),
    decided_at INTEGER,
    user_id INTEGER REFERENCES users (id),
    reason TEXT
);
CREATE UNIQUE INDEX account_requests_one_pending ON account_requests (lower(email)) WHERE status = 'pending';
CREATE INDEX account_requests_status ON account_requests (status, created_at);
