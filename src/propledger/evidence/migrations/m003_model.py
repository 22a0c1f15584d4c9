"""Phase 10 model metadata: the ``calibrator`` table (one row per fitted artifact).

The artifact itself is a JSON file under ``settings.models_dir``; this row records what was
fitted (market, method, fit window, sizes, metrics) and the file's sha256, so every
probability row's ``calibrator_version`` can be traced to the exact bytes that produced it.
Dates are America/New_York slate dates; ``created_at`` is UTC from the run's clock.
"""

VERSION = 3
NAME = "model"

STATEMENTS = [
    """CREATE TABLE calibrator (
        version VARCHAR PRIMARY KEY,
        market VARCHAR NOT NULL,
        method VARCHAR NOT NULL,
        model_version VARCHAR NOT NULL,
        line DOUBLE NOT NULL,
        split VARCHAR NOT NULL,
        train_start DATE,
        train_end DATE,
        valid_start DATE,
        valid_end DATE,
        train_seasons VARCHAR,
        valid_seasons VARCHAR,
        n_train BIGINT NOT NULL,
        n_valid BIGINT NOT NULL,
        valid_log_loss DOUBLE,
        valid_brier DOUBLE,
        metrics JSON NOT NULL,
        sha256 VARCHAR NOT NULL,
        path VARCHAR,
        created_at TIMESTAMPTZ NOT NULL,
        run_id VARCHAR NOT NULL,
        loaded_at TIMESTAMPTZ)""",
]
