//! Conflicts of interest (EVALUATION.md): declared by the evaluator (per bid or per
//! organisation, typed) and detected (the evaluator's organisation, e-mail domain or
//! parent group is a member of the bid's consortium).

use super::CallData;
use crate::model::{ConflictKind, ConflictSource, Evaluator, Organisation};
use serde::Serialize;
use std::collections::HashSet;
use ts_rs::TS;

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct ConflictFinding {
    pub evaluator_id: i64,
    pub evaluator: String,
    pub email: String,
    pub bid_id: i64,
    pub acronym: String,
    pub kind: ConflictKind,
    pub source: ConflictSource,
    /// The consortium member concerned, when there is one.
    pub organisation: Option<String>,
    /// Why, in a sentence a person can check.
    pub reason: String,
}

/// Every conflict between the call's bids and the roster, declared ones first for each
/// pair, in evaluator then bid order.
pub fn find(data: &CallData) -> Vec<ConflictFinding> {
    // Names and domains are normalised once, not once per (evaluator, member) pair: a
    // 1,000-bid call with 200 experts compares a million pairs.
    let people: Vec<Keys> = data.evaluators.iter().map(Keys::of_evaluator).collect();
    let mut orgs: std::collections::HashMap<i64, Keys> = std::collections::HashMap::new();
    for m in data.bids.iter().flat_map(|b| b.consortium.members.iter()) {
        orgs.entry(m.organisation.id)
            .or_insert_with(|| Keys::of_organisation(&m.organisation));
    }
    let mut out = Vec::new();
    for (e, who) in data.evaluators.iter().zip(&people) {
        let declared: Vec<&crate::model::Conflict> = data
            .conflicts
            .iter()
            .filter(|c| c.evaluator_id == e.id)
            .collect();
        for bid in &data.bids {
            let mut push = |kind, source, organisation: Option<&Organisation>, reason: String| {
                out.push(ConflictFinding {
                    evaluator_id: e.id,
                    evaluator: e.name.clone(),
                    email: e.email.clone(),
                    bid_id: bid.id,
                    acronym: bid.acronym.clone(),
                    kind,
                    source,
                    organisation: organisation.map(|o| o.name.clone()),
                    reason,
                })
            };
            for c in &declared {
                if c.bid_id == Some(bid.id) {
                    let note = if c.note.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", c.note)
                    };
                    push(
                        c.kind,
                        c.source,
                        None,
                        format!("declared ({}){note}", kind_label(c.kind)),
                    );
                } else if let Some(org_id) = c.organisation_id
                    && let Some(m) = bid
                        .consortium
                        .members
                        .iter()
                        .find(|m| m.organisation.id == org_id)
                {
                    push(
                        c.kind,
                        c.source,
                        Some(&m.organisation),
                        format!(
                            "declared ({}) against {}, a member of the consortium",
                            kind_label(c.kind),
                            m.organisation.name
                        ),
                    );
                }
            }
            for m in &bid.consortium.members {
                let Some(org) = orgs.get(&m.organisation.id) else {
                    continue;
                };
                if !who.may_match(org) && e.organisation_id != Some(m.organisation.id) {
                    continue;
                }
                for (kind, reason) in detect_keyed(e, who, &m.organisation, org) {
                    push(
                        kind,
                        ConflictSource::Detected,
                        Some(&m.organisation),
                        reason,
                    );
                }
            }
        }
    }
    out
}

/// The normalised name, e-mail domain and parent group of an evaluator or organisation.
struct Keys {
    name: String,
    domain: String,
    group: Option<String>,
}

impl Keys {
    fn of_evaluator(e: &Evaluator) -> Keys {
        Keys {
            name: normalise(&e.organisation),
            domain: e
                .email
                .rsplit_once('@')
                .map(|(_, d)| d.to_lowercase())
                .unwrap_or_default(),
            group: e.parent_group.as_deref().map(normalise),
        }
    }

    fn of_organisation(o: &Organisation) -> Keys {
        Keys {
            name: normalise(&o.name),
            domain: o.email_domain.to_lowercase(),
            group: o.parent_group.as_deref().map(normalise),
        }
    }

    /// A cheap test that rules out most pairs before any sentence is written.
    fn may_match(&self, org: &Keys) -> bool {
        (!self.name.is_empty() && self.name == org.name)
            || (!org.domain.is_empty()
                && !self.domain.is_empty()
                && same_domain(&self.domain, &org.domain))
            || matches!((&self.group, &org.group), (Some(a), Some(b)) if !a.is_empty() && a == b)
    }
}

/// An assignment suspended because a conflict of interest was found after it was made.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct Suspension {
    pub call: String,
    pub bid_id: i64,
    pub acronym: String,
    pub evaluator_id: i64,
    pub evaluator: String,
    pub reason: String,
}

/// In `tx`, suspends every standing assignment a conflict of interest now forbids (a
/// conflict declared after the assignment, or a roster change that makes one detectable),
/// and names another expert of the bid rapporteur when the rapporteur is suspended. The
/// planner then gives each such bid a replacement.
pub fn suspend_conflicted(tx: &mut crate::store::Tx<'_>) -> crate::Result<Vec<Suspension>> {
    use crate::model::AssignmentRole;
    use crate::store;
    let mut out = Vec::new();
    for call in store::calls::list(tx.conn())? {
        let data = CallData::load_consortia(tx.conn(), &call.code)?;
        if data.assignments.iter().all(|a| a.suspended.is_some()) {
            continue;
        }
        let findings = find(&data);
        for a in data.assignments.iter().filter(|a| a.suspended.is_none()) {
            let Some(f) = findings
                .iter()
                .find(|f| f.evaluator_id == a.evaluator_id && f.bid_id == a.bid_id)
            else {
                continue;
            };
            if !store::evaluation::suspend_assignment(tx, a, &f.reason)? {
                continue;
            }
            if a.role == AssignmentRole::Rapporteur
                && let Some(next) = store::evaluation::bid_assignments(tx.conn(), a.bid_id)?
                    .into_iter()
                    .find(|o| o.suspended.is_none() && o.evaluator_id != a.evaluator_id)
            {
                store::evaluation::set_assignment_role(
                    tx,
                    a.bid_id,
                    next.evaluator_id,
                    AssignmentRole::Rapporteur,
                )?;
            }
            out.push(Suspension {
                call: call.code.clone(),
                bid_id: a.bid_id,
                acronym: f.acronym.clone(),
                evaluator_id: a.evaluator_id,
                evaluator: f.evaluator.clone(),
                reason: f.reason.clone(),
            });
        }
    }
    Ok(out)
}

/// The conflicts between one evaluator and one bid, read from `conn` (the check a score
/// runs inside its write).
pub fn of_pair(
    conn: &rusqlite::Connection,
    bid_id: i64,
    evaluator_id: i64,
) -> crate::Result<Vec<ConflictFinding>> {
    use crate::store;
    let bids = store::bids::consortia_of(conn, &[bid_id])?;
    let Some(bid) = bids.first() else {
        return Ok(Vec::new());
    };
    let data = CallData {
        call: store::calls::by_code(conn, &bid.call_code)?,
        evaluators: vec![store::evaluation::evaluator(conn, evaluator_id)?],
        conflicts: store::evaluation::conflicts(conn)?
            .into_iter()
            .filter(|c| c.evaluator_id == evaluator_id)
            .collect(),
        assignments: Vec::new(),
        bids,
    };
    Ok(find(&data))
}

/// The (evaluator, bid) pairs that must never be assigned.
pub fn blocked_pairs(findings: &[ConflictFinding]) -> HashSet<(i64, i64)> {
    findings
        .iter()
        .map(|f| (f.evaluator_id, f.bid_id))
        .collect()
}

/// Detected links between an evaluator and one consortium member.
pub fn detect(e: &Evaluator, org: &Organisation) -> Vec<(ConflictKind, String)> {
    detect_keyed(e, &Keys::of_evaluator(e), org, &Keys::of_organisation(org))
}

fn detect_keyed(
    e: &Evaluator,
    who: &Keys,
    org: &Organisation,
    keys: &Keys,
) -> Vec<(ConflictKind, String)> {
    let mut out = Vec::new();
    if e.organisation_id == Some(org.id) || (!who.name.is_empty() && who.name == keys.name) {
        out.push((
            ConflictKind::SameOrganisation,
            format!("works for {}, a member of the consortium", org.name),
        ));
    }
    if !who.domain.is_empty() && !keys.domain.is_empty() && same_domain(&who.domain, &keys.domain) {
        out.push((
            ConflictKind::SameEmailDomain,
            format!(
                "e-mail domain {} is that of {} ({}), a member of the consortium",
                who.domain, org.name, org.email_domain
            ),
        ));
    }
    if let (Some(a), Some(b)) = (&who.group, &keys.group)
        && !a.is_empty()
        && a == b
    {
        out.push((
            ConflictKind::SameParentGroup,
            format!(
                "belongs to the group {}, as {}, a member of the consortium",
                org.parent_group.as_deref().unwrap_or(""),
                org.name
            ),
        ));
    }
    out
}

fn normalise(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// `a.example` and `lab.a.example` are the same organisation's domains.
fn same_domain(a: &str, b: &str) -> bool {
    let sub = |long: &str, short: &str| {
        long.len() > short.len()
            && long.ends_with(short)
            && long.as_bytes()[long.len() - short.len() - 1] == b'.'
    };
    a == b || sub(a, b) || sub(b, a)
}

pub fn kind_label(kind: ConflictKind) -> &'static str {
    match kind {
        ConflictKind::Employment => "employment",
        ConflictKind::Shareholding => "shareholding",
        ConflictKind::AdvisoryRole => "advisory role",
        ConflictKind::FamilyOrPersonal => "family or personal",
        ConflictKind::RecentCollaboration => "recent collaboration",
        ConflictKind::Competitor => "competitor",
        ConflictKind::Other => "other",
        ConflictKind::SameOrganisation => "same organisation",
        ConflictKind::SameEmailDomain => "same e-mail domain",
        ConflictKind::SameParentGroup => "same parent group",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CountryCode, OrganisationKind};

    fn org(name: &str, domain: &str, group: Option<&str>) -> Organisation {
        Organisation {
            id: 7,
            name: name.into(),
            country: CountryCode("NL".into()),
            kind: OrganisationKind::LargeEnterprise,
            email_domain: domain.into(),
            parent_group: group.map(Into::into),
        }
    }

    fn evaluator(org: &str, email: &str, group: Option<&str>) -> Evaluator {
        Evaluator {
            id: 1,
            name: "E".into(),
            email: email.into(),
            organisation: org.into(),
            country: CountryCode("NL".into()),
            expertise: vec![],
            organisation_id: None,
            parent_group: group.map(Into::into),
            public_key: None,
        }
    }

    #[test]
    fn detects_organisation_domain_and_group_separately() {
        let o = org(
            "Maasvlakte Compute B.V.",
            "maasvlakte-compute.example",
            Some("Delta Holding"),
        );
        let kinds = |e: &Evaluator| {
            detect(e, &o)
                .into_iter()
                .map(|(k, _)| k)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            kinds(&evaluator("maasvlakte compute bv", "x@other.example", None)),
            vec![ConflictKind::SameOrganisation]
        );
        assert_eq!(
            kinds(&evaluator(
                "Elsewhere",
                "x@lab.maasvlakte-compute.example",
                None
            )),
            vec![ConflictKind::SameEmailDomain]
        );
        assert_eq!(
            kinds(&evaluator(
                "Elsewhere",
                "x@other.example",
                Some("DELTA holding")
            )),
            vec![ConflictKind::SameParentGroup]
        );
        assert!(kinds(&evaluator("Elsewhere", "x@compute.example", None)).is_empty());
    }
}
