-- zkcred's storage in PostgreSQL (storage::postgres): the same tables as the
-- SQLite backend, plus log_state, the log's size under one lockable row.
-- Applied by refinery under an advisory lock (storage::postgres::migrate).

-- Refuses the statement: the table is append-only (TG_ARGV[0] says which).
CREATE FUNCTION zkcred_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation';
END;
$$;

-- The disclosure log: one row per record, seq 0, 1, 2, ... without gaps.
CREATE TABLE disclosure_log (
    seq       bigint PRIMARY KEY CHECK (seq >= 0),
    record    text   NOT NULL,
    leaf_hash bytea  NOT NULL CHECK (octet_length(leaf_hash) = 32)
);
CREATE TRIGGER disclosure_log_append_only BEFORE UPDATE OR DELETE ON disclosure_log
    FOR EACH ROW EXECUTE FUNCTION zkcred_append_only('the disclosure log is append-only');
CREATE TRIGGER disclosure_log_no_truncate BEFORE TRUNCATE ON disclosure_log
    FOR EACH STATEMENT EXECUTE FUNCTION zkcred_append_only('the disclosure log is append-only');

-- The interior of the log's Merkle tree: node (level, idx) of every complete
-- perfect subtree of 2^level leaves, level 1 and up (level 0 is leaf_hash).
CREATE TABLE log_nodes (
    level smallint NOT NULL CHECK (level BETWEEN 1 AND 63),
    idx   bigint   NOT NULL CHECK (idx >= 0),
    hash  bytea    NOT NULL CHECK (octet_length(hash) = 32),
    PRIMARY KEY (level, idx)
);
CREATE TRIGGER log_nodes_append_only BEFORE UPDATE OR DELETE ON log_nodes
    FOR EACH ROW EXECUTE FUNCTION zkcred_append_only('the log tree is append-only');
CREATE TRIGGER log_nodes_no_truncate BEFORE TRUNCATE ON log_nodes
    FOR EACH STATEMENT EXECUTE FUNCTION zkcred_append_only('the log tree is append-only');

-- The log's size: one row, locked (SELECT ... FOR UPDATE) by every append,
-- so appends from every node are serialised and numbered without gaps.
CREATE TABLE log_state (
    one  boolean PRIMARY KEY DEFAULT true CHECK (one),
    size bigint  NOT NULL CHECK (size >= 0)
);
INSERT INTO log_state (one, size) VALUES (true, 0);
CREATE FUNCTION zkcred_log_state_grows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.size < OLD.size OR NEW.one IS DISTINCT FROM OLD.one THEN
        RAISE EXCEPTION 'the log size never decreases' USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER log_state_grows BEFORE UPDATE ON log_state
    FOR EACH ROW EXECUTE FUNCTION zkcred_log_state_grows();
CREATE TRIGGER log_state_no_delete BEFORE DELETE ON log_state
    FOR EACH ROW EXECUTE FUNCTION zkcred_append_only('the log state is never deleted');
CREATE TRIGGER log_state_no_truncate BEFORE TRUNCATE ON log_state
    FOR EACH STATEMENT EXECUTE FUNCTION zkcred_append_only('the log state is never deleted');

-- Signed tree heads, in the order stored (size and time order).
CREATE TABLE tree_heads (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tree_size bigint NOT NULL CHECK (tree_size >= 0),
    root_hash bytea  NOT NULL CHECK (octet_length(root_hash) = 32),
    timestamp text   NOT NULL,
    signature bytea  NOT NULL CHECK (octet_length(signature) = 64)
);
CREATE INDEX tree_heads_by_size ON tree_heads (tree_size, id);
CREATE TRIGGER tree_heads_append_only BEFORE UPDATE OR DELETE ON tree_heads
    FOR EACH ROW EXECUTE FUNCTION zkcred_append_only('tree heads are append-only');
CREATE TRIGGER tree_heads_no_truncate BEFORE TRUNCATE ON tree_heads
    FOR EACH STATEMENT EXECUTE FUNCTION zkcred_append_only('tree heads are append-only');

-- Versioned documents: a version is immutable once stored, only its status
-- (and updated_at) change. Text keys in byte order (COLLATE "C"), as SQLite
-- orders them, whatever the database's collation.
CREATE TABLE documents (
    kind       text   COLLATE "C" NOT NULL CHECK (kind ~ '^[a-z0-9_]{1,64}$'),
    id         text   COLLATE "C" NOT NULL CHECK (octet_length(id) BETWEEN 1 AND 512),
    version    bigint NOT NULL CHECK (version BETWEEN 1 AND 4294967295),
    body       text   NOT NULL,
    status     text   NOT NULL CHECK (status IN ('active', 'retired', 'revoked')),
    created_at text   NOT NULL,
    updated_at text   NOT NULL,
    PRIMARY KEY (kind, id, version)
);
CREATE FUNCTION zkcred_document_version_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.kind, NEW.id, NEW.version, NEW.body, NEW.created_at)
        IS DISTINCT FROM (OLD.kind, OLD.id, OLD.version, OLD.body, OLD.created_at) THEN
        RAISE EXCEPTION 'document versions are immutable; only the status changes'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER documents_version_immutable BEFORE UPDATE ON documents
    FOR EACH ROW EXECUTE FUNCTION zkcred_document_version_immutable();

-- The log's signing keys: the first key, then one row per rotation.
CREATE TABLE log_keys (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    public_key     bytea  NOT NULL CHECK (octet_length(public_key) = 32),
    from_tree_size bigint NOT NULL CHECK (from_tree_size >= 0),
    added_at       text   NOT NULL,
    previous       bytea  CHECK (previous IS NULL OR octet_length(previous) = 32)
);
CREATE TRIGGER log_keys_append_only BEFORE UPDATE OR DELETE ON log_keys
    FOR EACH ROW EXECUTE FUNCTION zkcred_append_only('the log key history is append-only');
CREATE TRIGGER log_keys_no_truncate BEFORE TRUNCATE ON log_keys
    FOR EACH STATEMENT EXECUTE FUNCTION zkcred_append_only('the log key history is append-only');

-- Licence status epochs: one row per issuer, credential type and number.
CREATE TABLE status_epochs (
    issuer          text   COLLATE "C" NOT NULL CHECK (char_length(issuer) BETWEEN 1 AND 256),
    credential_type text   COLLATE "C" NOT NULL CHECK (char_length(credential_type) BETWEEN 1 AND 256),
    epoch           bigint NOT NULL CHECK (epoch >= 0),
    document        text   NOT NULL,
    received_at     text   NOT NULL,
    PRIMARY KEY (issuer, credential_type, epoch)
);
CREATE TRIGGER status_epochs_append_only BEFORE UPDATE OR DELETE ON status_epochs
    FOR EACH ROW EXECUTE FUNCTION zkcred_append_only('status epochs are append-only');
CREATE TRIGGER status_epochs_no_truncate BEFORE TRUNCATE ON status_epochs
    FOR EACH STATEMENT EXECUTE FUNCTION zkcred_append_only('status epochs are append-only');
