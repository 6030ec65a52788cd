-- Each `mmaudit purge --before DATE`: calls older than DATE were deleted for good, so ingest does
-- not load them again from a log that still holds them (a growing log read on schedule brought
-- every purged call back, prompt text included, without a word).
CREATE TABLE purges (purged_before TIMESTAMPTZ NOT NULL, purged_at TIMESTAMPTZ DEFAULT current_timestamp);
