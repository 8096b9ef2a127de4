-- A sales rep's laptop: the verifier of each rep's last successful sign-in on this desktop
-- (the store's own argon2id hash of the password, never the password), so the rep can sign
-- in to the offline-capable windows while the shared store is away. Failures are counted
-- here too: a stolen laptop does not get unlimited tries.
CREATE TABLE offline_verifiers (
    email TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    failed INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER,
    updated_at INTEGER NOT NULL
);
