"""``fact_run_registry``: append-only events per run, step and vendor (DESIGN section 7).

A run writes a ``start`` event for step ``run``, one ``end`` event per step it executed (per
vendor within step ``odds``), and an ``end`` event for step ``run``. A run's state is its latest
``run`` event; a ``run`` start with no ``run`` end is ABANDONED (the next run records that).
"""

VERSION = 6
NAME = "run_registry"

STATEMENTS = [
    """CREATE TABLE fact_run_registry (
        event_id VARCHAR PRIMARY KEY,
        run_id VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        slate_date DATE,
        step VARCHAR NOT NULL,
        vendor VARCHAR,
        event VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        started_utc TIMESTAMPTZ,
        ended_utc TIMESTAMPTZ,
        duration_s DOUBLE,
        requests INTEGER,
        attempts INTEGER,
        http_status INTEGER,
        error_type VARCHAR,
        message VARCHAR,
        rows_in BIGINT,
        rows_out BIGINT,
        code_version VARCHAR,
        config_hash VARCHAR,
        flags VARCHAR,
        details VARCHAR,
        recorded_utc TIMESTAMPTZ NOT NULL,
        loaded_at TIMESTAMPTZ)""",
    """CREATE VIEW v_run AS
        WITH ev AS (
            SELECT *, row_number() OVER (PARTITION BY run_id ORDER BY recorded_utc DESC, event_id DESC) AS rn
            FROM fact_run_registry WHERE step = 'run'),
        starts AS (
            SELECT run_id, min(started_utc) AS started_utc FROM fact_run_registry
            WHERE step = 'run' AND event = 'start' GROUP BY run_id)
        SELECT ev.run_id, ev.kind, ev.slate_date, starts.started_utc,
               CASE WHEN ev.event = 'end' THEN ev.ended_utc END AS ended_utc,
               CASE WHEN ev.event = 'end' THEN ev.status ELSE 'RUNNING' END AS status,
               ev.duration_s, ev.message, ev.code_version, ev.config_hash, ev.flags
        FROM ev JOIN starts USING (run_id) WHERE ev.rn = 1""",
]
