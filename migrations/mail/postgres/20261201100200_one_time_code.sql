-- A one-time code never sits in a stored message body: the body keeps a placeholder and the
-- code waits in `secret` only until the message is sent, fails, is cancelled or the code
-- expires (`secret_expires_at`; set on every message that carries a code, also after the code
-- is cleared, so such a message is never copied or re-sent).
ALTER TABLE mail_outbox ADD COLUMN secret TEXT;
ALTER TABLE mail_outbox ADD COLUMN secret_expires_at BIGINT;

-- Reset messages queued before this migration hold their code in clear: remove it from the
-- stored copy; one still waiting is cancelled (the user asks for a new code).
UPDATE mail_outbox SET
    body_text = 'This stored copy held a one-time code; the code was removed.',
    body_html = NULL,
    secret_expires_at = created_at,
    status = CASE WHEN status IN ('queued', 'sending') THEN 'cancelled' ELSE status END,
    claimed_by = NULL,
    claimed_until = NULL
WHERE kind = 'password_reset';

CREATE INDEX mail_outbox_secret ON mail_outbox (secret_expires_at) WHERE secret IS NOT NULL;
