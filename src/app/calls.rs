//! Calls as the programme office runs them: created from a shipped template, their
//! settings edited as versions. Once scoring has started, a change that moves scores or
//! the ranking needs its reason (recorded with the version), and nothing may leave a stored
//! score off the call's scale or without its criterion.

use crate::error::{Error, Location, Problem, Result};
use crate::ingest::call_template;
use crate::model::{Actor, Call, CallKind, EligibilityCheck, Eur, TieBreak};
use crate::store::{self, Store, Tx, calls::CallVersion};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A call template shipped with Gigafund (`templates/calls/*.toml`).
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct CallTemplate {
    /// The template's file name, e.g. `ai-factory-antenna.toml`.
    pub file: String,
    pub call: Call,
    /// The dates a new call from it is offered (see [`suggested_dates`]).
    pub suggested_opens: NaiveDate,
    pub suggested_deadline: NaiveDate,
}

/// The shipped call templates, in file-name order, with their own dates.
pub fn templates() -> Result<Vec<CallTemplate>> {
    templates_on(NaiveDate::MIN)
}

/// The shipped call templates, with the dates a call made from each `today` is offered.
pub fn templates_on(today: NaiveDate) -> Result<Vec<CallTemplate>> {
    crate::demo::DemoFiles::embedded()
        .calls
        .into_iter()
        .map(|(file, text)| {
            let call = call_template::parse(&file, &text)?;
            let (suggested_opens, suggested_deadline) = suggested_dates(&call, today);
            Ok(CallTemplate {
                call,
                file,
                suggested_opens,
                suggested_deadline,
            })
        })
        .collect()
}

/// The dates a new call from `template` is given unless told otherwise: the template's
/// when its deadline is still ahead of `today`; otherwise the call opens today and runs
/// as long as the template's did (a template's dates are an example, not a past call).
pub fn suggested_dates(template: &Call, today: NaiveDate) -> (NaiveDate, NaiveDate) {
    if template.deadline >= today {
        return (template.opens, template.deadline);
    }
    let run = (template.deadline - template.opens).num_days().max(1);
    (today, today + chrono::Duration::days(run))
}

/// A new call: a shipped template with its own code, title, dates and budget.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, TS)]
pub struct NewCall {
    /// File name of the template (see [`templates`]).
    pub template: String,
    pub code: String,
    pub title: String,
    pub opens: NaiveDate,
    pub deadline: NaiveDate,
    pub budget: Eur,
}

/// Creates a call from a shipped template (version 1, audited).
pub fn create(store: &mut Store, actor: &Actor, new: &NewCall) -> Result<Call> {
    let template = templates()?
        .into_iter()
        .find(|t| t.file == new.template)
        .ok_or_else(|| {
            Error::invalid(
                Location::default().with_field("template"),
                "one of the shipped call templates",
                Some(new.template.clone()),
            )
        })?;
    let call = Call {
        id: 0,
        code: new.code.trim().to_string(),
        title: new.title.trim().to_string(),
        opens: new.opens,
        deadline: new.deadline,
        budget: new.budget,
        ..template.call
    };
    call_template::validate(&call)?;
    store.write(actor, |tx| store::calls::insert(tx, &call))?;
    store::calls::by_code(store.conn(), &call.code)
}

/// How a changed value is shown: the UI formats money, numbers and dates per locale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    Text,
    Number,
    Money,
    Date,
    List,
}

/// One value of a call's settings that an edit changes.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct CallChange {
    /// What changed, as a path the UI names: `title`, `budget`, `scale`,
    /// `criterion.weight`, `eligibility.value`, `tie_break` …
    pub field: String,
    /// The criterion or eligibility rule it belongs to, when it does.
    pub item: Option<String>,
    pub kind: ValueKind,
    pub before: String,
    pub after: String,
    /// Whether the change can move scores or the ranking (thresholds, weights, the scale,
    /// the budget, the tie-break order, eligibility).
    pub moves_ranking: bool,
}

/// What saving an edited call would do.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct EditCheck {
    pub changes: Vec<CallChange>,
    /// Some expert has scored a bid of the call.
    pub scoring_started: bool,
    /// Scoring has started and a change moves scores or the ranking: saving needs an
    /// explicit confirmation with the reason.
    pub needs_reason: bool,
}

fn money(e: Eur) -> String {
    format!("{:.2}", e.as_euros_f64())
}

fn num(v: f64) -> String {
    format!("{v}")
}

fn tie_text(t: &TieBreak) -> String {
    match t {
        TieBreak::UncoveredScope => "uncovered_scope".into(),
        TieBreak::Criterion { code } => format!("criterion:{code}"),
        TieBreak::NewMemberStates => "new_member_states".into(),
        TieBreak::LowerRequestedBudget => "lower_requested_budget".into(),
        TieBreak::PanelDecision => "panel_decision".into(),
    }
}

/// The numbers of an eligibility rule, as text (`0.5`, `100000`, `eu, eurohpc`).
fn rule_value(c: &EligibilityCheck) -> String {
    match c {
        EligibilityCheck::AcceleratorsMoreThan { value }
        | EligibilityCheck::AcceleratorsAtLeast { value } => value.to_string(),
        EligibilityCheck::MinMembers { value } => value.to_string(),
        EligibilityCheck::MaxEuShareOfCapex { share } => num(*share),
        EligibilityCheck::SitesIn { groups }
        | EligibilityCheck::CoordinatorIn { groups }
        | EligibilityCheck::HostingEntityIn { groups }
        | EligibilityCheck::MembersIn { groups } => groups.join(", "),
        EligibilityCheck::MemberStateCofinancing => String::new(),
    }
}

/// Every value that differs between two versions of a call, in the form's order.
pub fn changes(before: &Call, after: &Call) -> Vec<CallChange> {
    let mut out = Vec::new();
    let mut push =
        |field: &str, item: Option<&str>, kind: ValueKind, b: String, a: String, moves: bool| {
            if b != a {
                out.push(CallChange {
                    field: field.into(),
                    item: item.map(str::to_string),
                    kind,
                    before: b,
                    after: a,
                    moves_ranking: moves,
                });
            }
        };
    use ValueKind as K;
    push(
        "title",
        None,
        K::Text,
        before.title.clone(),
        after.title.clone(),
        false,
    );
    push(
        "programme",
        None,
        K::Text,
        before.programme.clone(),
        after.programme.clone(),
        false,
    );
    push(
        "kind",
        None,
        K::Text,
        crate::store::enum_text(&before.kind).unwrap_or_default(),
        crate::store::enum_text(&after.kind).unwrap_or_default(),
        true,
    );
    push(
        "budget",
        None,
        K::Money,
        money(before.budget),
        money(after.budget),
        true,
    );
    push(
        "opens",
        None,
        K::Date,
        before.opens.to_string(),
        after.opens.to_string(),
        false,
    );
    push(
        "deadline",
        None,
        K::Date,
        before.deadline.to_string(),
        after.deadline.to_string(),
        false,
    );
    let (b, a) = (&before.settings, &after.settings);
    push(
        "scale",
        None,
        K::Text,
        format!("{}–{}", b.scale_min, b.scale_max),
        format!("{}–{}", a.scale_min, a.scale_max),
        true,
    );
    push("step", None, K::Number, num(b.step), num(a.step), true);
    push(
        "overall_threshold",
        None,
        K::Number,
        num(b.overall_threshold),
        num(a.overall_threshold),
        true,
    );
    push(
        "min_evaluators_per_bid",
        None,
        K::Number,
        b.min_evaluators_per_bid.to_string(),
        a.min_evaluators_per_bid.to_string(),
        false,
    );
    push(
        "min_comment_chars",
        None,
        K::Number,
        b.min_comment_chars.to_string(),
        a.min_comment_chars.to_string(),
        false,
    );
    push(
        "max_extra_load",
        None,
        K::Number,
        b.max_extra_load.to_string(),
        a.max_extra_load.to_string(),
        false,
    );
    push(
        "grace_days",
        None,
        K::Number,
        b.grace_days.to_string(),
        a.grace_days.to_string(),
        false,
    );
    push(
        "budget_line",
        None,
        K::Text,
        crate::store::enum_text(&b.budget_line).unwrap_or_default(),
        crate::store::enum_text(&a.budget_line).unwrap_or_default(),
        true,
    );
    push(
        "expertise",
        None,
        K::List,
        b.expertise.join(", "),
        a.expertise.join(", "),
        false,
    );
    push(
        "tie_break",
        None,
        K::List,
        b.tie_break
            .iter()
            .map(tie_text)
            .collect::<Vec<_>>()
            .join(", "),
        a.tie_break
            .iter()
            .map(tie_text)
            .collect::<Vec<_>>()
            .join(", "),
        true,
    );
    let codes = |c: &Call| {
        c.criteria
            .iter()
            .map(|k| k.code.clone())
            .collect::<Vec<_>>()
    };
    push(
        "criteria",
        None,
        K::List,
        codes(before).join(", "),
        codes(after).join(", "),
        true,
    );
    for k in &after.criteria {
        let Some(old) = before.criteria.iter().find(|o| o.code == k.code) else {
            continue;
        };
        let item = Some(k.code.as_str());
        push(
            "criterion.name",
            item,
            K::Text,
            old.name.clone(),
            k.name.clone(),
            false,
        );
        push(
            "criterion.description",
            item,
            K::Text,
            old.description.clone(),
            k.description.clone(),
            false,
        );
        push(
            "criterion.weight",
            item,
            K::Number,
            num(old.weight),
            num(k.weight),
            true,
        );
        push(
            "criterion.threshold",
            item,
            K::Number,
            num(old.threshold),
            num(k.threshold),
            true,
        );
    }
    let rules = |c: &Call| {
        c.eligibility
            .iter()
            .map(|r| r.code.clone())
            .collect::<Vec<_>>()
    };
    push(
        "eligibility",
        None,
        K::List,
        rules(before).join(", "),
        rules(after).join(", "),
        true,
    );
    for r in &after.eligibility {
        let Some(old) = before.eligibility.iter().find(|o| o.code == r.code) else {
            continue;
        };
        let item = Some(r.code.as_str());
        push(
            "eligibility.description",
            item,
            K::Text,
            old.description.clone(),
            r.description.clone(),
            false,
        );
        let kind = if matches!(
            r.check,
            EligibilityCheck::SitesIn { .. }
                | EligibilityCheck::CoordinatorIn { .. }
                | EligibilityCheck::HostingEntityIn { .. }
                | EligibilityCheck::MembersIn { .. }
        ) {
            K::List
        } else {
            K::Number
        };
        push(
            "eligibility.value",
            item,
            kind,
            rule_value(&old.check),
            rule_value(&r.check),
            true,
        );
    }
    out
}

fn scoring_started(conn: &rusqlite::Connection, call_id: i64) -> Result<bool> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM scores s JOIN bids b ON b.id = s.bid_id WHERE b.call_id = ?1",
        [call_id],
        |r| r.get(0),
    )?;
    Ok(n > 0)
}

fn has_bids(conn: &rusqlite::Connection, call_id: i64) -> Result<bool> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM bids WHERE call_id = ?1",
        [call_id],
        |r| r.get(0),
    )?;
    Ok(n > 0)
}

/// The edit as the form sent it, keyed to the stored call (its id and code never change).
fn edited(stored: &Call, form: &Call) -> Call {
    let mut call = Call {
        id: stored.id,
        code: stored.code.clone(),
        title: form.title.trim().to_string(),
        programme: form.programme.trim().to_string(),
        ..form.clone()
    };
    for (i, c) in call.criteria.iter_mut().enumerate() {
        c.position = i as u32 + 1;
        c.name = c.name.trim().to_string();
        c.description = c.description.trim().to_string();
    }
    call
}

/// The rules an edit must keep once bids or scores exist; checked inside the write.
fn guard(conn: &rusqlite::Connection, before: &Call, after: &Call) -> Result<EditCheck> {
    call_template::validate(after)?;
    let list = changes(before, after);
    let started = scoring_started(conn, before.id)?;
    let mut problems = Vec::new();
    if before.kind != after.kind && has_bids(conn, before.id)? {
        problems.push(Problem {
            location: Location::default().with_sheet("call").with_field("kind"),
            rule: "the kind of a call that has bids cannot change (its applicant workbook and eligibility depend on it)".into(),
            found: None,
        });
    }
    if started {
        fn codes(c: &Call) -> Vec<&str> {
            let mut v: Vec<&str> = c.criteria.iter().map(|k| k.code.as_str()).collect();
            v.sort_unstable();
            v
        }
        if codes(before) != codes(after) {
            problems.push(Problem {
                location: Location::default().with_sheet("criterion").with_field("code"),
                rule: "scoring has started: criteria can be renamed, reweighted and reordered, but not added or removed".into(),
                found: Some(codes(after).join(", ")),
            });
        }
        let call = after;
        let off: Vec<String> = store::evaluation::call_scores(conn, before.id)?
            .into_iter()
            .filter(|s| crate::evaluation::check_scale(call, s.score).is_err())
            .map(|s| s.score.to_string())
            .collect();
        if !off.is_empty() {
            problems.push(Problem {
                location: Location::default().with_sheet("evaluation").with_field("step"),
                rule: format!(
                    "{} stored scores would fall off the new scale or step: keep the scale while scores exist",
                    off.len()
                ),
                found: off.first().cloned(),
            });
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    let needs_reason = started && list.iter().any(|c| c.moves_ranking);
    Ok(EditCheck {
        changes: list,
        scoring_started: started,
        needs_reason,
    })
}

/// What saving `form` as the new settings of call `code` would change; refuses with every
/// problem (each on its field) when the form breaks a rule.
pub fn check_edit(store: &Store, code: &str, form: &Call) -> Result<EditCheck> {
    let stored = store::calls::by_code(store.conn(), code)?;
    guard(store.conn(), &stored, &edited(&stored, form))
}

/// Saves `form` as the new version of call `code`. Once scoring has started, a change that
/// moves scores or the ranking needs `reason` (the confirmation); the checks run inside
/// the write, so a score stored meanwhile is taken into account.
pub fn update(
    store: &mut Store,
    actor: &Actor,
    code: &str,
    form: &Call,
    reason: Option<&str>,
) -> Result<CallVersion> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    let version = store.write(actor, |tx| {
        let stored = store::calls::by_code(tx.conn(), code)?;
        let after = edited(&stored, form);
        let check = guard(tx.conn(), &stored, &after)?;
        if check.changes.is_empty() {
            return Err(Error::Conflict(format!(
                "nothing to save: the settings of {code} are unchanged"
            )));
        }
        if check.needs_reason && reason.is_none() {
            return Err(Error::invalid(
                Location::default().with_field("reason"),
                "scoring has started and this change moves scores or the ranking: confirm it with the reason, which is recorded",
                None,
            ));
        }
        save(tx, &stored, &after, reason)
    })?;
    Ok(version)
}

fn save(tx: &mut Tx<'_>, before: &Call, after: &Call, reason: Option<&str>) -> Result<CallVersion> {
    let version = store::calls::update(tx, before, after, reason)?;
    store::calls::versions(tx.conn(), after.id)?
        .into_iter()
        .find(|v| v.version == version)
        .ok_or_else(|| Error::Internal("the new call version was not stored".into()))
}

/// Every version of a call's settings, oldest first.
pub fn versions(store: &Store, code: &str) -> Result<Vec<CallVersion>> {
    let call = store::calls::by_code(store.conn(), code)?;
    store::calls::versions(store.conn(), call.id)
}

/// The kinds of call, for the form's choices.
pub const KINDS: [CallKind; 3] = [
    CallKind::AiGigafactory,
    CallKind::AiFactory,
    CallKind::AiFactoryAntenna,
];

/// What a version changed from the one before it (nothing for version 1).
pub fn version_changes(store: &Store, code: &str, version: u32) -> Result<Vec<CallChange>> {
    let list = versions(store, code)?;
    let this = list
        .iter()
        .find(|v| v.version == version)
        .ok_or_else(|| Error::NotFound {
            kind: "call version",
            key: format!("{code} version {version}"),
        })?;
    Ok(match list.iter().find(|v| v.version + 1 == version) {
        Some(prev) => changes(&prev.call, &this.call),
        None => Vec::new(),
    })
}
