-- Schema 11: monitoring of funded awards. A hosting entity's yearly report, imported from
-- the monitoring workbook Gigafund generated for the award, is kept in versions: a later
-- import of the same year is the next version, never a change of an earlier one.
CREATE TABLE monitoring_reports (
    id          INTEGER PRIMARY KEY,
    award_id    INTEGER NOT NULL REFERENCES awards(id),
    year        INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    file        TEXT    NOT NULL,
    sha256      TEXT    NOT NULL,
    imported_at TEXT    NOT NULL,
    imported_by TEXT    NOT NULL,
    UNIQUE (award_id, year, version)
);

-- The indicators a report gives (an indicator left empty is not reported: no row).
CREATE TABLE monitoring_kpis (
    report_id INTEGER NOT NULL REFERENCES monitoring_reports(id),
    kpi       TEXT    NOT NULL,
    value     REAL    NOT NULL,
    PRIMARY KEY (report_id, kpi)
);

-- Costs incurred in the year, by category.
CREATE TABLE monitoring_costs (
    report_id   INTEGER NOT NULL REFERENCES monitoring_reports(id),
    line        INTEGER NOT NULL,
    kind        TEXT    NOT NULL,            -- capex, opex
    category    TEXT    NOT NULL,
    description TEXT    NOT NULL,
    cents       INTEGER NOT NULL CHECK (cents >= 0),
    PRIMARY KEY (report_id, line)
);

-- Milestones the report says were achieved, with the evidence it cites.
CREATE TABLE monitoring_milestones (
    report_id   INTEGER NOT NULL REFERENCES monitoring_reports(id),
    code        TEXT    NOT NULL,
    achieved_on TEXT    NOT NULL,
    evidence    TEXT    NOT NULL,
    PRIMARY KEY (report_id, code)
);

-- Acceptance benchmark runs of an award's system, and the re-runs that must reach at
-- least the programme's share of the acceptance performance.
CREATE TABLE award_benchmarks (
    id          INTEGER PRIMARY KEY,
    award_id    INTEGER NOT NULL REFERENCES awards(id),
    kind        TEXT    NOT NULL,            -- acceptance, rerun
    dated       TEXT    NOT NULL,
    run         TEXT    NOT NULL,            -- JSON: model::BenchmarkRun
    file        TEXT    NOT NULL,
    sha256      TEXT    NOT NULL,
    imported_at TEXT    NOT NULL
);
CREATE INDEX award_benchmarks_award ON award_benchmarks(award_id, kind, dated);

CREATE TRIGGER monitoring_reports_no_update BEFORE UPDATE ON monitoring_reports
BEGIN SELECT RAISE(ABORT, 'monitoring reports are kept as imported'); END;
CREATE TRIGGER monitoring_reports_no_delete BEFORE DELETE ON monitoring_reports
BEGIN SELECT RAISE(ABORT, 'monitoring reports are kept as imported'); END;
CREATE TRIGGER monitoring_kpis_no_update BEFORE UPDATE ON monitoring_kpis
BEGIN SELECT RAISE(ABORT, 'monitoring reports are kept as imported'); END;
CREATE TRIGGER monitoring_kpis_no_delete BEFORE DELETE ON monitoring_kpis
BEGIN SELECT RAISE(ABORT, 'monitoring reports are kept as imported'); END;
CREATE TRIGGER monitoring_costs_no_update BEFORE UPDATE ON monitoring_costs
BEGIN SELECT RAISE(ABORT, 'monitoring reports are kept as imported'); END;
CREATE TRIGGER monitoring_costs_no_delete BEFORE DELETE ON monitoring_costs
BEGIN SELECT RAISE(ABORT, 'monitoring reports are kept as imported'); END;
CREATE TRIGGER monitoring_milestones_no_update BEFORE UPDATE ON monitoring_milestones
BEGIN SELECT RAISE(ABORT, 'monitoring reports are kept as imported'); END;
CREATE TRIGGER monitoring_milestones_no_delete BEFORE DELETE ON monitoring_milestones
BEGIN SELECT RAISE(ABORT, 'monitoring reports are kept as imported'); END;
CREATE TRIGGER award_benchmarks_no_update BEFORE UPDATE ON award_benchmarks
BEGIN SELECT RAISE(ABORT, 'benchmark runs are kept as imported'); END;
CREATE TRIGGER award_benchmarks_no_delete BEFORE DELETE ON award_benchmarks
BEGIN SELECT RAISE(ABORT, 'benchmark runs are kept as imported'); END;
