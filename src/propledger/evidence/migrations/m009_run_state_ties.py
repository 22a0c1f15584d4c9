"""``v_run``: an ``end`` event beats a ``start`` recorded at the same instant.

Under a frozen or simulated clock a run's start and end carry the same ``recorded_utc``; m006
broke that tie on ``event_id``, where ``…:start`` sorts after ``…:end``, so a finished run read
as RUNNING. The view is re-created with the end event first on ties (views hold no data).
"""

VERSION = 9
NAME = "run_state_ties"

STATEMENTS = [
    """CREATE OR REPLACE VIEW v_run AS
        WITH ev AS (
            SELECT *, row_number() OVER (
                PARTITION BY run_id
                ORDER BY recorded_utc DESC, (event = 'end') DESC, event_id DESC) AS rn
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
