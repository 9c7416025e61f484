//! Monitoring of funded awards: the indicators a hosting entity reports every year set
//! beside what its bid claimed (red, amber or green by the programme's tolerances), the
//! Union's access ledger, and the contingent liabilities of the portfolio's guarantees and
//! loans (exposure × probability of call, PFRAM style).

use super::template::{Monitoring, Shock};
use super::{Award, Figures, Source};
use crate::model::{Bid, Eur};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use ts_rs::TS;

/// Which way an indicator is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// At least the claim (accelerators, availability…).
    Higher,
    /// At most the claim (PUE).
    Lower,
    /// Close to the claim either way (energy used).
    Near,
    /// At most a cap set by the rules (commercial use).
    Cap,
}

/// What a value of an indicator may be.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum KpiValue {
    /// A whole number from 0 to `max`.
    Whole { max: f64 },
    /// A number from `lo` to `hi`.
    Decimal { lo: f64, hi: f64 },
    /// A share from 0 to 1 (shown as a percentage).
    Share,
}

/// An indicator of the monitoring workbook.
#[derive(Clone, Copy, Debug)]
pub struct KpiDef {
    pub key: &'static str,
    /// English, French, German.
    pub name: [&'static str; 3],
    pub unit: [&'static str; 3],
    pub value: KpiValue,
    pub direction: Direction,
    /// Compared only once the award is operational (a site under construction has no
    /// availability to report against its claim).
    pub operating: bool,
}

impl KpiDef {
    pub fn name_in(&self, lang: &str) -> &'static str {
        self.name[lang_index(lang)]
    }

    pub fn unit_in(&self, lang: &str) -> &'static str {
        self.unit[lang_index(lang)]
    }
}

fn lang_index(lang: &str) -> usize {
    match lang {
        "fr" => 1,
        "de" => 2,
        _ => 0,
    }
}

const SHARE: [&str; 3] = ["%", "%", "%"];

/// The indicators, in the workbook's order (their keys are the workbook's contract).
pub const KPIS: [KpiDef; 14] = [
    KpiDef {
        key: "accelerators_installed",
        name: [
            "Accelerators installed",
            "Accélérateurs installés",
            "Installierte Beschleuniger",
        ],
        unit: ["accelerators", "accélérateurs", "Beschleuniger"],
        value: KpiValue::Whole { max: 10_000_000.0 },
        direction: Direction::Higher,
        operating: false,
    },
    KpiDef {
        key: "mw_energised",
        name: [
            "IT power energised",
            "Puissance IT sous tension",
            "IT-Leistung unter Spannung",
        ],
        unit: ["MW", "MW", "MW"],
        value: KpiValue::Decimal {
            lo: 0.0,
            hi: 10_000.0,
        },
        direction: Direction::Higher,
        operating: false,
    },
    KpiDef {
        key: "availability",
        name: ["Availability", "Disponibilité", "Verfügbarkeit"],
        unit: SHARE,
        value: KpiValue::Share,
        direction: Direction::Higher,
        operating: true,
    },
    KpiDef {
        key: "utilisation",
        name: ["Utilisation", "Taux d’utilisation", "Auslastung"],
        unit: SHARE,
        value: KpiValue::Share,
        direction: Direction::Higher,
        operating: true,
    },
    KpiDef {
        key: "pue",
        name: [
            "Power usage effectiveness (PUE)",
            "Efficacité énergétique (PUE)",
            "Energieeffizienz (PUE)",
        ],
        unit: ["", "", ""],
        value: KpiValue::Decimal { lo: 1.0, hi: 3.0 },
        direction: Direction::Lower,
        operating: true,
    },
    KpiDef {
        key: "energy_mwh",
        name: ["Energy used", "Énergie consommée", "Energieverbrauch"],
        unit: ["MWh", "MWh", "MWh"],
        value: KpiValue::Decimal {
            lo: 0.0,
            hi: 100_000_000.0,
        },
        direction: Direction::Near,
        operating: true,
    },
    KpiDef {
        key: "renewable_share",
        name: [
            "Renewable share of energy",
            "Part d’énergie renouvelable",
            "Anteil erneuerbarer Energie",
        ],
        unit: SHARE,
        value: KpiValue::Share,
        direction: Direction::Higher,
        operating: true,
    },
    KpiDef {
        key: "users",
        name: ["Users served", "Utilisateurs servis", "Bediente Nutzer"],
        unit: ["users", "utilisateurs", "Nutzer"],
        value: KpiValue::Whole { max: 10_000_000.0 },
        direction: Direction::Higher,
        operating: true,
    },
    KpiDef {
        key: "projects",
        name: ["Projects served", "Projets servis", "Bediente Projekte"],
        unit: ["projects", "projets", "Projekte"],
        value: KpiValue::Whole { max: 1_000_000.0 },
        direction: Direction::Higher,
        operating: true,
    },
    KpiDef {
        key: "startup_share",
        name: [
            "Start-ups’ share of access",
            "Part d’accès des start-up",
            "Zugangsanteil der Start-ups",
        ],
        unit: SHARE,
        value: KpiValue::Share,
        direction: Direction::Higher,
        operating: true,
    },
    KpiDef {
        key: "sme_share",
        name: [
            "SMEs’ share of access",
            "Part d’accès des PME",
            "Zugangsanteil der KMU",
        ],
        unit: SHARE,
        value: KpiValue::Share,
        direction: Direction::Higher,
        operating: true,
    },
    KpiDef {
        key: "science_share",
        name: [
            "Science’s share of access",
            "Part d’accès de la recherche",
            "Zugangsanteil der Wissenschaft",
        ],
        unit: SHARE,
        value: KpiValue::Share,
        direction: Direction::Higher,
        operating: true,
    },
    KpiDef {
        key: "union_access_share",
        name: [
            "Access time allocated to the Union",
            "Temps d’accès alloué à l’Union",
            "Der Union zugeteilte Zugangszeit",
        ],
        unit: ["% of capacity", "% de la capacité", "% der Kapazität"],
        value: KpiValue::Share,
        direction: Direction::Higher,
        operating: true,
    },
    KpiDef {
        key: "commercial_share",
        name: [
            "Commercial use of the Union’s access",
            "Usage commercial de l’accès de l’Union",
            "Kommerzielle Nutzung des Unionszugangs",
        ],
        unit: [
            "% of the Union’s access",
            "% de l’accès de l’Union",
            "% des Unionszugangs",
        ],
        value: KpiValue::Share,
        direction: Direction::Cap,
        operating: true,
    },
];

pub fn kpi(key: &str) -> Option<&'static KpiDef> {
    KPIS.iter().find(|k| k.key == key)
}

/// Load factor of the facility's energy claim (the reference estimate's λ).
pub const LOAD_FACTOR: f64 = 0.85;

/// Where a claim comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ClaimBasis {
    /// The bid's sites and hardware.
    Bid,
    /// The bid's saved finance scenario.
    Scenario,
    /// The programme's target (the bid claims nothing).
    Target,
    /// The Union's entitled access share (EU contribution ÷ total cost, capped).
    Entitlement,
    /// A cap of the rules.
    Cap,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Rag {
    Green,
    Amber,
    Red,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct Claim {
    pub kpi: String,
    pub value: f64,
    pub basis: ClaimBasis,
}

/// The Union's entitled share of access: its contribution over the total cost of
/// ownership, at most `cap`.
pub fn entitled_share(f: &Figures, cap: f64) -> f64 {
    let total = f.total().0;
    if total <= 0 {
        return 0.0;
    }
    (f.eu.0 as f64 / total as f64).min(cap)
}

/// What the award claimed for each indicator: from its bid where the bid says it, the
/// utilisation of its saved finance scenario, the programme's targets, the Union's
/// entitlement and the commercial cap.
pub fn claims(award: &Award, bid: Option<&Bid>, util: Option<f64>, m: &Monitoring) -> Vec<Claim> {
    let mut out = Vec::new();
    let mut put = |kpi: &str, value: f64, basis: ClaimBasis| {
        if value.is_finite() {
            out.push(Claim {
                kpi: kpi.to_string(),
                value,
                basis,
            });
        }
    };
    if let Some(b) = bid {
        let acc = b.initial_accelerators();
        if acc > 0 {
            put("accelerators_installed", acc as f64, ClaimBasis::Bid);
        }
        let mw: f64 = b.sites.iter().map(|s| s.it_mw).sum();
        if mw > 0.0 {
            put("mw_energised", mw, ClaimBasis::Bid);
            let pue = b.sites.iter().map(|s| s.it_mw * s.pue).sum::<f64>() / mw;
            put("pue", pue, ClaimBasis::Bid);
            let ren = b
                .sites
                .iter()
                .map(|s| s.it_mw * s.renewable_share)
                .sum::<f64>()
                / mw;
            put("renewable_share", ren, ClaimBasis::Bid);
            put(
                "energy_mwh",
                b.sites
                    .iter()
                    .map(|s| s.it_mw * s.pue * 8760.0 * LOAD_FACTOR)
                    .sum(),
                ClaimBasis::Bid,
            );
        }
    }
    match util {
        Some(u) => put("utilisation", u, ClaimBasis::Scenario),
        None => {
            if let Some(t) = m.target("utilisation") {
                put("utilisation", t, ClaimBasis::Target);
            }
        }
    }
    for k in [
        "availability",
        "users",
        "projects",
        "startup_share",
        "sme_share",
        "science_share",
        "pue",
        "renewable_share",
    ] {
        if let Some(t) = m.target(k)
            && !out.iter().any(|c| c.kpi == k)
        {
            out.push(Claim {
                kpi: k.into(),
                value: t,
                basis: ClaimBasis::Target,
            });
        }
    }
    out.push(Claim {
        kpi: "union_access_share".into(),
        value: entitled_share(&award.figures, m.union_cap(award.call_kind)),
        basis: ClaimBasis::Entitlement,
    });
    out.push(Claim {
        kpi: "commercial_share".into(),
        value: m.commercial_cap,
        basis: ClaimBasis::Cap,
    });
    out
}

/// How far a delivered value falls short of its claim (a share of the claim; positive
/// is worse) and its colour.
pub fn rag(direction: Direction, claim: f64, delivered: f64, m: &Monitoring) -> (f64, Rag) {
    let gap = if claim.abs() < 1e-12 {
        match direction {
            Direction::Higher => 0.0,
            _ if delivered.abs() < 1e-12 => 0.0,
            _ => 1.0,
        }
    } else {
        match direction {
            Direction::Higher => (claim - delivered) / claim,
            Direction::Lower | Direction::Cap => (delivered - claim) / claim,
            Direction::Near => (delivered - claim).abs() / claim,
        }
    };
    let colour = match direction {
        // A cap of the rules is kept or broken; close to it is amber.
        Direction::Cap if gap > 0.0 => Rag::Red,
        Direction::Cap if gap > -m.amber => Rag::Amber,
        Direction::Cap => Rag::Green,
        _ if gap > m.red + 1e-12 => Rag::Red,
        _ if gap > m.amber + 1e-12 => Rag::Amber,
        _ => Rag::Green,
    };
    (gap, colour)
}

/// One indicator of a report beside its claim.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct ScoreRow {
    pub kpi: String,
    pub name: String,
    pub unit: String,
    pub share: bool,
    pub direction: Direction,
    pub claim: Option<f64>,
    pub basis: Option<ClaimBasis>,
    pub delivered: Option<f64>,
    /// Shortfall against the claim, a share of it (positive is worse).
    pub gap: Option<f64>,
    pub rag: Option<Rag>,
    /// Why there is no colour: not reported, no claim, before operation.
    pub note: Option<String>,
}

/// The scorecard of one report: every indicator, its claim, what was delivered and its
/// colour. `operating`: the award was operational by the end of the report's year.
pub fn scorecard(
    claims: &[Claim],
    reported: &BTreeMap<String, f64>,
    operating: bool,
    m: &Monitoring,
    lang: &str,
) -> Vec<ScoreRow> {
    KPIS.iter()
        .map(|k| {
            let claim = claims.iter().find(|c| c.kpi == k.key);
            let delivered = reported.get(k.key).copied();
            let (gap, colour, note) = match (claim, delivered) {
                (_, None) => (None, None, Some(words(lang, "not_reported"))),
                (None, Some(_)) => (None, None, Some(words(lang, "no_claim"))),
                (Some(_), Some(_)) if k.operating && !operating => {
                    (None, None, Some(words(lang, "before_operation")))
                }
                (Some(c), Some(d)) => {
                    let (g, r) = rag(k.direction, c.value, d, m);
                    (Some(g), Some(r), None)
                }
            };
            ScoreRow {
                kpi: k.key.to_string(),
                name: k.name_in(lang).to_string(),
                unit: k.unit_in(lang).to_string(),
                share: matches!(k.value, KpiValue::Share),
                direction: k.direction,
                claim: claim.map(|c| c.value),
                basis: claim.map(|c| c.basis),
                delivered,
                gap,
                rag: colour,
                note,
            }
        })
        .collect()
}

fn words(lang: &str, key: &str) -> String {
    match (lang, key) {
        ("fr", "not_reported") => "non déclaré",
        ("fr", "no_claim") => "sans engagement ni objectif",
        ("fr", "before_operation") => "avant la mise en service",
        ("de", "not_reported") => "nicht gemeldet",
        ("de", "no_claim") => "ohne Zusage oder Ziel",
        ("de", "before_operation") => "vor der Inbetriebnahme",
        (_, "not_reported") => "not reported",
        (_, "no_claim") => "no claim or target",
        _ => "before operation",
    }
    .to_string()
}

/// The Union's access for one award and year: entitled against allocated, and the
/// commercial use of it against its cap.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct AccessRow {
    pub award_id: i64,
    pub acronym: String,
    pub year: i32,
    /// EU contribution ÷ total cost of ownership, before the cap.
    pub contribution_share: f64,
    pub cap: f64,
    pub entitled: f64,
    pub allocated: Option<f64>,
    pub commercial: Option<f64>,
    pub commercial_cap: f64,
    /// Allocated below the entitlement by more than the red tolerance.
    pub shortfall: bool,
    pub commercial_over: bool,
}

pub fn access_row(
    award: &Award,
    year: i32,
    reported: &BTreeMap<String, f64>,
    m: &Monitoring,
) -> AccessRow {
    let cap = m.union_cap(award.call_kind);
    let total = award.figures.total().0;
    let contribution_share = if total > 0 {
        award.figures.eu.0 as f64 / total as f64
    } else {
        0.0
    };
    let entitled = entitled_share(&award.figures, cap);
    let allocated = reported.get("union_access_share").copied();
    let commercial = reported.get("commercial_share").copied();
    AccessRow {
        award_id: award.id,
        acronym: award.acronym.clone(),
        year,
        contribution_share,
        cap,
        entitled,
        allocated,
        commercial,
        commercial_cap: m.commercial_cap,
        shortfall: allocated.is_some_and(|a| rag(Direction::Higher, entitled, a, m).1 == Rag::Red),
        commercial_over: commercial.is_some_and(|c| c > m.commercial_cap + 1e-12),
    }
}

// ---------------------------------------------------------------------------------------
// Contingent liabilities

/// A guarantee or a loan of the portfolio.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Instrument {
    Guarantee,
    Loan,
}

impl Instrument {
    /// The envelope's source that bears it.
    pub fn source(self) -> Source {
        match self {
            Instrument::Guarantee => Source::InvesteuGuarantee,
            Instrument::Loan => Source::EibLoan,
        }
    }
}

/// What the award's saved finance scenario says of its debt: the Monte Carlo's
/// probability of a payment default and the expected payout or loss per euro exposed,
/// and the debt's outstanding share by year (1 at drawdown).
#[derive(Clone, Debug, PartialEq)]
pub struct CallRisk {
    pub scenario: String,
    pub probability: f64,
    /// Expected guarantee payout per euro of guaranteed debt.
    pub guarantee_per_eur: f64,
    /// Expected lender's loss per euro lent.
    pub loan_per_eur: f64,
    /// (calendar year, outstanding share of the debt).
    pub profile: Vec<(i32, f64)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct LiabilityYear {
    pub year: i32,
    pub exposure: Eur,
    pub expected: Eur,
    pub shocked: Eur,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct Liability {
    pub award_id: i64,
    pub acronym: String,
    pub country: String,
    pub instrument: Instrument,
    pub source: Source,
    pub exposure: Eur,
    /// The finance scenario the probability comes from (name v version).
    pub scenario: Option<String>,
    pub probability: Option<f64>,
    pub expected: Option<Eur>,
    pub shocked_probability: Option<f64>,
    pub shocked_expected: Option<Eur>,
    /// Why there is no probability (no saved scenario with a Monte Carlo).
    pub note: Option<String>,
    pub years: Vec<LiabilityYear>,
}

/// One year and source of the portfolio's liabilities.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct LiabilityTotal {
    pub year: i32,
    pub source: Source,
    pub exposure: Eur,
    pub expected: Eur,
    pub shocked: Eur,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct Liabilities {
    pub rows: Vec<Liability>,
    pub by_year: Vec<LiabilityTotal>,
    pub exposure: Eur,
    pub expected: Eur,
    pub shocked: Eur,
    /// Rows whose probability is unknown.
    pub unknown: u32,
    pub shock: Vec<Shock>,
}

fn eur(x: f64) -> Eur {
    Eur(x.max(0.0).round() as i64)
}

/// The liability of one instrument of an award: exposure × the probability of a call,
/// spread over the years by the debt's outstanding share, under the base and the shocked
/// scenario.
pub fn liability(
    award: &Award,
    instrument: Instrument,
    exposure: Eur,
    base: Option<&CallRisk>,
    shocked: Option<&CallRisk>,
) -> Liability {
    let per_eur = |r: &CallRisk| match instrument {
        Instrument::Guarantee => r.guarantee_per_eur,
        Instrument::Loan => r.loan_per_eur,
    };
    let expected = base.map(|r| eur(per_eur(r) * exposure.0 as f64));
    let shocked_expected = shocked.map(|r| eur(per_eur(r) * exposure.0 as f64));
    let years = match base {
        None => Vec::new(),
        Some(r) => {
            let weight: f64 = r.profile.iter().map(|(_, s)| s).sum();
            r.profile
                .iter()
                .map(|(year, share)| {
                    let w = if weight > 0.0 { share / weight } else { 0.0 };
                    LiabilityYear {
                        year: *year,
                        exposure: eur(exposure.0 as f64 * share),
                        expected: eur(expected.map_or(0.0, |e| e.0 as f64) * w),
                        shocked: eur(shocked_expected.map_or(0.0, |e| e.0 as f64) * w),
                    }
                })
                .collect()
        }
    };
    Liability {
        award_id: award.id,
        acronym: award.acronym.clone(),
        country: award.country.clone(),
        instrument,
        source: instrument.source(),
        exposure,
        scenario: base.map(|r| r.scenario.clone()),
        probability: base.map(|r| r.probability),
        expected,
        shocked_probability: shocked.map(|r| r.probability),
        shocked_expected,
        note: base.is_none().then(|| {
            "no saved finance scenario with a Monte Carlo for this award's bid: the probability of a call is unknown".to_string()
        }),
        years,
    }
}

/// Sums the rows by year and source, and overall.
pub fn liabilities(rows: Vec<Liability>, shock: &[Shock]) -> Liabilities {
    let mut by: BTreeMap<(i32, Source), (i64, i64, i64)> = BTreeMap::new();
    for r in &rows {
        for y in &r.years {
            let e = by.entry((y.year, r.source)).or_default();
            e.0 += y.exposure.0;
            e.1 += y.expected.0;
            e.2 += y.shocked.0;
        }
    }
    Liabilities {
        by_year: by
            .into_iter()
            .map(|((year, source), (e, x, s))| LiabilityTotal {
                year,
                source,
                exposure: Eur(e),
                expected: Eur(x),
                shocked: Eur(s),
            })
            .collect(),
        exposure: rows.iter().map(|r| r.exposure).sum(),
        expected: rows.iter().filter_map(|r| r.expected).sum(),
        shocked: rows.iter().filter_map(|r| r.shocked_expected).sum(),
        unknown: rows.iter().filter(|r| r.probability.is_none()).count() as u32,
        shock: shock.to_vec(),
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_follow_the_tolerances() {
        let m = Monitoring::default();
        assert_eq!(rag(Direction::Higher, 100.0, 96.0, &m).1, Rag::Green);
        assert_eq!(rag(Direction::Higher, 100.0, 90.0, &m).1, Rag::Amber);
        assert_eq!(rag(Direction::Higher, 100.0, 80.0, &m).1, Rag::Red);
        assert_eq!(rag(Direction::Higher, 100.0, 120.0, &m).1, Rag::Green);
        assert_eq!(rag(Direction::Lower, 1.2, 1.25, &m).1, Rag::Green);
        assert_eq!(rag(Direction::Lower, 1.2, 1.4, &m).1, Rag::Red);
        assert_eq!(rag(Direction::Near, 1000.0, 1100.0, &m).1, Rag::Amber);
        assert_eq!(rag(Direction::Cap, 0.2, 0.21, &m).1, Rag::Red);
        assert_eq!(rag(Direction::Cap, 0.2, 0.195, &m).1, Rag::Amber);
        assert_eq!(rag(Direction::Cap, 0.2, 0.1, &m).1, Rag::Green);
    }

    #[test]
    fn every_kpi_has_names_in_three_languages() {
        for k in KPIS {
            for l in ["en", "fr", "de"] {
                assert!(!k.name_in(l).is_empty(), "{} in {l}", k.key);
            }
        }
    }
}
