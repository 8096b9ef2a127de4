-- The laptop checks what it reads: each journal row carries a tag made with this desktop's
-- key (kept in the OS keyring), over who made the edit and the edit itself. A row planted
-- or edited in this file, or copied from another desktop, fails the check and is refused
-- and reported, never sent. Rows kept before this version have none and are refused too.
ALTER TABLE forecast_journal ADD COLUMN tag TEXT;
