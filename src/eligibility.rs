//! A call's eligibility rules applied to a bid, each outcome with the data that decided it.

use crate::countries::Countries;
use crate::model::{Bid, Call, EligibilityCheck, MemberRole};
use serde::Serialize;
use ts_rs::TS;

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct RuleOutcome {
    pub code: String,
    pub description: String,
    pub passed: bool,
    /// The data the rule looked at, e.g. "site Thurrock is in GB".
    pub detail: String,
}

pub fn check(call: &Call, bid: &Bid, countries: &Countries) -> Vec<RuleOutcome> {
    call.eligibility
        .iter()
        .map(|rule| {
            let (passed, detail) = apply(&rule.check, bid, countries);
            RuleOutcome {
                code: rule.code.clone(),
                description: rule.description.clone(),
                passed,
                detail,
            }
        })
        .collect()
}

/// "EU Member States or EuroHPC Participating States" for `["eu", "eurohpc"]`.
fn groups_text(groups: &[String]) -> String {
    let names: Vec<&str> = groups
        .iter()
        .map(|g| match g.as_str() {
            "eu" => "EU Member States",
            "eurohpc" => "EuroHPC Participating States",
            other => other,
        })
        .collect();
    names.join(" or ")
}

/// 105,000: counts as people read them.
fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn apply(check: &EligibilityCheck, bid: &Bid, countries: &Countries) -> (bool, String) {
    match check {
        EligibilityCheck::AcceleratorsMoreThan { value } => {
            let n = bid.initial_accelerators();
            (
                n > *value,
                format!(
                    "{} accelerators in the initial installation (more than {} required)",
                    count(n),
                    count(*value)
                ),
            )
        }
        EligibilityCheck::AcceleratorsAtLeast { value } => {
            let n = bid.initial_accelerators();
            (
                n >= *value,
                format!(
                    "{} accelerators in the initial installation (at least {} required)",
                    count(n),
                    count(*value)
                ),
            )
        }
        EligibilityCheck::SitesIn { groups } => {
            let outside: Vec<String> = bid
                .sites
                .iter()
                .filter(|s| !countries.in_any(s.country.as_str(), groups))
                .map(|s| format!("site {} is in {}", s.name, s.country))
                .collect();
            if outside.is_empty() {
                let list: Vec<String> = bid
                    .sites
                    .iter()
                    .map(|s| format!("{} ({})", s.name, s.country))
                    .collect();
                (true, format!("sites: {}", list.join(", ")))
            } else {
                (
                    false,
                    format!("{} — outside {}", outside.join("; "), groups_text(groups)),
                )
            }
        }
        EligibilityCheck::CoordinatorIn { groups } => role_in(
            bid,
            MemberRole::Coordinator,
            "coordinator",
            groups,
            countries,
        ),
        EligibilityCheck::HostingEntityIn { groups } => role_in(
            bid,
            MemberRole::HostingEntity,
            "hosting entity",
            groups,
            countries,
        ),
        EligibilityCheck::MembersIn { groups } => {
            let outside: Vec<String> = bid
                .consortium
                .members
                .iter()
                .filter(|m| !countries.in_any(m.organisation.country.as_str(), groups))
                .map(|m| format!("{} ({})", m.organisation.name, m.organisation.country))
                .collect();
            if outside.is_empty() {
                (
                    true,
                    format!(
                        "all {} members established in {}",
                        bid.consortium.members.len(),
                        groups_text(groups)
                    ),
                )
            } else {
                (
                    false,
                    format!(
                        "established outside {}: {}",
                        groups_text(groups),
                        outside.join(", ")
                    ),
                )
            }
        }
        EligibilityCheck::MemberStateCofinancing => {
            let ms = bid.requested_member_state;
            (ms.cents() > 0, format!("Member-State contribution {ms}"))
        }
        EligibilityCheck::MaxEuShareOfCapex { share } => {
            let capex = bid.capex_total();
            let eu = bid.requested_eu;
            if capex.cents() <= 0 {
                return (
                    false,
                    "no capex lines to compare the EU contribution with".into(),
                );
            }
            let actual = eu.as_euros_f64() / capex.as_euros_f64();
            (
                actual <= *share + 1e-12,
                format!(
                    "EU contribution {eu} is {:.1} % of capex {capex} (at most {:.0} %)",
                    actual * 100.0,
                    share * 100.0
                ),
            )
        }
        EligibilityCheck::MinMembers { value } => {
            let n = bid.consortium.members.len();
            (
                n >= *value as usize,
                format!("{n} members (at least {value} required)"),
            )
        }
    }
}

fn role_in(
    bid: &Bid,
    role: MemberRole,
    label: &str,
    groups: &[String],
    countries: &Countries,
) -> (bool, String) {
    let holders: Vec<_> = bid
        .consortium
        .members
        .iter()
        .filter(|m| m.role == role)
        .collect();
    if holders.is_empty() {
        return (false, format!("the consortium names no {label}"));
    }
    let ok = holders
        .iter()
        .all(|m| countries.in_any(m.organisation.country.as_str(), groups));
    let list: Vec<String> = holders
        .iter()
        .map(|m| format!("{} ({})", m.organisation.name, m.organisation.country))
        .collect();
    let verdict = if ok { "in" } else { "outside" };
    (
        ok,
        format!(
            "{label}: {} — {verdict} {}",
            list.join(", "),
            groups_text(groups)
        ),
    )
}
