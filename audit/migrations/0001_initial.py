"""The hash chain's tables and the database functions that alone write them.

`audit_chain_link()` is the trigger put on every event table (audit.chain installs it after
each migrate). It is a deferred constraint trigger: it seals the transaction's event rows at
commit, in commit order, under one advisory lock for the whole database (one lock, so no two
tables can deadlock). It is SECURITY DEFINER (runs as the owner of these tables, which the
application role may only read) with a pinned search_path and pinned output settings, so the
row digest never depends on the session that wrote the row.
"""

from django.db import migrations, models

# The one lock every sealing transaction takes (an arbitrary constant, unique in the project).
CHAIN_LOCK = 781203412

GENESIS = "0" * 64

FUNCTIONS = """
CREATE FUNCTION audit_chain_row_digest(event anyelement) RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
SET timezone = 'UTC'
SET datestyle = 'ISO, YMD'
SET intervalstyle = 'postgres'
SET extra_float_digits = 1
SET bytea_output = 'hex'
AS $$
    -- jsonb, not json: one canonical text (key order, spacing) whatever the column order;
    -- nulls stripped, so a nullable column added later to the event table leaves old
    -- digests unchanged.
    SELECT encode(sha256(convert_to(jsonb_strip_nulls(to_jsonb(event))::text, 'UTF8')), 'hex')
$$;

CREATE FUNCTION audit_chain_link_hash(
    prev_hash text, seq bigint, event_table text, event_pk bigint, row_digest text
) RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT encode(sha256(convert_to(
        prev_hash || '|' || seq::text || '|' || event_table || '|' || event_pk::text
        || '|' || row_digest, 'UTF8')), 'hex')
$$;

-- Append one link after the current head. Not SECURITY DEFINER: called by the application
-- role it fails (no INSERT on audit_chainlink), so only the trigger below can forge nothing.
CREATE FUNCTION audit_chain_append(event_table text, event_pk bigint, row_digest text)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = {schema}, pg_catalog, pg_temp
AS $$
DECLARE
    head_seq bigint;
    head_hash text;
BEGIN
    PERFORM pg_advisory_xact_lock({lock});
    -- Under READ COMMITTED this statement takes a new snapshot after the lock: it sees the
    -- link of the transaction that held the lock before. A stale snapshot (REPEATABLE READ)
    -- would reuse a seq and fail on the primary key: the chain never forks.
    SELECT l.seq, l.hash INTO head_seq, head_hash
      FROM audit_chainlink l ORDER BY l.seq DESC LIMIT 1;
    head_seq := coalesce(head_seq, 0) + 1;
    head_hash := coalesce(head_hash, '{genesis}');
    INSERT INTO audit_chainlink (seq, event_table, event_pk, row_digest, prev_hash, hash, linked_at)
    VALUES (head_seq, event_table, event_pk, row_digest, head_hash,
            audit_chain_link_hash(head_hash, head_seq, event_table, event_pk, row_digest),
            clock_timestamp());
    RETURN head_seq;
END
$$;
REVOKE EXECUTE ON FUNCTION audit_chain_append(text, bigint, text) FROM PUBLIC;

CREATE FUNCTION audit_chain_link() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = {schema}, pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM audit_chain_append(TG_TABLE_NAME::text, NEW.pgh_id, audit_chain_row_digest(NEW));
    RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION audit_chain_link() FROM PUBLIC;

-- Record today's head; any role may call it, none may choose what it records.
CREATE FUNCTION audit_chain_digest_record() RETURNS SETOF audit_chaindigest
LANGUAGE sql SECURITY DEFINER
SET search_path = {schema}, pg_catalog, pg_temp
AS $$
    INSERT INTO audit_chaindigest (recorded_at, recorded_on, last_seq, head_hash, link_count)
    SELECT now(), (now() AT TIME ZONE 'UTC')::date, coalesce(h.seq, 0),
           coalesce(h.hash, '{genesis}'), (SELECT count(*) FROM audit_chainlink)
      FROM (SELECT 1) AS one
      LEFT JOIN LATERAL (
          SELECT l.seq, l.hash FROM audit_chainlink l ORDER BY l.seq DESC LIMIT 1
      ) AS h ON true
    RETURNING *
$$;

-- Links and digests are never changed or removed (TRUNCATE is left to privileges: the
-- application role has none, and the test runner's flush needs it).
CREATE FUNCTION audit_chain_refuse_change() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_chainlink_append_only BEFORE UPDATE OR DELETE ON audit_chainlink
    FOR EACH ROW EXECUTE FUNCTION audit_chain_refuse_change();
CREATE TRIGGER audit_chaindigest_append_only BEFORE UPDATE OR DELETE ON audit_chaindigest
    FOR EACH ROW EXECUTE FUNCTION audit_chain_refuse_change();
"""

DROP_FUNCTIONS = """
DROP TRIGGER IF EXISTS audit_chainlink_append_only ON audit_chainlink;
DROP TRIGGER IF EXISTS audit_chaindigest_append_only ON audit_chaindigest;
DROP FUNCTION IF EXISTS audit_chain_refuse_change();
DROP FUNCTION IF EXISTS audit_chain_digest_record();
DROP FUNCTION IF EXISTS audit_chain_link() CASCADE;
DROP FUNCTION IF EXISTS audit_chain_append(text, bigint, text);
DROP FUNCTION IF EXISTS audit_chain_link_hash(text, bigint, text, bigint, text);
DROP FUNCTION IF EXISTS audit_chain_row_digest(anyelement);
"""


def functions_create(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = schema_editor.quote_name(cursor.fetchone()[0])
        # No parameters: the bodies hold % signs that are not placeholders.
        cursor.execute(
            FUNCTIONS.replace("{schema}", schema)
            .replace("{lock}", str(CHAIN_LOCK))
            .replace("{genesis}", GENESIS)
        )


def functions_drop(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(DROP_FUNCTIONS)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
    ]

    operations = [
        migrations.CreateModel(
            name='ChainDigest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('recorded_at', models.DateTimeField()),
                ('recorded_on', models.DateField()),
                ('last_seq', models.BigIntegerField()),
                ('head_hash', models.CharField(max_length=64)),
                ('link_count', models.BigIntegerField()),
            ],
        ),
        migrations.CreateModel(
            name='ChainLink',
            fields=[
                ('seq', models.BigIntegerField(primary_key=True, serialize=False)),
                ('event_table', models.CharField(max_length=63)),
                ('event_pk', models.BigIntegerField()),
                ('row_digest', models.CharField(max_length=64)),
                ('prev_hash', models.CharField(max_length=64)),
                ('hash', models.CharField(max_length=64)),
                ('linked_at', models.DateTimeField()),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('event_table', 'event_pk'), name='audit_chainlink_event')],
            },
        ),
        migrations.RunPython(functions_create, functions_drop),
    ]
