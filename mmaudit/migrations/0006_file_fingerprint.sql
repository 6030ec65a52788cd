-- What a file was when it was loaded, so an unchanged file is not read again: the sha256 of its
-- bytes (as stored on disk, compressed or not) and how it was read (`auto`, a forced
-- --log-format, or `mapping:<sha256 of the mapping file>`). A file whose size or content differs
-- in any byte is read again (a grown log upgrades its calls).
ALTER TABLE ingested_files ADD COLUMN content_sha256 VARCHAR;
ALTER TABLE ingested_files ADD COLUMN read_as VARCHAR;
