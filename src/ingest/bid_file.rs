//! Bid files (`sample-data/bids/*.toml`): one consortium's bid with its sites, hardware,
//! capex, opex and financing. The applicant workbook (.xlsx) reader produces the same
//! [`Bid`] and applies the same checks ([`check_bid`]).

use super::{Problems, parse_toml, toml_date, toml_datetime};
use crate::countries::countries;
use crate::error::Result;
use crate::model::{
    Bid, BidStatus, CapexCategory, Consortium, CostLine, CountryCode, Eur, FinancingPlan,
    GuaranteeKind, HardwareLine, Member, MemberRole, Milestone, OpexCategory, Organisation,
    OrganisationKind, Site,
};
use serde::Deserialize;
use std::collections::HashSet;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BidFile {
    call: String,
    acronym: String,
    title: String,
    status: BidStatus,
    submitted_at: Option<toml::value::Datetime>,
    #[serde(default)]
    scope: Vec<String>,
    requested_eu_eur: f64,
    requested_member_state_eur: f64,
    consortium: ConsortiumFile,
    #[serde(default)]
    site: Vec<SiteFile>,
    #[serde(default)]
    hardware: Vec<HardwareFile>,
    #[serde(default)]
    capex: Vec<LineFile<CapexCategory>>,
    #[serde(default)]
    opex: Vec<LineFile<OpexCategory>>,
    financing: FinancingFile,
    #[serde(default)]
    milestone: Vec<MilestoneFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MilestoneFile {
    name: String,
    date: toml::value::Datetime,
    #[serde(default)]
    description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsortiumFile {
    name: String,
    #[serde(default)]
    member: Vec<MemberFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MemberFile {
    name: String,
    country: String,
    kind: OrganisationKind,
    role: MemberRole,
    email_domain: String,
    parent_group: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SiteFile {
    name: String,
    country: String,
    region: String,
    it_mw: f64,
    pue: f64,
    wue: f64,
    renewable_share: f64,
    grid_connection: toml::value::Datetime,
    go_live: toml::value::Datetime,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HardwareFile {
    generation: u32,
    accelerator: String,
    count: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LineFile<C> {
    year: i32,
    category: C,
    description: String,
    amount_eur: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FinancingFile {
    eu_grant_eur: f64,
    member_state_grant_eur: f64,
    senior_debt_eur: f64,
    equity_eur: f64,
    guarantee: GuaranteeKind,
    #[serde(default)]
    guarantee_eur: f64,
}

/// Reads a bid file. `known_accelerators` are the keys a hardware line may name.
pub fn parse(file: &str, text: &str, known_accelerators: &HashSet<String>) -> Result<Bid> {
    let f: BidFile = parse_toml(file, text)?;
    let mut p = Problems::new(file);
    let amount = |p: &mut Problems, table: &str, field: &str, eur: f64| -> Eur {
        match Eur::from_euros_f64(eur).filter(|e| e.cents() >= 0) {
            Some(e) => e,
            None => {
                p.add(
                    table,
                    field,
                    "an amount of euros, zero or more",
                    Some(eur.to_string()),
                );
                Eur::ZERO
            }
        }
    };

    let members = f
        .consortium
        .member
        .iter()
        .map(|m| Member {
            organisation: Organisation {
                id: 0,
                name: m.name.trim().to_string(),
                country: CountryCode(m.country.trim().to_uppercase()),
                kind: m.kind,
                email_domain: m.email_domain.trim().to_lowercase(),
                parent_group: m.parent_group.clone().filter(|g| !g.trim().is_empty()),
            },
            role: m.role,
        })
        .collect();
    let mut sites = Vec::new();
    for (i, s) in f.site.iter().enumerate() {
        let table = format!("site[{}]", i + 1);
        let grid = toml_date(&s.grid_connection);
        let live = toml_date(&s.go_live);
        p.check(
            grid.is_some(),
            &table,
            "grid_connection",
            "a date such as 2027-04-01",
            || s.grid_connection.to_string(),
        );
        p.check(
            live.is_some(),
            &table,
            "go_live",
            "a date such as 2028-03-01",
            || s.go_live.to_string(),
        );
        sites.push(Site {
            name: s.name.trim().to_string(),
            country: CountryCode(s.country.trim().to_uppercase()),
            region: s.region.trim().to_string(),
            it_mw: s.it_mw,
            pue: s.pue,
            wue: s.wue,
            renewable_share: s.renewable_share,
            grid_connection: grid.unwrap_or_default(),
            go_live: live.unwrap_or_default(),
        });
    }
    let capex = f
        .capex
        .iter()
        .enumerate()
        .map(|(i, l)| CostLine {
            year: l.year,
            category: l.category,
            description: l.description.clone(),
            amount: amount(
                &mut p,
                &format!("capex[{}]", i + 1),
                "amount_eur",
                l.amount_eur,
            ),
        })
        .collect();
    let opex = f
        .opex
        .iter()
        .enumerate()
        .map(|(i, l)| CostLine {
            year: l.year,
            category: l.category,
            description: l.description.clone(),
            amount: amount(
                &mut p,
                &format!("opex[{}]", i + 1),
                "amount_eur",
                l.amount_eur,
            ),
        })
        .collect();
    let fin = &f.financing;
    let financing = FinancingPlan {
        eu_grant: amount(&mut p, "financing", "eu_grant_eur", fin.eu_grant_eur),
        member_state_grant: amount(
            &mut p,
            "financing",
            "member_state_grant_eur",
            fin.member_state_grant_eur,
        ),
        senior_debt: amount(&mut p, "financing", "senior_debt_eur", fin.senior_debt_eur),
        equity: amount(&mut p, "financing", "equity_eur", fin.equity_eur),
        guarantee_kind: fin.guarantee,
        guarantee_amount: amount(&mut p, "financing", "guarantee_eur", fin.guarantee_eur),
    };
    let mut milestones = Vec::new();
    for (i, m) in f.milestone.iter().enumerate() {
        let date = toml_date(&m.date);
        p.check(
            date.is_some(),
            &format!("milestone[{}]", i + 1),
            "date",
            "a date such as 2028-03-01",
            || m.date.to_string(),
        );
        milestones.push(Milestone {
            name: m.name.trim().to_string(),
            date: date.unwrap_or_default(),
            description: m.description.trim().to_string(),
        });
    }
    let submitted_at = match &f.submitted_at {
        Some(d) => {
            let t = toml_datetime(d);
            p.check(
                t.is_some(),
                "bid",
                "submitted_at",
                "a date-time such as 2026-06-22T15:59:00Z",
                || d.to_string(),
            );
            t
        }
        None => None,
    };
    let bid = Bid {
        id: 0,
        call_code: f.call.trim().to_string(),
        consortium: Consortium {
            id: 0,
            name: f.consortium.name.trim().to_string(),
            members,
        },
        acronym: f.acronym.trim().to_string(),
        title: f.title.trim().to_string(),
        status: f.status,
        version: 1,
        submitted_at,
        scope: f.scope.clone(),
        sites,
        hardware: f
            .hardware
            .iter()
            .map(|h| HardwareLine {
                generation: h.generation,
                accelerator: h.accelerator.trim().to_string(),
                count: h.count,
            })
            .collect(),
        requested_eu: amount(&mut p, "bid", "requested_eu_eur", f.requested_eu_eur),
        requested_member_state: amount(
            &mut p,
            "bid",
            "requested_member_state_eur",
            f.requested_member_state_eur,
        ),
        capex,
        opex,
        financing,
        milestones,
    };
    check_bid(&mut p, &bid, known_accelerators)?;
    p.finish(bid)
}

/// Longest name or title in a bid.
pub const MAX_NAME: usize = 500;
/// Longest description in a bid.
pub const MAX_DESCRIPTION: usize = 5_000;

/// The rules every bid meets before it is stored, whatever file it came from.
pub(crate) fn check_bid(
    p: &mut Problems,
    bid: &Bid,
    known_accelerators: &HashSet<String>,
) -> Result<()> {
    let countries = countries()?;
    // Every text of a bid has a length a committee prints: a name or title of a few
    // hundred characters, a milestone's description of a few thousand.
    let mut texts: Vec<(String, &str, &str, usize)> = vec![
        ("bid".into(), "title", bid.title.as_str(), MAX_NAME),
        (
            "consortium".into(),
            "name",
            bid.consortium.name.as_str(),
            MAX_NAME,
        ),
    ];
    for (i, m) in bid.consortium.members.iter().enumerate() {
        texts.push((
            format!("member[{}]", i + 1),
            "name",
            &m.organisation.name,
            MAX_NAME,
        ));
    }
    for (i, site) in bid.sites.iter().enumerate() {
        texts.push((format!("site[{}]", i + 1), "name", &site.name, MAX_NAME));
        texts.push((format!("site[{}]", i + 1), "region", &site.region, MAX_NAME));
    }
    for (i, m) in bid.milestones.iter().enumerate() {
        texts.push((format!("milestone[{}]", i + 1), "name", &m.name, MAX_NAME));
        texts.push((
            format!("milestone[{}]", i + 1),
            "description",
            &m.description,
            MAX_DESCRIPTION,
        ));
    }
    for (table, field, text, max) in texts {
        let n = text.chars().count();
        p.check(
            n <= max,
            &table,
            field,
            &format!("at most {max} characters"),
            || format!("{n} characters"),
        );
    }
    p.check(
        !bid.acronym.is_empty()
            && bid.acronym.len() <= 20
            && bid
                .acronym
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-'),
        "bid",
        "acronym",
        "an acronym is 1–20 upper-case letters, digits and '-'",
        || bid.acronym.clone(),
    );
    p.check(
        !bid.title.is_empty(),
        "bid",
        "title",
        "the title is required",
        String::new,
    );
    p.check(
        !bid.consortium.name.is_empty(),
        "consortium",
        "name",
        "the consortium's name is required",
        String::new,
    );

    let members = &bid.consortium.members;
    p.check(
        !members.is_empty(),
        "consortium",
        "member",
        "a consortium has at least one member",
        || "none".into(),
    );
    let coordinators = members
        .iter()
        .filter(|m| m.role == MemberRole::Coordinator)
        .count();
    p.check(
        coordinators == 1,
        "consortium",
        "role",
        "exactly one member is the coordinator",
        || format!("{coordinators} coordinators"),
    );
    let mut names = HashSet::new();
    for (i, m) in members.iter().enumerate() {
        let table = format!("consortium.member[{}]", i + 1);
        let o = &m.organisation;
        p.check(
            !o.name.is_empty(),
            &table,
            "name",
            "the organisation's name is required",
            String::new,
        );
        p.check(
            names.insert(o.name.to_lowercase()),
            &table,
            "name",
            "each organisation appears once in a consortium",
            || o.name.clone(),
        );
        p.check(
            countries.get(o.country.as_str()).is_some(),
            &table,
            "country",
            "an ISO 3166 country code such as DE or FR",
            || o.country.to_string(),
        );
        p.check(
            o.email_domain.contains('.')
                && !o.email_domain.contains('@')
                && !o.email_domain.contains(' '),
            &table,
            "email_domain",
            "an e-mail domain such as example.eu (without '@')",
            || o.email_domain.clone(),
        );
    }

    p.check(
        !bid.sites.is_empty(),
        "site",
        "name",
        "a bid has at least one site",
        || "none".into(),
    );
    for (i, s) in bid.sites.iter().enumerate() {
        let table = format!("site[{}]", i + 1);
        p.check(
            countries.get(s.country.as_str()).is_some(),
            &table,
            "country",
            "an ISO 3166 country code such as DE or FR",
            || s.country.to_string(),
        );
        p.check(
            s.it_mw > 0.0 && s.it_mw.is_finite(),
            &table,
            "it_mw",
            "IT power is a positive number of MW",
            || s.it_mw.to_string(),
        );
        p.check(
            (1.0..=3.0).contains(&s.pue),
            &table,
            "pue",
            "PUE must be between 1.0 and 3.0",
            || s.pue.to_string(),
        );
        p.check(
            (0.0..=10.0).contains(&s.wue),
            &table,
            "wue",
            "WUE must be between 0 and 10 L/kWh",
            || s.wue.to_string(),
        );
        p.check(
            (0.0..=1.0).contains(&s.renewable_share),
            &table,
            "renewable_share",
            "a share between 0 and 1 (0 % to 100 %)",
            || s.renewable_share.to_string(),
        );
        p.check(
            s.grid_connection <= s.go_live,
            &table,
            "go_live",
            "go-live is on or after the grid connection",
            || {
                format!(
                    "grid connection {}, go-live {}",
                    s.grid_connection, s.go_live
                )
            },
        );
    }

    p.check(
        !bid.hardware.is_empty(),
        "hardware",
        "accelerator",
        "a bid names its accelerators",
        || "none".into(),
    );
    for (i, h) in bid.hardware.iter().enumerate() {
        let table = format!("hardware[{}]", i + 1);
        p.check(
            known_accelerators.contains(&h.accelerator),
            &table,
            "accelerator",
            "an accelerator of hardware.csv (accelerator_key)",
            || h.accelerator.clone(),
        );
        p.check(
            h.count > 0,
            &table,
            "count",
            "at least one accelerator",
            || h.count.to_string(),
        );
        p.check(
            h.generation >= 1,
            &table,
            "generation",
            "generations count from 1",
            || h.generation.to_string(),
        );
    }

    let f = &bid.financing;
    p.check(
        f.eu_grant == bid.requested_eu,
        "financing",
        "eu_grant_eur",
        "the EU grant equals the requested EU contribution",
        || format!("{} vs requested {}", f.eu_grant, bid.requested_eu),
    );
    p.check(
        f.member_state_grant == bid.requested_member_state,
        "financing",
        "member_state_grant_eur",
        "the Member-State grant equals the requested Member-State contribution",
        || {
            format!(
                "{} vs requested {}",
                f.member_state_grant, bid.requested_member_state
            )
        },
    );
    let capex = bid.capex_total();
    p.check(
        !bid.capex.is_empty(),
        "capex",
        "amount_eur",
        "a bid has capex lines",
        || "none".into(),
    );
    p.check(
        (f.total() - capex).cents().abs() <= 100,
        "financing",
        "total",
        "the financing total equals the capex total",
        || format!("financing {} vs capex {}", f.total(), capex),
    );
    p.check(
        f.guarantee_amount <= f.senior_debt,
        "financing",
        "guarantee_eur",
        "a guarantee covers at most the senior debt",
        || format!("{} vs debt {}", f.guarantee_amount, f.senior_debt),
    );
    Ok(())
}
