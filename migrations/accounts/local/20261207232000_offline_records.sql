-- A sales rep's laptop trusts only what it can check. The old verifiers were the store's own
-- password hashes, readable and editable in this file: dropped (each rep signs in online once
-- more). A record now holds a verifier derived for this desktop (argon2id of the password
-- with a salt of its own, tagged with the desktop's key from the OS keyring), a tag of the
-- store's hash (to notice a new password at the next contact, without keeping the hash), the
-- last contact with the store (records expire after days without one), the failure count,
-- and a tag over the whole row: a copied, edited or planted row fails its check.
DROP TABLE offline_verifiers;
CREATE TABLE offline_records (
    email TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    salt TEXT NOT NULL,
    verifier TEXT NOT NULL,
    server_tag TEXT NOT NULL,
    last_contact INTEGER NOT NULL,
    failed INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER,
    tag TEXT NOT NULL
);
