-- Monitoring: deviations of a funded award and the action decided on each. A deviation is
-- recorded with its reason and who decided, never changed after; a suspension is lifted
-- once, with its own date, person and reason. Payment suspensions block the award's
-- tranches until lifted.
CREATE TABLE deviations (
    id           INTEGER PRIMARY KEY,
    award_id     INTEGER NOT NULL REFERENCES awards(id),
    kind         TEXT    NOT NULL,   -- milestone_at_risk, kpi_red, benchmark_shortfall, late_report, other
    subject      TEXT    NOT NULL DEFAULT '',  -- the milestone, KPI or report concerned
    found        TEXT    NOT NULL,   -- what was found, in figures
    action       TEXT    NOT NULL,   -- payment_deadline_suspension, payment_suspension, reduction, recovery_order, termination, none
    cents        INTEGER,            -- the amount of a reduction or a recovery order
    reason       TEXT    NOT NULL,
    decided_by   TEXT    NOT NULL,
    dated        TEXT    NOT NULL,
    recorded_at  TEXT    NOT NULL,
    lifted_on    TEXT,
    lifted_by    TEXT,
    lift_reason  TEXT
);
CREATE INDEX deviations_award ON deviations(award_id);

CREATE TRIGGER deviations_no_delete BEFORE DELETE ON deviations
BEGIN SELECT RAISE(ABORT, 'deviations are append-only'); END;
-- Only the lifting may be written, once.
CREATE TRIGGER deviations_lift_once BEFORE UPDATE ON deviations
WHEN OLD.lifted_on IS NOT NULL
  OR NEW.award_id IS NOT OLD.award_id OR NEW.kind IS NOT OLD.kind OR NEW.subject IS NOT OLD.subject
  OR NEW.found IS NOT OLD.found OR NEW.action IS NOT OLD.action OR NEW.cents IS NOT OLD.cents
  OR NEW.reason IS NOT OLD.reason OR NEW.decided_by IS NOT OLD.decided_by OR NEW.dated IS NOT OLD.dated
  OR NEW.recorded_at IS NOT OLD.recorded_at
BEGIN SELECT RAISE(ABORT, 'a deviation is never changed; a suspension is lifted once'); END;
