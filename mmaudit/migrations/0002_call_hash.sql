-- A 64-bit hash of each call's id, stored once at ingest: bytes 0-7 of md5(call_id) read as a
-- little-endian number. A replay slices it into its A/B and cascade fractions, so simulating
-- ten million calls needs no md5 per call (docs/simulate.md).
ALTER TABLE calls ADD COLUMN call_hash UBIGINT;
UPDATE calls SET call_hash = CAST(md5_number(call_id) & 18446744073709551615 AS UBIGINT);
