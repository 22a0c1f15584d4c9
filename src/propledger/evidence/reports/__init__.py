"""The monitoring reports: ``daily.py`` (``daily_report_<date>.md``), ``rolling.py``
(``rolling_report.md``), their anomaly rules, windows and Markdown helpers; plots are in
``propledger.evidence.plots``."""
