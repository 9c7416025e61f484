//! Call templates (`templates/calls/*.toml`): a call with its criteria, evaluation
//! settings and eligibility rules. Every number of a call lives in its template.

use super::{Problems, parse_toml, toml_date};
use crate::countries::countries;
use crate::error::Result;
use crate::model::{
    BudgetLineRule, Call, CallKind, Criterion, EligibilityCheck, EligibilityRule, Eur,
    EvaluationSettings, TieBreak,
};
use serde::Deserialize;
use std::collections::HashSet;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CallFile {
    code: String,
    kind: CallKind,
    programme: String,
    title: String,
    budget_eur: f64,
    opens: toml::value::Datetime,
    deadline: toml::value::Datetime,
    evaluation: SettingsFile,
    #[serde(default)]
    criterion: Vec<CriterionFile>,
    #[serde(default)]
    eligibility: Vec<EligibilityRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsFile {
    scale_min: f64,
    scale_max: f64,
    step: f64,
    min_evaluators_per_bid: u32,
    overall_threshold: f64,
    #[serde(default)]
    min_comment_chars: u32,
    budget_line: BudgetLineRule,
    tie_break: Vec<TieBreak>,
    #[serde(default)]
    expertise: Vec<String>,
    #[serde(default = "one")]
    max_extra_load: u32,
    #[serde(default)]
    grace_days: u32,
}

fn one() -> u32 {
    1
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CriterionFile {
    code: String,
    name: String,
    description: String,
    weight: f64,
    threshold: f64,
}

/// Reads and checks a call template. `file` names it in problems.
pub fn parse(file: &str, text: &str) -> Result<Call> {
    let f: CallFile = parse_toml(file, text)?;
    let mut p = Problems::new(file);
    let budget = Eur::from_euros_f64(f.budget_eur).filter(|b| b.cents() > 0);
    p.check(
        budget.is_some(),
        "call",
        "budget_eur",
        "the budget is a positive amount of euros",
        || f.budget_eur.to_string(),
    );
    let opens = toml_date(&f.opens);
    let deadline = toml_date(&f.deadline);
    p.check(
        opens.is_some(),
        "call",
        "opens",
        "a date such as 2026-02-02",
        || f.opens.to_string(),
    );
    p.check(
        deadline.is_some(),
        "call",
        "deadline",
        "a date such as 2026-06-30",
        || f.deadline.to_string(),
    );
    let s = &f.evaluation;
    let call = Call {
        id: 0,
        code: f.code.clone(),
        kind: f.kind,
        programme: f.programme.clone(),
        title: f.title.clone(),
        budget: budget.unwrap_or(Eur(100)),
        opens: opens.unwrap_or_default(),
        deadline: deadline.or(opens).unwrap_or_default(),
        settings: EvaluationSettings {
            scale_min: s.scale_min,
            scale_max: s.scale_max,
            step: s.step,
            min_evaluators_per_bid: s.min_evaluators_per_bid,
            overall_threshold: s.overall_threshold,
            min_comment_chars: s.min_comment_chars,
            tie_break: s.tie_break.clone(),
            budget_line: s.budget_line,
            expertise: s.expertise.clone(),
            max_extra_load: s.max_extra_load,
            grace_days: s.grace_days,
        },
        criteria: f
            .criterion
            .iter()
            .enumerate()
            .map(|(i, c)| Criterion {
                code: c.code.clone(),
                name: c.name.clone(),
                description: c.description.clone(),
                weight: c.weight,
                threshold: c.threshold,
                position: i as u32 + 1,
            })
            .collect(),
        eligibility: f.eligibility,
    };
    check_rules(&call, &mut p)?;
    p.finish(Call {
        budget: budget.unwrap_or_default(),
        deadline: deadline.unwrap_or_default(),
        ..call
    })
}

/// Checks a call's settings as the app's call form sends them: the same rules as a
/// template file, each problem placed on its table (`criterion[2]`) and field.
pub fn validate(call: &Call) -> Result<()> {
    let mut p = Problems::new("call");
    check_rules(call, &mut p)?;
    p.finish(())
}

/// The rules every call obeys, whatever it came from.
fn check_rules(call: &Call, p: &mut Problems) -> Result<()> {
    let countries = countries()?;
    p.check(
        is_code(&call.code),
        "call",
        "code",
        "a call code is 3–40 upper-case letters, digits and '-'",
        || call.code.clone(),
    );
    p.check(
        !call.title.trim().is_empty(),
        "call",
        "title",
        "the title is required",
        String::new,
    );
    p.check(
        call.title.chars().count() <= MAX_TITLE,
        "call",
        "title",
        &format!("a title has at most {MAX_TITLE} characters"),
        || format!("{} characters", call.title.chars().count()),
    );
    p.check(
        call.programme.chars().count() <= MAX_TITLE,
        "call",
        "programme",
        &format!("a programme name has at most {MAX_TITLE} characters"),
        || format!("{} characters", call.programme.chars().count()),
    );
    p.check(
        call.budget.cents() > 0,
        "call",
        "budget_eur",
        "the budget is a positive amount of euros",
        || call.budget.to_string(),
    );
    p.check(
        call.deadline >= call.opens,
        "call",
        "deadline",
        "the deadline is on or after the opening date",
        || format!("opens {}, deadline {}", call.opens, call.deadline),
    );

    let s = &call.settings;
    p.check(
        s.scale_min.is_finite() && s.scale_max.is_finite() && s.scale_max > s.scale_min,
        "evaluation",
        "scale_max",
        "scale_max is above scale_min",
        || format!("{}–{}", s.scale_min, s.scale_max),
    );
    let steps = (s.scale_max - s.scale_min) / s.step;
    p.check(
        s.step > 0.0
            && steps.is_finite()
            && steps <= 1000.0
            && (steps - steps.round()).abs() < 1e-9,
        "evaluation",
        "step",
        "the step divides the scale into whole steps",
        || s.step.to_string(),
    );
    p.check(
        (1..=50).contains(&s.min_evaluators_per_bid),
        "evaluation",
        "min_evaluators_per_bid",
        "between 1 and 50 evaluators per bid",
        || s.min_evaluators_per_bid.to_string(),
    );
    p.check(
        s.min_comment_chars <= 10_000,
        "evaluation",
        "min_comment_chars",
        "a minimum comment length of at most 10,000 characters",
        || s.min_comment_chars.to_string(),
    );
    p.check(
        s.grace_days <= 30,
        "evaluation",
        "grace_days",
        "a grace period of at most 30 days after the deadline",
        || s.grace_days.to_string(),
    );
    p.check(
        s.max_extra_load <= 1_000,
        "evaluation",
        "max_extra_load",
        "at most 1,000 bids above the level load",
        || s.max_extra_load.to_string(),
    );

    let mut seen = HashSet::new();
    for (i, c) in call.criteria.iter().enumerate() {
        let table = format!("criterion[{}]", i + 1);
        p.check(
            is_code(&c.code),
            &table,
            "code",
            "a criterion code is 3–40 upper-case letters, digits and '-'",
            || c.code.clone(),
        );
        p.check(
            seen.insert(c.code.clone()),
            &table,
            "code",
            "criterion codes are unique in a call",
            || c.code.clone(),
        );
        p.check(
            !c.name.trim().is_empty() && c.name.chars().count() <= MAX_TITLE,
            &table,
            "name",
            &format!("a criterion has a name of at most {MAX_TITLE} characters"),
            || c.name.clone(),
        );
        p.check(
            c.description.chars().count() <= MAX_DESCRIPTION,
            &table,
            "description",
            &format!("a description has at most {MAX_DESCRIPTION} characters"),
            || format!("{} characters", c.description.chars().count()),
        );
        p.check(
            c.weight.is_finite() && c.weight > 0.0 && c.weight <= 100.0,
            &table,
            "weight",
            "the weight is positive (at most 100)",
            || c.weight.to_string(),
        );
        p.check(
            (s.scale_min..=s.scale_max).contains(&c.threshold),
            &table,
            "threshold",
            "the threshold lies on the call's scale",
            || c.threshold.to_string(),
        );
    }
    p.check(
        !call.criteria.is_empty(),
        "criterion",
        "code",
        "a call has at least one criterion",
        || "none".into(),
    );
    let max_total = s.scale_max * call.criteria.len() as f64;
    p.check(
        s.overall_threshold >= 0.0 && s.overall_threshold <= max_total,
        "evaluation",
        "overall_threshold",
        "the overall threshold lies between 0 and the sum of the criteria's maximum scores",
        || format!("{} (maximum {max_total})", s.overall_threshold),
    );
    let mut rules_seen = HashSet::new();
    for (i, t) in s.tie_break.iter().enumerate() {
        let table = format!("evaluation.tie_break[{}]", i + 1);
        if let TieBreak::Criterion { code } = t {
            p.check(
                seen.contains(code),
                &table,
                "code",
                "names a criterion of this call",
                || code.clone(),
            );
        }
        p.check(
            rules_seen.insert(tie_key(t)),
            &table,
            "rule",
            "each tie-break rule appears once",
            || tie_key(t),
        );
    }

    let mut rule_codes = HashSet::new();
    for (i, r) in call.eligibility.iter().enumerate() {
        let table = format!("eligibility[{}]", i + 1);
        p.check(
            rule_codes.insert(r.code.clone()),
            &table,
            "code",
            "eligibility rule codes are unique in a call",
            || r.code.clone(),
        );
        let groups = match &r.check {
            EligibilityCheck::SitesIn { groups }
            | EligibilityCheck::CoordinatorIn { groups }
            | EligibilityCheck::HostingEntityIn { groups }
            | EligibilityCheck::MembersIn { groups } => groups.as_slice(),
            _ => &[],
        };
        for g in groups {
            p.check(
                countries.group_exists(g),
                &table,
                "groups",
                "a country group of templates/countries.toml",
                || g.clone(),
            );
        }
        match r.check {
            EligibilityCheck::MaxEuShareOfCapex { share } => p.check(
                (0.0..=1.0).contains(&share),
                &table,
                "share",
                "a share between 0 and 1",
                || share.to_string(),
            ),
            EligibilityCheck::AcceleratorsAtLeast { value }
            | EligibilityCheck::AcceleratorsMoreThan { value } => p.check(
                value <= 100_000_000,
                &table,
                "value",
                "at most 100,000,000 accelerators",
                || value.to_string(),
            ),
            EligibilityCheck::MinMembers { value } => p.check(
                (1..=1_000).contains(&value),
                &table,
                "value",
                "between 1 and 1,000 members",
                || value.to_string(),
            ),
            _ => {}
        }
    }
    Ok(())
}

/// Longest title or name a call, criterion or programme may have.
const MAX_TITLE: usize = 300;
/// Longest criterion description.
const MAX_DESCRIPTION: usize = 4_000;

/// A tie-break rule and its criterion, to tell repeated rules apart.
fn tie_key(t: &TieBreak) -> String {
    match t {
        TieBreak::UncoveredScope => "uncovered_scope".into(),
        TieBreak::Criterion { code } => format!("criterion {code}"),
        TieBreak::NewMemberStates => "new_member_states".into(),
        TieBreak::LowerRequestedBudget => "lower_requested_budget".into(),
        TieBreak::PanelDecision => "panel_decision".into(),
    }
}

/// A call as a template file (TOML) that [`parse`] reads back to the same call: `call
/// export`, edited, then `call update`.
pub fn to_toml(call: &Call) -> Result<String> {
    #[derive(serde::Serialize)]
    struct Out<'a> {
        code: &'a str,
        kind: CallKind,
        programme: &'a str,
        title: &'a str,
        budget_eur: f64,
        opens: toml::value::Datetime,
        deadline: toml::value::Datetime,
        evaluation: &'a EvaluationSettings,
        criterion: Vec<CriterionOut<'a>>,
        eligibility: &'a [EligibilityRule],
    }
    #[derive(serde::Serialize)]
    struct CriterionOut<'a> {
        code: &'a str,
        name: &'a str,
        description: &'a str,
        weight: f64,
        threshold: f64,
    }
    let date = |d: chrono::NaiveDate| -> Result<toml::value::Datetime> {
        d.to_string()
            .parse()
            .map_err(|e| crate::Error::Internal(format!("date {d}: {e}")))
    };
    let mut criteria: Vec<&Criterion> = call.criteria.iter().collect();
    criteria.sort_by_key(|c| c.position);
    let out = Out {
        code: &call.code,
        kind: call.kind,
        programme: &call.programme,
        title: &call.title,
        budget_eur: call.budget.as_euros_f64(),
        opens: date(call.opens)?,
        deadline: date(call.deadline)?,
        evaluation: &call.settings,
        criterion: criteria
            .iter()
            .map(|c| CriterionOut {
                code: &c.code,
                name: &c.name,
                description: &c.description,
                weight: c.weight,
                threshold: c.threshold,
            })
            .collect(),
        eligibility: &call.eligibility,
    };
    toml::to_string(&out).map_err(|e| crate::Error::Internal(format!("call as TOML: {e}")))
}

fn is_code(s: &str) -> bool {
    (3..=40).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
}
