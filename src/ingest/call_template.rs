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
    let countries = countries()?;

    p.check(
        is_code(&f.code),
        "call",
        "code",
        "a call code is 3–40 upper-case letters, digits and '-'",
        || f.code.clone(),
    );
    p.check(
        !f.title.trim().is_empty(),
        "call",
        "title",
        "the title is required",
        String::new,
    );
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
    if let (Some(o), Some(d)) = (opens, deadline) {
        p.check(
            d >= o,
            "call",
            "deadline",
            "the deadline is on or after the opening date",
            || format!("opens {o}, deadline {d}"),
        );
    }

    let s = &f.evaluation;
    p.check(
        s.scale_max > s.scale_min,
        "evaluation",
        "scale_max",
        "scale_max is above scale_min",
        || format!("{}–{}", s.scale_min, s.scale_max),
    );
    let steps = (s.scale_max - s.scale_min) / s.step;
    p.check(
        s.step > 0.0 && (steps - steps.round()).abs() < 1e-9,
        "evaluation",
        "step",
        "the step divides the scale into whole steps",
        || s.step.to_string(),
    );
    p.check(
        s.min_evaluators_per_bid >= 1,
        "evaluation",
        "min_evaluators_per_bid",
        "at least one evaluator per bid",
        || s.min_evaluators_per_bid.to_string(),
    );

    let mut criteria = Vec::new();
    let mut seen = HashSet::new();
    for (i, c) in f.criterion.iter().enumerate() {
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
            c.weight > 0.0,
            &table,
            "weight",
            "the weight is positive",
            || c.weight.to_string(),
        );
        p.check(
            (s.scale_min..=s.scale_max).contains(&c.threshold),
            &table,
            "threshold",
            "the threshold lies on the call's scale",
            || c.threshold.to_string(),
        );
        criteria.push(Criterion {
            code: c.code.clone(),
            name: c.name.clone(),
            description: c.description.clone(),
            weight: c.weight,
            threshold: c.threshold,
            position: i as u32 + 1,
        });
    }
    p.check(
        !criteria.is_empty(),
        "criterion",
        "code",
        "a call has at least one criterion",
        || "none".into(),
    );
    let max_total = s.scale_max * criteria.len() as f64;
    p.check(
        s.overall_threshold >= 0.0 && s.overall_threshold <= max_total,
        "evaluation",
        "overall_threshold",
        "the overall threshold lies between 0 and the sum of the criteria's maximum scores",
        || format!("{} (maximum {max_total})", s.overall_threshold),
    );
    for (i, t) in s.tie_break.iter().enumerate() {
        if let TieBreak::Criterion { code } = t {
            p.check(
                seen.contains(code),
                &format!("evaluation.tie_break[{}]", i + 1),
                "code",
                "names a criterion of this call",
                || code.clone(),
            );
        }
    }

    let mut rule_codes = HashSet::new();
    for (i, r) in f.eligibility.iter().enumerate() {
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
        if let EligibilityCheck::MaxEuShareOfCapex { share } = r.check {
            p.check(
                (0.0..=1.0).contains(&share),
                &table,
                "share",
                "a share between 0 and 1",
                || share.to_string(),
            );
        }
    }

    let call = Call {
        id: 0,
        code: f.code.clone(),
        kind: f.kind,
        programme: f.programme.clone(),
        title: f.title.clone(),
        budget: budget.unwrap_or_default(),
        opens: opens.unwrap_or_default(),
        deadline: deadline.unwrap_or_default(),
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
        },
        criteria,
        eligibility: f.eligibility,
    };
    p.finish(call)
}

fn is_code(s: &str) -> bool {
    (3..=40).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
}
