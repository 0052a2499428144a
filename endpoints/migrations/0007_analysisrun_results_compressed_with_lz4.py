"""An analysis run's results and figures (megabytes of JSON at a million patients) compressed
with lz4 rather than PostgreSQL's default pglz: storing 1.4 MB of results took 64-100 ms with
pglz and 24 ms with lz4 (which costs about what parsing the JSON costs), read back as fast.
Only new values are compressed so. A server built without lz4 (the embedded PostgreSQL of
`make run`) keeps pglz: the change is an optimisation, not a requirement."""

from django.db import migrations

LZ4 = """
DO $$
BEGIN
    ALTER TABLE endpoints_analysisrun
        ALTER COLUMN results SET COMPRESSION {method},
        ALTER COLUMN figures SET COMPRESSION {method};
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'lz4 is not available on this server: results stay compressed with pglz';
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("endpoints", "0006_analysisrun_ties_and_data_seq")]

    operations = [
        migrations.RunSQL(LZ4.format(method="lz4"), LZ4.format(method="pglz")),
    ]
