//! The programme office after selection: programmes imported from their templates, awards
//! made from a ranked call's main list (a reserve bid only after a withdrawal), agreements
//! and append-only amendments, milestones with evidence, tranches released only behind a
//! verified gate, and the portfolio's figures. Every rule is checked inside the write it
//! guards; a refusal names the rule and stores nothing.

use crate::error::{Error, Location, Problem, Result};
use crate::evaluation::{self, ranking::List};
use crate::ingest;
use crate::model::{Actor, CallKind, Eur};
use crate::programme::portfolio::{self, Portfolio};
use crate::programme::template::{self, RecordedAward, share_bp};
use crate::programme::{
    Agreement, AgreementKind, Amendment, AmendmentKind, Award, AwardStatus, Deviation,
    DeviationAction, DeviationKind, Figures, Milestone, MilestoneState, Template, Tranche,
    TrancheKind, TrancheState, refuse, share_problems, tranche_amounts,
};
use crate::store::programme::{self as repo, Commitment, StoredProgramme};
use crate::store::{Store, Tx};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;
use ts_rs::TS;

// ---------------------------------------------------------------------------------------
// Programmes

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct ProgrammeRow {
    pub code: String,
    pub name: String,
    pub calls: Vec<String>,
    pub awards: u32,
    pub eu_committed: Eur,
    pub leverage_target: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct Imported {
    pub code: String,
    pub name: String,
    pub recorded_awards: u32,
}

/// Imports a programme file: the template and the awards it records (all or nothing).
pub fn import(store: &mut Store, actor: &Actor, path: &Path) -> Result<Imported> {
    let file = ingest::display_name(path);
    let text = ingest::read_text(path)?;
    import_text(store, actor, &file, &text)
}

pub fn import_text(store: &mut Store, actor: &Actor, file: &str, text: &str) -> Result<Imported> {
    let parsed = template::parse(file, text)?;
    store.write(actor, |tx| import_in(tx, &parsed))
}

/// Stores a parsed programme file in `tx` (the demo loads its programmes this way).
pub(crate) fn import_in(tx: &mut Tx<'_>, parsed: &template::ProgrammeFile) -> Result<Imported> {
    let id = repo::insert_programme(tx, &parsed.template)?;
    for c in &parsed.commitments {
        repo::insert_commitment(tx, id, c)?;
    }
    for a in &parsed.awards {
        record(tx, id, &parsed.template, a)?;
    }
    Ok(Imported {
        code: parsed.template.code.clone(),
        name: parsed.template.name.clone(),
        recorded_awards: parsed.awards.len() as u32,
    })
}

/// The shipped programme templates (file name, text).
pub fn shipped() -> Vec<(String, String)> {
    template::shipped()
}

/// An award made before the programme came into Gigafund: its milestones and tranches
/// from the template, what it reached and what was paid, as the public facts say.
fn record(tx: &mut Tx<'_>, programme_id: i64, t: &Template, a: &RecordedAward) -> Result<i64> {
    let award = Award {
        id: 0,
        programme: t.code.clone(),
        call_code: a.call_code.clone(),
        call_kind: a.call_kind,
        bid_id: None,
        acronym: a.acronym.clone(),
        title: a.title.clone(),
        host: a.host.clone(),
        country: a.country.clone(),
        selected_on: a.selected_on,
        status: AwardStatus::Active,
        from_reserve: false,
        rank: None,
        figures: a.figures.clone(),
        illustrative: a.illustrative.clone(),
        created_at: tx.actor().at,
    };
    let id = repo::insert_award(tx, programme_id, &award)?;
    let mut milestones = plan_milestones(t, a.call_kind, a.selected_on);
    for r in &a.reached {
        if let Some(m) = milestones.iter_mut().find(|m| m.code == r.code) {
            m.actual = Some(r.actual);
            m.forecast = r.actual;
            m.evidence = r.evidence.clone().or_else(|| Some("public record".into()));
            if r.verified {
                m.verified_by = Some("recorded from public facts".into());
                m.verified_on = Some(r.actual);
            }
        }
    }
    for m in &milestones {
        repo::insert_milestone(tx, id, m)?;
    }
    for (kind, on, reference) in [
        (
            AgreementKind::Hosting,
            a.hosting_signed,
            "hosting agreement",
        ),
        (AgreementKind::Grant, a.grant_signed, "grant agreement"),
    ] {
        if let Some(on) = on {
            repo::insert_agreement(
                tx,
                id,
                &Agreement {
                    kind,
                    version: 1,
                    signed_on: on,
                    reference: format!("{} {reference}", a.acronym),
                },
            )?;
        }
    }
    let mut tranches = plan_tranches(t, a.call_kind, a.figures.eu);
    let signed = a.grant_signed;
    let today = tx.actor().at.date_naive();
    for tr in tranches.iter_mut() {
        if a.paid.contains(&tr.code) {
            // Paid on its due date, or approved and waiting when that is still ahead.
            let on = portfolio::expected_on(tr, &award, &milestones, signed);
            tr.requested_on = Some(on - chrono::Duration::days(i64::from(tr.due_days)));
            tr.approved_on = Some((on - chrono::Duration::days(5)).min(today));
            if on <= today {
                tr.state = TrancheState::Paid;
                tr.paid = tr.amount;
                tr.paid_on = Some(on);
            } else {
                tr.state = TrancheState::Approved;
            }
        }
    }
    for tr in &tranches {
        repo::insert_tranche(tx, id, tr)?;
    }
    Ok(id)
}

/// The milestones of a new award from its call kind's chain: baselines from the date of
/// selection.
fn plan_milestones(t: &Template, kind: CallKind, selected: NaiveDate) -> Vec<Milestone> {
    t.milestones_for(kind)
        .into_iter()
        .enumerate()
        .map(|(i, m)| {
            let baseline = selected
                .checked_add_months(chrono::Months::new(m.months))
                .unwrap_or(selected);
            Milestone {
                code: m.code.clone(),
                position: i as u32 + 1,
                baseline,
                forecast: baseline,
                actual: None,
                evidence: None,
                evidence_sha256: None,
                verified_by: None,
                verified_on: None,
            }
        })
        .collect()
}

fn plan_tranches(t: &Template, kind: CallKind, eu: Eur) -> Vec<Tranche> {
    let templates = t.tranches_for(kind);
    let shares: Vec<(TrancheKind, u32)> = templates
        .iter()
        .map(|x| (x.kind, share_bp(x.share)))
        .collect();
    let amounts = tranche_amounts(eu, &shares, t.payments.retention);
    templates
        .iter()
        .zip(amounts)
        .enumerate()
        .map(|(i, (x, amount))| Tranche {
            code: x.code.clone(),
            position: i as u32 + 1,
            kind: x.kind,
            share_bp: share_bp(x.share),
            gate: x.gate.clone(),
            due_days: t.due_days(x.kind),
            state: TrancheState::Planned,
            amount,
            paid: Eur::ZERO,
            requested_on: None,
            approved_on: None,
            paid_on: None,
            note: String::new(),
        })
        .collect()
}

pub fn list(store: &Store) -> Result<Vec<ProgrammeRow>> {
    let conn = store.conn();
    repo::programmes(conn)?
        .into_iter()
        .map(|p| {
            let awards = repo::awards(conn, Some(p.id))?;
            Ok(ProgrammeRow {
                code: p.template.code.clone(),
                name: p.template.name.clone(),
                calls: p.template.calls.clone(),
                awards: awards.len() as u32,
                eu_committed: awards
                    .iter()
                    .filter(|a| a.status != AwardStatus::Withdrawn)
                    .map(|a| a.figures.eu)
                    .sum(),
                leverage_target: p.template.leverage_target,
            })
        })
        .collect()
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct ProgrammeDetail {
    pub template: Template,
    pub commitments: Vec<Commitment>,
    pub awards: Vec<AwardRow>,
    /// Calls whose host-state commitments are missing (gigafactory calls: before the call
    /// opens, Art. 12b(4)).
    pub flags: Vec<String>,
    /// The same, as figures (for a flag in the reader's language).
    pub gaps: Vec<HostStateGap>,
}

pub fn show(store: &Store, code: &str, today: NaiveDate) -> Result<ProgrammeDetail> {
    let p = repo::programme(store.conn(), code)?;
    let rows = award_rows(store, Some(p.id), today)?;
    Ok(ProgrammeDetail {
        flags: host_state_flags(store, &p)?,
        gaps: host_state_gaps(store, &p)?,
        commitments: repo::commitments(store.conn(), p.id)?,
        template: p.template,
        awards: rows,
    })
}

/// A gigafactory call's main-list bid whose host-state commitment is missing or short.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct HostStateGap {
    pub call: String,
    pub acronym: String,
    pub host: String,
    /// Committed by letters dated on or before the day the call opened.
    pub committed: Eur,
    /// The bid's Member-State contribution.
    pub required: Eur,
    pub opens: NaiveDate,
}

/// For each gigafactory call of the programme: the host states of its main-list bids whose
/// commitment letter is missing, short of the bid's Member-State amount, or dated after the
/// call opened.
pub fn host_state_gaps(store: &Store, p: &StoredProgramme) -> Result<Vec<HostStateGap>> {
    let conn = store.conn();
    let commitments = repo::commitments(conn, p.id)?;
    let mut gaps = Vec::new();
    for code in &p.template.calls {
        let Ok(call) = crate::store::calls::by_code(conn, code) else {
            continue;
        };
        if call.kind != CallKind::AiGigafactory {
            continue;
        }
        let Ok(r) = evaluation::rank_call(conn, code, None) else {
            continue;
        };
        for b in r.ranking.bids.iter().filter(|b| b.list == List::Main) {
            let bid = crate::store::bids::get(conn, b.bid_id)?;
            let host = bid
                .sites
                .first()
                .map(|s| s.country.to_string())
                .unwrap_or_default();
            let letters: Eur = commitments
                .iter()
                .filter(|c| {
                    c.country == host
                        && c.call_code.as_deref().is_none_or(|x| x == code)
                        && c.dated <= call.opens
                })
                .map(|c| c.amount)
                .sum();
            if letters.0 < bid.requested_member_state.0 {
                gaps.push(HostStateGap {
                    call: code.clone(),
                    acronym: b.acronym.clone(),
                    host,
                    committed: letters,
                    required: bid.requested_member_state,
                    opens: call.opens,
                });
            }
        }
    }
    Ok(gaps)
}

fn host_state_flags(store: &Store, p: &StoredProgramme) -> Result<Vec<String>> {
    Ok(host_state_gaps(store, p)?
        .into_iter()
        .map(|g| {
            format!(
                "{}: the host-state commitment of {} for {} is missing or short ({} of {} committed by {}, the day the call opened)",
                g.call, g.host, g.acronym, g.committed, g.required, g.opens
            )
        })
        .collect())
}

/// Records a Member-State commitment letter.
pub fn add_commitment(
    store: &mut Store,
    actor: &Actor,
    programme: &str,
    c: &Commitment,
) -> Result<Commitment> {
    if c.amount.0 <= 0 {
        return Err(Error::invalid(
            Location::default().with_field("amount"),
            "a commitment is a positive amount",
            Some(c.amount.to_string()),
        ));
    }
    if crate::countries::countries()?.get(&c.country).is_none() {
        return Err(Error::invalid(
            Location::default().with_field("country"),
            "an ISO 3166 country code",
            Some(c.country.clone()),
        ));
    }
    store.write(actor, |tx| {
        let p = repo::programme(tx.conn(), programme)?;
        let id = repo::insert_commitment(tx, p.id, c)?;
        Ok(Commitment { id, ..c.clone() })
    })
}

/// A programme's awards with their milestones, tranches and grant signatures, read in
/// four queries (not per award).
struct Rows {
    awards: Vec<Award>,
    milestones: HashMap<i64, Vec<Milestone>>,
    tranches: HashMap<i64, Vec<Tranche>>,
    grant_signed: HashMap<i64, NaiveDate>,
}

fn rows(conn: &rusqlite::Connection, programme_id: i64) -> Result<Rows> {
    let mut milestones: HashMap<i64, Vec<Milestone>> = HashMap::new();
    for (id, m) in repo::programme_milestones(conn, programme_id)? {
        milestones.entry(id).or_default().push(m);
    }
    let mut tranches: HashMap<i64, Vec<Tranche>> = HashMap::new();
    for (id, t) in repo::programme_tranches(conn, programme_id)? {
        tranches.entry(id).or_default().push(t);
    }
    Ok(Rows {
        awards: repo::awards(conn, Some(programme_id))?,
        milestones,
        tranches,
        grant_signed: repo::grant_signatures(conn, programme_id)?
            .into_iter()
            .collect(),
    })
}

pub fn portfolio(store: &Store, code: &str, today: NaiveDate) -> Result<Portfolio> {
    let conn = store.conn();
    let p = repo::programme(conn, code)?;
    let r = rows(conn, p.id)?;
    Ok(portfolio::compute(&portfolio::Input {
        template: &p.template,
        awards: &r.awards,
        milestones: &r.milestones,
        tranches: &r.tranches,
        grant_signed: &r.grant_signed,
        today,
    }))
}

/// The programme's schedule risk as of `today`: `paths` draws of the remaining milestones'
/// durations, seeded; `params` replaces the template's distributions (a what-if).
#[allow(clippy::too_many_arguments)]
pub fn schedule_risk(
    store: &Store,
    code: &str,
    today: NaiveDate,
    paths: usize,
    seed: u64,
    params: Option<&crate::programme::template::ScheduleRisk>,
    progress: &(dyn Fn(usize, usize) + Sync),
    cancel: &std::sync::atomic::AtomicBool,
) -> Result<crate::programme::risk::ScheduleRisk> {
    let conn = store.conn();
    let p = repo::programme(conn, code)?;
    let mut template = p.template.clone();
    if let Some(x) = params {
        template.schedule_risk = x.clone();
    }
    let r = rows(conn, p.id)?;
    crate::programme::risk::simulate(
        &crate::programme::risk::Input {
            template: &template,
            awards: &r.awards,
            milestones: &r.milestones,
            tranches: &r.tranches,
            grant_signed: &r.grant_signed,
            today,
            paths,
            seed,
        },
        progress,
        cancel,
    )
}

/// A schedule-risk run with its chart, for the Programme view.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct RiskView {
    pub run: crate::programme::risk::ScheduleRisk,
    pub chart: String,
}

pub fn risk_view(run: crate::programme::risk::ScheduleRisk, lang: &str) -> Result<RiskView> {
    use crate::report::programme_charts as c;
    let chart = c::risk_chart(&run, &c::chart_text(lang, "risk"), 720, 360)?;
    Ok(RiskView { run, chart })
}

// ---------------------------------------------------------------------------------------
// Awards

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct AwardRow {
    pub id: i64,
    pub programme: String,
    pub call_code: String,
    pub acronym: String,
    pub title: String,
    pub host: String,
    pub country: String,
    pub status: AwardStatus,
    pub selected_on: NaiveDate,
    pub eu: Eur,
    pub total: Eur,
    pub paid: Eur,
    pub milestones: u32,
    pub achieved: u32,
    pub at_risk: u32,
    /// The next milestone not achieved: its code and forecast date.
    pub next_milestone: Option<String>,
    pub next_forecast: Option<NaiveDate>,
    pub late_tranches: u32,
    pub recorded: bool,
}

pub fn award_rows(
    store: &Store,
    programme_id: Option<i64>,
    today: NaiveDate,
) -> Result<Vec<AwardRow>> {
    let conn = store.conn();
    let awards = repo::awards(conn, programme_id)?;
    let mut templates: HashMap<String, Template> = HashMap::new();
    for p in repo::programmes(conn)? {
        templates.insert(p.template.code.clone(), p.template);
    }
    let mut out = Vec::with_capacity(awards.len());
    for a in awards {
        let t = templates.get(&a.programme);
        let ms = repo::milestones(conn, a.id)?;
        let trs = repo::tranches(conn, a.id)?;
        let signed = grant_signed(conn, a.id)?;
        let tol = t.map_or(60, |t| i64::from(t.at_risk_days));
        let next = ms.iter().find(|m| m.actual.is_none());
        out.push(AwardRow {
            id: a.id,
            programme: a.programme.clone(),
            call_code: a.call_code.clone(),
            acronym: a.acronym.clone(),
            title: a.title.clone(),
            host: a.host.clone(),
            country: a.country.clone(),
            status: a.status,
            selected_on: a.selected_on,
            eu: a.figures.eu,
            total: a.figures.total(),
            paid: trs.iter().map(|t| t.paid).sum(),
            milestones: ms.len() as u32,
            achieved: ms.iter().filter(|m| m.actual.is_some()).count() as u32,
            at_risk: ms
                .iter()
                .filter(|m| m.state(tol) == MilestoneState::AtRisk)
                .count() as u32,
            next_milestone: next.map(|m| m.code.clone()),
            next_forecast: next.map(|m| m.forecast),
            late_tranches: trs
                .iter()
                .filter(|tr| portfolio::is_late(tr, &a, &ms, signed, today))
                .count() as u32,
            recorded: a.bid_id.is_none(),
        })
    }
    Ok(out)
}

fn grant_signed(conn: &rusqlite::Connection, award_id: i64) -> Result<Option<NaiveDate>> {
    Ok(repo::agreements(conn, award_id)?
        .into_iter()
        .filter(|a| a.kind == AgreementKind::Grant)
        .map(|a| a.signed_on)
        .min())
}

/// Awards of a programme (every programme when `None`).
pub fn awards(store: &Store, programme: Option<&str>, today: NaiveDate) -> Result<Vec<AwardRow>> {
    let id = match programme {
        Some(code) => Some(repo::programme(store.conn(), code)?.id),
        None => None,
    };
    award_rows(store, id, today)
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct MilestoneView {
    #[serde(flatten)]
    #[ts(flatten)]
    pub milestone: Milestone,
    pub name: String,
    pub state: MilestoneState,
    pub slip_days: i64,
    pub after: Vec<String>,
    pub upgrade: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct TrancheView {
    #[serde(flatten)]
    #[ts(flatten)]
    pub tranche: Tranche,
    pub gate_name: String,
    /// The gate is verified (the tranche may be released).
    pub gate_open: bool,
    pub due_on: NaiveDate,
    pub late: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct AwardDetail {
    pub award: Award,
    pub programme_name: String,
    pub agreements: Vec<Agreement>,
    pub amendments: Vec<Amendment>,
    pub milestones: Vec<MilestoneView>,
    pub tranches: Vec<TrancheView>,
    pub leverage: Option<f64>,
    pub private_to_public: Option<f64>,
    pub paid: Eur,
    /// Paid before the final payment, against the ceiling.
    pub paid_before_final: Eur,
    pub ceiling_before_final: Eur,
    pub caps: template::Caps,
    pub flags: Vec<String>,
    /// Deviations and their actions, oldest first.
    pub deviations: Vec<Deviation>,
}

pub fn show_award(store: &Store, id: i64, lang: &str, today: NaiveDate) -> Result<AwardDetail> {
    let conn = store.conn();
    let a = repo::award(conn, id)?;
    let p = repo::programme(conn, &a.programme)?;
    let t = &p.template;
    let ms = repo::milestones(conn, id)?;
    let trs = repo::tranches(conn, id)?;
    let signed = grant_signed(conn, id)?;
    let tol = i64::from(t.at_risk_days);
    let name_of = |code: &str| {
        t.milestone(code)
            .map(|m| m.name_in(lang).to_string())
            .unwrap_or_else(|| code.to_string())
    };
    let milestones = ms
        .iter()
        .map(|m| MilestoneView {
            name: name_of(&m.code),
            state: m.state(tol),
            slip_days: m.slip_days(),
            after: t
                .milestone(&m.code)
                .map(|x| x.after.clone())
                .unwrap_or_default(),
            upgrade: t.milestone(&m.code).is_some_and(|x| x.upgrade),
            milestone: m.clone(),
        })
        .collect();
    let tranches = trs
        .iter()
        .map(|tr| TrancheView {
            gate_name: match &tr.gate {
                Some(g) => name_of(g),
                None => grant_gate_name(lang).into(),
            },
            gate_open: gate_open(tr, &ms, signed),
            due_on: portfolio::expected_on(tr, &a, &ms, signed),
            late: portfolio::is_late(tr, &a, &ms, signed, today),
            tranche: tr.clone(),
        })
        .collect();
    let paid_before_final = trs
        .iter()
        .filter(|t| t.kind != TrancheKind::Final)
        .map(|t| t.paid)
        .sum();
    let mut flags = Vec::new();
    if let Some(l) = a.figures.leverage()
        && l < t.leverage_target
    {
        flags.push(format!(
            "leverage {l:.2}× is below the programme's target of {:.1}×",
            t.leverage_target
        ));
    }
    if !a.illustrative.is_empty() {
        flags.push(format!(
            "illustrative figures (not published): {}",
            a.illustrative.join(", ")
        ));
    }
    Ok(AwardDetail {
        programme_name: t.name.clone(),
        agreements: repo::agreements(conn, id)?,
        amendments: repo::amendments(conn, id)?,
        milestones,
        tranches,
        leverage: a.figures.leverage(),
        private_to_public: a.figures.private_to_public(),
        paid: trs.iter().map(|t| t.paid).sum(),
        paid_before_final,
        ceiling_before_final: Eur(
            (a.figures.eu.0 as f64 * t.payments.max_before_final).floor() as i64,
        ),
        caps: t.caps.clone(),
        flags,
        deviations: repo::deviations(conn, id)?,
        award: a,
    })
}

fn grant_gate_name(lang: &str) -> &'static str {
    match lang {
        "fr" => "Convention de subvention signée",
        "de" => "Finanzhilfevereinbarung unterzeichnet",
        _ => "Grant agreement signed",
    }
}

fn gate_open(t: &Tranche, ms: &[Milestone], grant_signed: Option<NaiveDate>) -> bool {
    match &t.gate {
        Some(g) => ms.iter().any(|m| &m.code == g && m.verified_on.is_some()),
        None => grant_signed.is_some(),
    }
}

/// Makes an award from a bid of a ranked call: a main-list bid, or, once a main-list
/// award of the call was withdrawn, the first reserve bid not yet awarded (in rank order).
/// It starts from the bid's financing plan; the caps are checked.
pub fn create_award(
    store: &mut Store,
    actor: &Actor,
    call_code: &str,
    bid_key: &str,
) -> Result<AwardDetail> {
    let id = store.write(actor, |tx| create_award_in(tx, call_code, bid_key))?;
    show_award(store, id, "en", actor.at.date_naive())
}

/// [`create_award`] in `tx`: the award's id.
pub(crate) fn create_award_in(tx: &mut Tx<'_>, call_code: &str, bid_key: &str) -> Result<i64> {
    {
        let conn = tx.conn();
        let p = repo::programme_of_call(conn, call_code)?.ok_or_else(|| {
            Error::invalid(
                Location::default().with_field("call"),
                format!("no programme funds call {call_code}: import its programme first (`gigafund programme import`)"),
                Some(call_code.to_string()),
            )
        })?;
        let data = evaluation::CallData::load(conn, call_code)?;
        let bid = data.bid_by_key(bid_key)?.clone();
        let ranking = evaluation::rank_call(conn, call_code, None)?.ranking;
        let ranked = ranking
            .bids
            .iter()
            .find(|b| b.bid_id == bid.id)
            .ok_or_else(|| {
                refuse(
                    &bid.acronym,
                    "bid",
                    "the bid is not in the call's ranking",
                    None,
                )
            })?;
        let existing = repo::call_awards(conn, call_code)?;
        if existing
            .iter()
            .any(|a| a.acronym == bid.acronym && a.status != AwardStatus::Withdrawn)
        {
            return Err(Error::Conflict(format!(
                "{} already has an award in call {call_code}",
                bid.acronym
            )));
        }
        if existing.iter().any(|a| a.acronym == bid.acronym) {
            return Err(refuse(
                &bid.acronym,
                "bid",
                "its award was withdrawn: a withdrawn award is not made again",
                None,
            ));
        }
        let from_reserve = match ranked.list {
            List::Main => false,
            List::Reserve => {
                let withdrawn = existing
                    .iter()
                    .filter(|a| a.status == AwardStatus::Withdrawn && !a.from_reserve)
                    .count();
                let offered = existing.iter().filter(|a| a.from_reserve).count();
                if withdrawn <= offered {
                    return Err(refuse(
                        &bid.acronym,
                        "list",
                        "a reserve bid is awarded only when a main-list award is withdrawn",
                        Some(format!(
                            "{withdrawn} withdrawn, {offered} reserve awards made"
                        )),
                    ));
                }
                let next = ranking
                    .bids
                    .iter()
                    .filter(|b| b.list == List::Reserve)
                    .find(|b| !existing.iter().any(|a| a.acronym == b.acronym));
                if next.map(|b| b.bid_id) != Some(bid.id) {
                    return Err(refuse(
                        &bid.acronym,
                        "list",
                        "the reserve list is offered in rank order",
                        next.map(|b| format!("next in rank order: {}", b.acronym)),
                    ));
                }
                true
            }
            List::Rejected | List::Pending => {
                return Err(refuse(
                    &bid.acronym,
                    "list",
                    "an award is made from the main list (or the reserve list after a withdrawal)",
                    Some(format!("{} ({})", words(&ranked.list), ranked.reason)),
                ));
            }
        };
        let f = &bid.financing;
        let mut figures = Figures {
            eu: f.eu_grant,
            member_state: f.member_state_grant,
            private: f.equity,
            loan: f.senior_debt,
            guarantee: f.guarantee_amount,
            acquisition: bid.capex_total(),
            operation: bid.opex.iter().map(|o| o.amount).sum(),
            ..Figures::default()
        };
        figures.split_eu(&p.template.caps);
        let caps = figures.cap_problems(
            &p.template.caps,
            &Location::default().with_sheet(bid.acronym.clone()),
        );
        if !caps.is_empty() {
            return Err(Error::Invalid(caps));
        }
        let selected = tx.actor().at.date_naive();
        let award = Award {
            id: 0,
            programme: p.template.code.clone(),
            call_code: call_code.to_string(),
            call_kind: data.call.kind,
            bid_id: Some(bid.id),
            acronym: bid.acronym.clone(),
            title: bid.title.clone(),
            host: bid
                .coordinator()
                .map(|m| m.organisation.name.clone())
                .unwrap_or_default(),
            country: bid
                .sites
                .first()
                .map(|s| s.country.to_string())
                .unwrap_or_default(),
            selected_on: selected,
            status: AwardStatus::Active,
            from_reserve,
            rank: ranked.rank,
            figures: figures.clone(),
            illustrative: Vec::new(),
            created_at: tx.actor().at,
        };
        let id = repo::insert_award(tx, p.id, &award)?;
        for m in plan_milestones(&p.template, data.call.kind, selected) {
            repo::insert_milestone(tx, id, &m)?;
        }
        for t in plan_tranches(&p.template, data.call.kind, figures.eu) {
            repo::insert_tranche(tx, id, &t)?;
        }
        Ok(id)
    }
}

/// Awards for every main-list bid of a call not awarded yet (the demo uses this).
pub(crate) fn award_main_list(tx: &mut Tx<'_>, call_code: &str) -> Result<Vec<i64>> {
    let ranking = evaluation::rank_call(tx.conn(), call_code, None)?.ranking;
    let mut out = Vec::new();
    for b in ranking.bids.iter().filter(|b| b.list == List::Main) {
        out.push(create_award_in(tx, call_code, &b.bid_id.to_string())?);
    }
    Ok(out)
}

/// Withdraws an award (its reserve bid may then be offered).
pub fn withdraw(store: &mut Store, actor: &Actor, id: i64, reason: &str) -> Result<Award> {
    if reason.trim().is_empty() {
        return Err(Error::invalid(
            Location::default().with_field("reason"),
            "a withdrawal says why",
            None,
        ));
    }
    store.write(actor, |tx| {
        let before = repo::award(tx.conn(), id)?;
        if before.status != AwardStatus::Active {
            return Err(Error::Conflict(format!(
                "award {} is {}, not active",
                before.acronym,
                words(&before.status)
            )));
        }
        let paid: Eur = repo::tranches(tx.conn(), id)?.iter().map(|t| t.paid).sum();
        if paid.0 > 0 {
            return Err(refuse(
                &before.acronym,
                "status",
                "an award with payments made is terminated by amendment (with a recovery), not withdrawn",
                Some(paid.to_string()),
            ));
        }
        let after = Award {
            status: AwardStatus::Withdrawn,
            ..before.clone()
        };
        repo::update_award(tx, &before, &after)?;
        repo::insert_amendment(
            tx,
            id,
            &Amendment {
                id: 0,
                kind: AmendmentKind::Termination,
                dated: tx.actor().at.date_naive(),
                old_value: serde_json::json!({"status": "active"}),
                new_value: serde_json::json!({"status": "withdrawn"}),
                asked_by: tx.actor().name.clone(),
                approved_by: tx.actor().name.clone(),
                reason: reason.trim().to_string(),
                recorded_at: tx.actor().at,
            },
        )?;
        Ok(after)
    })
}

/// Records an agreement (the next version of its kind). No procurement contract before
/// the hosting agreement.
pub fn record_agreement(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    kind: AgreementKind,
    signed_on: NaiveDate,
    reference: &str,
) -> Result<Agreement> {
    if reference.trim().is_empty() || reference.chars().count() > 200 {
        return Err(Error::invalid(
            Location::default().with_field("reference"),
            "an agreement's reference of 1 to 200 characters",
            Some(reference.to_string()),
        ));
    }
    store.write(actor, |tx| {
        let a = repo::award(tx.conn(), id)?;
        let existing = repo::agreements(tx.conn(), id)?;
        if kind == AgreementKind::ProcurementContract {
            let hosting = existing
                .iter()
                .filter(|x| x.kind == AgreementKind::Hosting)
                .map(|x| x.signed_on)
                .min();
            if hosting.is_none_or(|h| h > signed_on) {
                return Err(refuse(
                    &a.acronym,
                    "procurement_contract",
                    "the hosting agreement is signed before procurement starts (Art. 10)",
                    Some(match hosting {
                        Some(h) => format!("hosting agreement signed {h}"),
                        None => "no hosting agreement".into(),
                    }),
                ));
            }
        }
        let version = existing.iter().filter(|x| x.kind == kind).count() as u32 + 1;
        let agreement = Agreement {
            kind,
            version,
            signed_on,
            reference: reference.trim().to_string(),
        };
        repo::insert_agreement(tx, id, &agreement)?;
        Ok(agreement)
    })
}

/// What an amendment changes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(rename = "AwardChange")]
pub enum Change {
    /// New amounts (euros); the caps are checked again.
    BudgetRevision {
        eu: Option<Eur>,
        member_state: Option<Eur>,
        regional: Option<Eur>,
        private: Option<Eur>,
        loan: Option<Eur>,
        acquisition: Option<Eur>,
        operation: Option<Eur>,
    },
    /// Every milestone not yet achieved moves its baseline (and forecast) by this many
    /// days.
    Extension {
        days: i64,
    },
    CoordinatorChange {
        host: String,
    },
    SiteChange {
        country: String,
    },
    /// New shares of the tranches not paid yet, in basis points; all shares sum to 100 %.
    TrancheShares {
        shares: Vec<(String, u32)>,
    },
    Termination,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct AmendRequest {
    pub change: Change,
    pub dated: NaiveDate,
    pub asked_by: String,
    pub approved_by: String,
    pub reason: String,
}

/// Amends an award: typed, dated, append-only, with the old and the new values. A change
/// that breaks a cap or leaves the tranches' shares off 100 % is refused with its figures.
pub fn amend(store: &mut Store, actor: &Actor, id: i64, req: &AmendRequest) -> Result<Amendment> {
    let mut problems = Vec::new();
    for (field, v) in [
        ("asked_by", &req.asked_by),
        ("approved_by", &req.approved_by),
        ("reason", &req.reason),
    ] {
        if v.trim().is_empty() || v.chars().count() > 2000 {
            problems.push(Problem {
                location: Location::default().with_field(field),
                rule: "is required (at most 2,000 characters)".into(),
                found: None,
            });
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    store.write(actor, |tx| {
        let before = repo::award(tx.conn(), id)?;
        if before.status != AwardStatus::Active {
            return Err(Error::Conflict(format!(
                "award {} is {}: it is no longer amended",
                before.acronym,
                words(&before.status)
            )));
        }
        let p = repo::programme(tx.conn(), &before.programme)?;
        let at = Location::default().with_sheet(before.acronym.clone());
        let (kind, old_value, new_value) = match &req.change {
            Change::BudgetRevision {
                eu,
                member_state,
                regional,
                private,
                loan,
                acquisition,
                operation,
            } => {
                let mut f = before.figures.clone();
                for (slot, v) in [
                    (&mut f.eu, eu),
                    (&mut f.member_state, member_state),
                    (&mut f.regional, regional),
                    (&mut f.private, private),
                    (&mut f.loan, loan),
                    (&mut f.acquisition, acquisition),
                    (&mut f.operation, operation),
                ] {
                    if let Some(v) = v {
                        *slot = *v;
                    }
                }
                f.split_eu(&p.template.caps);
                let caps = f.cap_problems(&p.template.caps, &at);
                if !caps.is_empty() {
                    return Err(Error::Invalid(caps));
                }
                // The tranches not paid follow the new maximum; what was paid stays.
                let tranches = repo::tranches(tx.conn(), id)?;
                let paid: Eur = tranches.iter().map(|t| t.paid).sum();
                if f.eu.0 < paid.0 {
                    return Err(refuse(
                        &before.acronym,
                        "eu",
                        "the EU contribution cannot fall below what was paid (a recovery is issued instead)",
                        Some(format!("{} paid, {} asked", paid, f.eu)),
                    ));
                }
                rebalance(tx, id, &tranches, f.eu, &p.template)?;
                let after = Award {
                    figures: f.clone(),
                    ..before.clone()
                };
                repo::update_award(tx, &before, &after)?;
                (
                    AmendmentKind::BudgetRevision,
                    serde_json::to_value(&before.figures).unwrap_or_default(),
                    serde_json::to_value(&f).unwrap_or_default(),
                )
            }
            Change::Extension { days } => {
                if *days == 0 || days.abs() > 3650 {
                    return Err(refuse(
                        &before.acronym,
                        "days",
                        "an extension moves the baselines by 1 to 3,650 days",
                        Some(days.to_string()),
                    ));
                }
                let ms = repo::milestones(tx.conn(), id)?;
                let mut moved = Vec::new();
                for m in ms.iter().filter(|m| m.actual.is_none()) {
                    let after = Milestone {
                        baseline: m.baseline + chrono::Duration::days(*days),
                        forecast: m.forecast.max(m.baseline + chrono::Duration::days(*days)),
                        ..m.clone()
                    };
                    repo::update_milestone(tx, id, m, &after)?;
                    moved.push(serde_json::json!({"code": m.code, "baseline": after.baseline}));
                }
                (
                    AmendmentKind::Extension,
                    serde_json::json!(ms.iter().filter(|m| m.actual.is_none()).map(|m| serde_json::json!({"code": m.code, "baseline": m.baseline})).collect::<Vec<_>>()),
                    serde_json::json!(moved),
                )
            }
            Change::CoordinatorChange { host } => {
                if host.trim().is_empty() {
                    return Err(refuse(&before.acronym, "host", "the new coordinator is named", None));
                }
                let after = Award {
                    host: host.trim().to_string(),
                    ..before.clone()
                };
                repo::update_award(tx, &before, &after)?;
                (
                    AmendmentKind::CoordinatorChange,
                    serde_json::json!({"host": before.host}),
                    serde_json::json!({"host": after.host}),
                )
            }
            Change::SiteChange { country } => {
                if crate::countries::countries()?.get(country).is_none() {
                    return Err(refuse(&before.acronym, "country", "an ISO 3166 country code", Some(country.clone())));
                }
                let after = Award {
                    country: country.clone(),
                    ..before.clone()
                };
                repo::update_award(tx, &before, &after)?;
                (
                    AmendmentKind::SiteChange,
                    serde_json::json!({"country": before.country}),
                    serde_json::json!({"country": after.country}),
                )
            }
            Change::TrancheShares { shares } => {
                let tranches = repo::tranches(tx.conn(), id)?;
                let mut next: Vec<Tranche> = tranches.clone();
                for (code, bp) in shares {
                    let Some(t) = next.iter_mut().find(|t| &t.code == code) else {
                        return Err(refuse(&before.acronym, "tranche", "names a tranche of the award", Some(code.clone())));
                    };
                    if t.state != TrancheState::Planned {
                        return Err(refuse(
                            &before.acronym,
                            &format!("tranche {code}"),
                            "only a tranche not yet requested changes its share",
                            Some(words(&t.state)),
                        ));
                    }
                    t.share_bp = *bp;
                }
                let bps: Vec<u32> = next.iter().map(|t| t.share_bp).collect();
                let problems = share_problems(&bps, &at);
                if !problems.is_empty() {
                    return Err(Error::Invalid(problems));
                }
                let shares_now: Vec<(TrancheKind, u32)> = next.iter().map(|t| (t.kind, t.share_bp)).collect();
                let amounts = tranche_amounts(before.figures.eu, &shares_now, p.template.payments.retention);
                for ((old, new), amount) in tranches.iter().zip(next.iter_mut()).zip(amounts) {
                    if new.state == TrancheState::Planned {
                        new.amount = amount;
                    }
                    if old != new {
                        repo::update_tranche(tx, id, old, new)?;
                    }
                }
                (
                    AmendmentKind::TrancheShares,
                    serde_json::json!(tranches.iter().map(|t| (t.code.clone(), t.share_bp)).collect::<Vec<_>>()),
                    serde_json::json!(next.iter().map(|t| (t.code.clone(), t.share_bp)).collect::<Vec<_>>()),
                )
            }
            Change::Termination => {
                let after = Award {
                    status: AwardStatus::Terminated,
                    ..before.clone()
                };
                repo::update_award(tx, &before, &after)?;
                for t in repo::tranches(tx.conn(), id)? {
                    if matches!(t.state, TrancheState::Planned | TrancheState::Requested | TrancheState::UnderReview | TrancheState::Approved) {
                        let s = Tranche {
                            state: TrancheState::Suspended,
                            note: "award terminated".into(),
                            ..t.clone()
                        };
                        repo::update_tranche(tx, id, &t, &s)?;
                    }
                }
                (
                    AmendmentKind::Termination,
                    serde_json::json!({"status": "active"}),
                    serde_json::json!({"status": "terminated"}),
                )
            }
        };
        let a = Amendment {
            id: 0,
            kind,
            dated: req.dated,
            old_value,
            new_value,
            asked_by: req.asked_by.trim().to_string(),
            approved_by: req.approved_by.trim().to_string(),
            reason: req.reason.trim().to_string(),
            recorded_at: tx.actor().at,
        };
        let aid = repo::insert_amendment(tx, id, &a)?;
        Ok(Amendment { id: aid, ..a })
    })
}

/// The planned tranches follow a new maximum EU contribution: what is left after the
/// tranches already requested or paid, by their shares.
fn rebalance(tx: &mut Tx<'_>, id: i64, tranches: &[Tranche], eu: Eur, t: &Template) -> Result<()> {
    let shares: Vec<(TrancheKind, u32)> = tranches.iter().map(|x| (x.kind, x.share_bp)).collect();
    let amounts = tranche_amounts(eu, &shares, t.payments.retention);
    for (old, amount) in tranches.iter().zip(amounts) {
        if old.state == TrancheState::Planned && old.amount != amount {
            let new = Tranche {
                amount,
                ..old.clone()
            };
            repo::update_tranche(tx, id, old, &new)?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Milestones

/// A change to a milestone: a new forecast, or the actual date with its evidence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MilestoneChange {
    Forecast { date: NaiveDate },
    Actual { date: NaiveDate, evidence: String },
}

pub fn update_milestone(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    code: &str,
    change: &MilestoneChange,
) -> Result<MilestoneView> {
    // The evidence is read (and hashed) before the write: a file that cannot be read
    // refuses the change.
    let evidence = match change {
        MilestoneChange::Actual { evidence, .. } => {
            let path = Path::new(evidence);
            let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
            use sha2::Digest;
            Some((
                ingest::display_name(path),
                hex::encode(sha2::Sha256::digest(&bytes)),
            ))
        }
        MilestoneChange::Forecast { .. } => None,
    };
    store.write(actor, |tx| {
        let a = repo::award(tx.conn(), id)?;
        if a.status != AwardStatus::Active {
            return Err(Error::Conflict(format!("award {} is not active", a.acronym)));
        }
        let p = repo::programme(tx.conn(), &a.programme)?;
        let ms = repo::milestones(tx.conn(), id)?;
        let before = ms
            .iter()
            .find(|m| m.code == code)
            .cloned()
            .ok_or_else(|| Error::NotFound {
                kind: "milestone",
                key: format!("{code} of award {}", a.acronym),
            })?;
        let field = format!("milestone {code}");
        if before.verified_on.is_some() {
            return Err(refuse(&a.acronym, &field, "a verified milestone is not changed", None));
        }
        let tpl = p.template.milestone(code);
        let after = match change {
            MilestoneChange::Forecast { date } => {
                if before.actual.is_some() {
                    return Err(refuse(&a.acronym, &field, "an achieved milestone has its actual date, not a forecast", None));
                }
                Milestone {
                    forecast: *date,
                    ..before.clone()
                }
            }
            MilestoneChange::Actual { date, .. } => {
                if *date > tx.actor().at.date_naive() {
                    return Err(refuse(&a.acronym, &field, "an actual date is not in the future", Some(date.to_string())));
                }
                // The order the rules set: every predecessor achieved, and not after this.
                for prev in tpl.map(|t| t.after.as_slice()).unwrap_or_default() {
                    let pm = ms.iter().find(|m| &m.code == prev);
                    match pm.and_then(|m| m.actual) {
                        None => {
                            let name = p.template.milestone(prev).map_or(prev.as_str(), |m| m.name.as_str());
                            return Err(refuse(
                                &a.acronym,
                                &field,
                                format!("{} comes first: \"{name}\" is not achieved yet", prev),
                                None,
                            ));
                        }
                        Some(d) if d > *date => {
                            return Err(refuse(
                                &a.acronym,
                                &field,
                                format!("{code} cannot be achieved before {prev}"),
                                Some(format!("{prev} on {d}, {code} on {date}")),
                            ));
                        }
                        Some(_) => {}
                    }
                }
                if tpl.is_some_and(|t| t.upgrade) {
                    let (lo, hi) = p.template.upgrade_window_years;
                    let from = a.selected_on.checked_add_months(chrono::Months::new(12 * lo)).unwrap_or(a.selected_on);
                    let to = a.selected_on.checked_add_months(chrono::Months::new(12 * hi)).unwrap_or(a.selected_on);
                    if *date < from || *date > to {
                        return Err(refuse(
                            &a.acronym,
                            &field,
                            format!("the upgrade is applied for between {lo} and {hi} years after selection (Art. 15)"),
                            Some(format!("{date}; the window is {from} to {to}")),
                        ));
                    }
                }
                let (name, sha) = evidence.clone().unwrap_or_default();
                Milestone {
                    actual: Some(*date),
                    forecast: *date,
                    evidence: Some(name),
                    evidence_sha256: Some(sha),
                    ..before.clone()
                }
            }
        };
        repo::update_milestone(tx, id, &before, &after)?;
        Ok(view(&p.template, &after, "en"))
    })
}

fn view(t: &Template, m: &Milestone, lang: &str) -> MilestoneView {
    MilestoneView {
        name: t
            .milestone(&m.code)
            .map_or(m.code.clone(), |x| x.name_in(lang).to_string()),
        state: m.state(i64::from(t.at_risk_days)),
        slip_days: m.slip_days(),
        after: t
            .milestone(&m.code)
            .map(|x| x.after.clone())
            .unwrap_or_default(),
        upgrade: t.milestone(&m.code).is_some_and(|x| x.upgrade),
        milestone: m.clone(),
    }
}

/// Verifies an achieved milestone with its evidence (who verified, when).
pub fn verify_milestone(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    code: &str,
) -> Result<MilestoneView> {
    store.write(actor, |tx| {
        let a = repo::award(tx.conn(), id)?;
        let p = repo::programme(tx.conn(), &a.programme)?;
        let before = repo::milestones(tx.conn(), id)?
            .into_iter()
            .find(|m| m.code == code)
            .ok_or_else(|| Error::NotFound {
                kind: "milestone",
                key: format!("{code} of award {}", a.acronym),
            })?;
        let field = format!("milestone {code}");
        if before.verified_on.is_some() {
            return Err(Error::Conflict(format!(
                "{code} of {} is already verified",
                a.acronym
            )));
        }
        if before.actual.is_none() || before.evidence_sha256.is_none() {
            return Err(refuse(
                &a.acronym,
                &field,
                "a milestone is verified once it is achieved, with its evidence",
                None,
            ));
        }
        let after = Milestone {
            verified_by: Some(tx.actor().name.clone()),
            verified_on: Some(tx.actor().at.date_naive()),
            ..before.clone()
        };
        repo::update_milestone(tx, id, &before, &after)?;
        Ok(view(&p.template, &after, "en"))
    })
}

// ---------------------------------------------------------------------------------------
// Tranches

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TrancheAction {
    Request,
    Review,
    Approve,
    Pay,
    Suspend,
    Resume,
    /// Recovery order on a paid tranche.
    Recover,
}

/// Moves a tranche: planned → requested → under review → approved → paid; suspended
/// (and resumed); recovery issued. A tranche is never requested, approved or paid before
/// its gate is verified, and payments before the final one stay within the ceiling.
pub fn tranche_action(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    code: &str,
    action: TrancheAction,
    note: &str,
) -> Result<TrancheView> {
    store.write(actor, |tx| {
        let a = repo::award(tx.conn(), id)?;
        if a.status != AwardStatus::Active && action != TrancheAction::Recover {
            return Err(Error::Conflict(format!("award {} is not active", a.acronym)));
        }
        let p = repo::programme(tx.conn(), &a.programme)?;
        let t = &p.template;
        let tranches = repo::tranches(tx.conn(), id)?;
        let ms = repo::milestones(tx.conn(), id)?;
        let signed = grant_signed(tx.conn(), id)?;
        let before = tranches
            .iter()
            .find(|x| x.code == code)
            .cloned()
            .ok_or_else(|| Error::NotFound {
                kind: "tranche",
                key: format!("{code} of award {}", a.acronym),
            })?;
        let field = format!("tranche {code}");
        let today = tx.actor().at.date_naive();
        let gate_name = match &before.gate {
            Some(g) => t.milestone(g).map_or(g.clone(), |m| format!("{g} \"{}\"", m.name)),
            None => "the grant agreement's signature".into(),
        };
        let needs_gate = matches!(action, TrancheAction::Request | TrancheAction::Approve | TrancheAction::Pay);
        if needs_gate && !gate_open(&before, &ms, signed) {
            return Err(refuse(
                &a.acronym,
                &field,
                format!("the tranche is released only once its gate is verified: {gate_name}"),
                Some(match &before.gate {
                    Some(g) => ms
                        .iter()
                        .find(|m| &m.code == g)
                        .map(|m| words(&m.state(i64::from(t.at_risk_days))))
                        .unwrap_or_default(),
                    None => "no grant agreement recorded".into(),
                }),
            ));
        }
        // A payment suspension (or a suspension of the payment deadline) blocks every
        // release until it is lifted: checked here, in the write.
        if needs_gate
            && let Some(d) = repo::deviations(tx.conn(), id)?
                .into_iter()
                .find(Deviation::blocking)
        {
            return Err(refuse(
                &a.acronym,
                &field,
                format!(
                    "no tranche is released while the {} decided on {} stands (deviation {}: {}); lift it first",
                    match d.action {
                        DeviationAction::PaymentDeadlineSuspension => "suspension of the payment deadline",
                        _ => "payment suspension",
                    },
                    d.dated,
                    d.id,
                    d.reason
                ),
                Some(words(&before.state)),
            ));
        }
        use TrancheState as S;
        let wrong = |from: &[S]| -> Result<()> {
            if from.contains(&before.state) {
                Ok(())
            } else {
                Err(refuse(
                    &a.acronym,
                    &field,
                    format!("{} is for a tranche {}", words(&action), from.iter().map(words).collect::<Vec<_>>().join(" or ")),
                    Some(words(&before.state)),
                ))
            }
        };
        let mut after = before.clone();
        if !note.trim().is_empty() {
            after.note = note.trim().to_string();
        }
        match action {
            TrancheAction::Request => {
                wrong(&[S::Planned])?;
                after.state = S::Requested;
                after.requested_on = Some(today);
            }
            TrancheAction::Review => {
                wrong(&[S::Requested])?;
                after.state = S::UnderReview;
            }
            TrancheAction::Approve | TrancheAction::Pay => {
                if action == TrancheAction::Approve {
                    wrong(&[S::Requested, S::UnderReview])?;
                } else {
                    wrong(&[S::Approved])?;
                }
                // Before the final payment the cumulative payments stay within the ceiling.
                if before.kind != TrancheKind::Final {
                    let ceiling = (a.figures.eu.0 as f64 * t.payments.max_before_final).floor() as i64;
                    let committed: i64 = tranches
                        .iter()
                        .filter(|x| x.code != before.code && x.kind != TrancheKind::Final)
                        .filter(|x| matches!(x.state, S::Approved | S::Paid))
                        .map(|x| x.paid.0.max(if x.state == S::Approved { x.amount.0 } else { 0 }))
                        .sum();
                    if committed + before.amount.0 > ceiling {
                        return Err(refuse(
                            &a.acronym,
                            &field,
                            format!(
                                "before the final payment, payments stay within {:.0} % of the maximum EU contribution",
                                t.payments.max_before_final * 100.0
                            ),
                            Some(format!(
                                "{} with this tranche, ceiling {}",
                                Eur(committed + before.amount.0),
                                Eur(ceiling)
                            )),
                        ));
                    }
                }
                if action == TrancheAction::Approve {
                    after.state = S::Approved;
                    after.approved_on = Some(today);
                } else {
                    after.state = S::Paid;
                    after.paid = before.amount;
                    after.paid_on = Some(today);
                }
            }
            TrancheAction::Suspend => {
                wrong(&[S::Planned, S::Requested, S::UnderReview, S::Approved])?;
                if note.trim().is_empty() {
                    return Err(refuse(&a.acronym, &field, "a suspension says why", None));
                }
                after.state = S::Suspended;
            }
            TrancheAction::Resume => {
                wrong(&[S::Suspended])?;
                after.state = if before.approved_on.is_some() {
                    S::Approved
                } else if before.requested_on.is_some() {
                    S::Requested
                } else {
                    S::Planned
                };
            }
            TrancheAction::Recover => {
                wrong(&[S::Paid])?;
                if note.trim().is_empty() {
                    return Err(refuse(&a.acronym, &field, "a recovery order says why", None));
                }
                after.state = S::RecoveryIssued;
            }
        }
        repo::update_tranche(tx, id, &before, &after)?;
        Ok(TrancheView {
            gate_name,
            gate_open: gate_open(&after, &ms, signed),
            due_on: portfolio::expected_on(&after, &a, &ms, signed),
            late: portfolio::is_late(&after, &a, &ms, signed, today),
            tranche: after,
        })
    })
}

/// The year a tranche falls in for the forecast (tests and reports).
pub fn forecast_year(t: &Tranche, a: &Award, ms: &[Milestone], signed: Option<NaiveDate>) -> i32 {
    portfolio::expected_on(t, a, ms, signed).year()
}

// ---------------------------------------------------------------------------------------
// Reports and exports

/// Paths of the schedule risk the portfolio report draws (seed 1).
pub const REPORT_PATHS: usize = 10_000;

/// The data of the portfolio report (and of the Programme view's charts), as of `today`.
pub fn portfolio_data(
    store: &Store,
    code: &str,
    lang: &str,
    today: NaiveDate,
) -> Result<crate::report::programme::PortfolioData> {
    portfolio_data_with(store, code, lang, today, true)
}

/// The portfolio's data, with its schedule risk drawn or not (the charts do not need it).
fn portfolio_data_with(
    store: &Store,
    code: &str,
    lang: &str,
    today: NaiveDate,
    with_risk: bool,
) -> Result<crate::report::programme::PortfolioData> {
    let conn = store.conn();
    let p = repo::programme(conn, code)?;
    let portfolio = portfolio(store, code, today)?;
    let mut awards = award_rows(store, Some(p.id), today)?;
    for a in &mut awards {
        if let Some(m) = a
            .next_milestone
            .as_ref()
            .and_then(|code| p.template.milestone(code))
        {
            a.next_milestone = Some(m.name_in(lang).to_string());
        }
    }
    let tol = i64::from(p.template.at_risk_days);
    let mut next_milestones = Vec::new();
    let mut by_award: HashMap<i64, Vec<Milestone>> = HashMap::new();
    for (id, m) in repo::programme_milestones(conn, p.id)? {
        by_award.entry(id).or_default().push(m);
    }
    for a in awards.iter().filter(|a| a.status == AwardStatus::Active) {
        let Some(ms) = by_award.get(&a.id) else {
            continue;
        };
        if let Some(m) = ms.iter().find(|m| m.actual.is_none()) {
            let name = p
                .template
                .milestone(&m.code)
                .map_or(m.code.as_str(), |t| t.name_in(lang));
            next_milestones.push(crate::report::programme_charts::MilestoneBar {
                label: format!("{} · {name}", a.acronym),
                baseline: m.baseline,
                forecast: m.forecast,
                actual: m.actual,
                state: m.state(tol),
            });
        }
    }
    let countries = crate::countries::countries()?;
    let mut names = std::collections::BTreeMap::new();
    for a in &awards {
        if let Some(c) = countries.get(&a.country) {
            names.insert(a.country.clone(), (c.en.clone(), c.fr.clone()));
        }
    }
    let participating = countries
        .all()
        .filter(|c| c.groups.iter().any(|g| g == "eurohpc"))
        .map(|c| c.code.clone())
        .collect();
    let missing_commitments = host_state_gaps(store, &p)?
        .into_iter()
        .map(|g| {
            let fr = lang == "fr";
            let eur = |v: Eur| crate::report::format::eur_m(v.as_euros_f64(), lang);
            if fr {
                format!(
                    "{}, {} : l’engagement de l’État d’accueil ({}) manque ou ne suffit pas ({} sur {} au {}, ouverture de l’appel)",
                    g.call,
                    g.acronym,
                    g.host,
                    eur(g.committed),
                    eur(g.required),
                    g.opens
                )
            } else {
                format!(
                    "{}, {}: the host state's commitment ({}) is missing or short ({} of {} by {}, the day the call opened)",
                    g.call,
                    g.acronym,
                    g.host,
                    eur(g.committed),
                    eur(g.required),
                    g.opens
                )
            }
        })
        .collect();
    let never = std::sync::atomic::AtomicBool::new(false);
    let paths = if with_risk { REPORT_PATHS } else { 1 };
    let risk = schedule_risk(store, code, today, paths, 1, None, &|_, _| {}, &never)?;
    let mut suspensions = Vec::new();
    for a in &awards {
        for d in repo::deviations(conn, a.id)? {
            if d.blocking() {
                suspensions.push((a.acronym.clone(), d));
            }
        }
    }
    Ok(crate::report::programme::PortfolioData {
        portfolio,
        awards,
        missing_commitments,
        next_milestones,
        countries: names,
        participating,
        risk,
        suspensions,
        warnings: early_warnings(store, code, lang, today)?,
        monitoring: super::monitoring::portfolio(store, code, lang, today)?,
        liabilities: super::monitoring::liabilities(store, code, &|_, _| {}, &never)?,
    })
}

/// The data of an award's sheet, as of `today`.
pub fn award_sheet_data(
    store: &Store,
    id: i64,
    lang: &str,
    today: NaiveDate,
) -> Result<crate::report::programme::AwardSheetData> {
    let detail = show_award(store, id, lang, today)?;
    let p = repo::programme(store.conn(), &detail.award.programme)?;
    let country = crate::countries::countries()?
        .get(&detail.award.country)
        .map(|c| (c.en.clone(), c.fr.clone()))
        .unwrap_or_else(|| (detail.award.country.clone(), detail.award.country.clone()));
    Ok(crate::report::programme::AwardSheetData {
        monitoring: super::monitoring::view(store, id, lang, today)?,
        detail,
        country,
        leverage_target: p.template.leverage_target,
    })
}

/// The portfolio report of a programme.
pub fn portfolio_report(store: &Store, code: &str, lang: &str, date: NaiveDate) -> Result<Vec<u8>> {
    let head = crate::store::audit::head(store.conn())?;
    crate::report::programme::render_portfolio(
        &portfolio_data(store, code, lang, date)?,
        lang,
        date,
        head.as_ref(),
    )
}

/// The award sheet of an award.
pub fn award_report(store: &Store, id: i64, lang: &str, date: NaiveDate) -> Result<Vec<u8>> {
    let head = crate::store::audit::head(store.conn())?;
    crate::report::programme::render_award(
        &award_sheet_data(store, id, lang, date)?,
        lang,
        date,
        head.as_ref(),
    )
}

/// The programme's charts as SVG, for the Programme view.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct PortfolioCharts {
    pub envelope: String,
    pub leverage: String,
    pub milestones: String,
    pub map: String,
}

pub fn portfolio_charts(
    store: &Store,
    code: &str,
    lang: &str,
    today: NaiveDate,
) -> Result<PortfolioCharts> {
    use crate::report::programme_charts as c;
    let d = portfolio_data_with(store, code, lang, today, false)?;
    let p = &d.portfolio;
    let rows = |n: usize| (220 + 22 * n).min(1400) as u32;
    Ok(PortfolioCharts {
        envelope: c::envelope_chart(p, &c::chart_text(lang, "envelope"), 640, 340)?,
        leverage: c::leverage_chart(
            p,
            &c::chart_text(lang, "leverage"),
            640,
            rows(p.leverage.awards.len()),
        )?,
        milestones: c::milestone_chart(
            &d.next_milestones,
            today,
            &c::chart_text(lang, "milestones"),
            760,
            rows(d.next_milestones.len()),
        )?,
        map: c::map_chart(
            &crate::report::programme::map_values(p),
            &d.participating,
            &c::chart_text(lang, "map"),
            640,
            560,
        )?,
    })
}

/// An award's milestones as the milestone chart draws them.
pub fn milestone_bars(d: &AwardDetail) -> Vec<crate::report::programme_charts::MilestoneBar> {
    d.milestones
        .iter()
        .map(|m| crate::report::programme_charts::MilestoneBar {
            label: m.name.clone(),
            baseline: m.milestone.baseline,
            forecast: m.milestone.forecast,
            actual: m.milestone.actual,
            state: m.state,
        })
        .collect()
}

/// An award's milestone chart as SVG, for its page.
pub fn award_milestone_chart(
    store: &Store,
    id: i64,
    lang: &str,
    today: NaiveDate,
) -> Result<String> {
    use crate::report::programme_charts as c;
    let d = show_award(store, id, lang, today)?;
    let bars = milestone_bars(&d);
    let h = (220 + 22 * bars.len()).min(1400) as u32;
    c::milestone_chart(&bars, today, &c::chart_text(lang, "milestones"), 760, h)
}

/// A deviation to record: what was found and the action decided.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct DeviationRequest {
    pub kind: DeviationKind,
    pub subject: String,
    pub found: String,
    pub action: DeviationAction,
    pub amount: Option<Eur>,
    pub reason: String,
    pub decided_by: String,
    pub dated: NaiveDate,
}

/// Records a deviation of an active award with its action, reason and who decided.
pub fn record_deviation(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    req: &DeviationRequest,
) -> Result<Deviation> {
    let mut problems = Vec::new();
    for (field, v, max) in [
        ("found", &req.found, 2000),
        ("reason", &req.reason, 2000),
        ("decided_by", &req.decided_by, 200),
    ] {
        if v.trim().is_empty() || v.chars().count() > max {
            problems.push(Problem {
                location: Location::default().with_field(field),
                rule: format!("is required (at most {max} characters)"),
                found: None,
            });
        }
    }
    let needs_amount = matches!(
        req.action,
        DeviationAction::Reduction | DeviationAction::RecoveryOrder
    );
    match (needs_amount, req.amount) {
        (true, Some(a)) if a.0 > 0 => {}
        (true, _) => problems.push(Problem {
            location: Location::default().with_field("amount"),
            rule: "a reduction or a recovery order states its amount (positive)".into(),
            found: req.amount.map(|a| a.to_string()),
        }),
        (false, Some(_)) => problems.push(Problem {
            location: Location::default().with_field("amount"),
            rule: "only a reduction or a recovery order has an amount".into(),
            found: req.amount.map(|a| a.to_string()),
        }),
        (false, None) => {}
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    store.write(actor, |tx| {
        let a = repo::award(tx.conn(), id)?;
        if a.status != AwardStatus::Active {
            return Err(Error::Conflict(format!(
                "award {} is not active",
                a.acronym
            )));
        }
        if req.dated > tx.actor().at.date_naive() {
            return Err(refuse(
                &a.acronym,
                "dated",
                "a decision is dated today or earlier",
                Some(req.dated.to_string()),
            ));
        }
        if let Some(paid) = req.amount
            && req.action == DeviationAction::RecoveryOrder
        {
            let total: Eur = repo::tranches(tx.conn(), id)?.iter().map(|t| t.paid).sum();
            if paid > total {
                return Err(refuse(
                    &a.acronym,
                    "amount",
                    "a recovery order recovers at most what was paid",
                    Some(format!("{paid} of {total} paid")),
                ));
            }
        }
        let d = Deviation {
            id: 0,
            kind: req.kind,
            subject: req.subject.trim().to_string(),
            found: req.found.trim().to_string(),
            action: req.action,
            amount: req.amount,
            reason: req.reason.trim().to_string(),
            decided_by: req.decided_by.trim().to_string(),
            dated: req.dated,
            lifted_on: None,
            lifted_by: None,
            lift_reason: None,
        };
        let new_id = repo::insert_deviation(tx, id, &d)?;
        Ok(Deviation { id: new_id, ..d })
    })
}

/// Lifts a suspension (once), with its date, who and why.
pub fn lift_deviation(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    deviation: i64,
    by: &str,
    reason: &str,
) -> Result<Deviation> {
    if by.trim().is_empty() || reason.trim().is_empty() {
        return Err(Error::invalid(
            Location::default().with_field("reason"),
            "lifting a suspension says who and why",
            None,
        ));
    }
    store.write(actor, |tx| {
        let a = repo::award(tx.conn(), id)?;
        let d = repo::deviations(tx.conn(), id)?
            .into_iter()
            .find(|d| d.id == deviation)
            .ok_or_else(|| Error::NotFound {
                kind: "deviation",
                key: format!("{deviation} of award {}", a.acronym),
            })?;
        if !d.blocking() {
            return Err(refuse(
                &a.acronym,
                "deviation",
                "only a suspension that stands is lifted",
                Some(match d.lifted_on {
                    Some(on) => format!("lifted on {on}"),
                    None => words(&d.action),
                }),
            ));
        }
        let today = tx.actor().at.date_naive();
        repo::lift_deviation(tx, id, &d, today, by.trim(), reason.trim())
    })
}

/// Which table to export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ProgrammeTable {
    /// Every tranche of every award: amount, gate, expected date, state, paid.
    Schedule,
    /// Every milestone of every award: baseline, forecast, actual, state, evidence.
    Milestones,
}

/// The disbursement schedule or the milestone table of a programme, as a table in the
/// user's language.
pub fn programme_table(
    store: &Store,
    code: &str,
    which: ProgrammeTable,
    lang: &str,
    today: NaiveDate,
) -> Result<crate::export::Table> {
    use crate::export::{Cell, Table};
    let conn = store.conn();
    let p = repo::programme(conn, code)?;
    let fr = lang == "fr";
    let t = |en: &str, fr_: &str| if fr { fr_.to_string() } else { en.to_string() };
    let texts = crate::report::texts::Texts::load(lang)?;
    let s = texts.section("programme");
    let label = |prefix: &str, v: &dyn erased::Text| s.get(&format!("{prefix}_{}", v.text()));
    let awards = repo::awards(conn, Some(p.id))?;
    let mut rows = Vec::new();
    let table = match which {
        ProgrammeTable::Schedule => {
            for a in &awards {
                let d = show_award(store, a.id, lang, today)?;
                for tr in &d.tranches {
                    let r = &tr.tranche;
                    rows.push(vec![
                        Cell::Text(a.acronym.clone()),
                        Cell::Text(a.country.clone()),
                        Cell::Text(label("status", &a.status)),
                        Cell::Text(label("tranche", &r.kind)),
                        Cell::Number(f64::from(r.share_bp) / 100.0),
                        Cell::Money(r.amount),
                        Cell::Text(tr.gate_name.clone()),
                        Cell::Date(Some(tr.due_on)),
                        Cell::Text(label("tranche_state", &r.state)),
                        Cell::Text(if tr.late {
                            s.get("late_flag")
                        } else {
                            String::new()
                        }),
                        Cell::Money(r.paid),
                        Cell::Date(r.paid_on),
                    ]);
                }
            }
            Table {
                name: t("Disbursement schedule", "Échéancier des versements"),
                headers: vec![
                    s.get("award"),
                    s.get("state"),
                    s.get("status"),
                    s.get("tranche"),
                    t("Share (%)", "Part (%)"),
                    t("Amount (€)", "Montant (€)"),
                    s.get("gate"),
                    s.get("due"),
                    s.get("state_ms"),
                    s.get("late_flag"),
                    t("Paid (€)", "Versé (€)"),
                    t("Paid on", "Versé le"),
                ],
                rows,
            }
        }
        ProgrammeTable::Milestones => {
            for a in &awards {
                let d = show_award(store, a.id, lang, today)?;
                for m in &d.milestones {
                    let ms = &m.milestone;
                    rows.push(vec![
                        Cell::Text(a.acronym.clone()),
                        Cell::Text(a.country.clone()),
                        Cell::Text(m.name.clone()),
                        Cell::Date(Some(ms.baseline)),
                        Cell::Date(Some(ms.forecast)),
                        Cell::Date(ms.actual),
                        Cell::Number(m.slip_days as f64),
                        Cell::Text(label("milestone", &m.state)),
                        Cell::Text(ms.evidence.clone().unwrap_or_default()),
                        Cell::Text(ms.evidence_sha256.clone().unwrap_or_default()),
                        Cell::Text(ms.verified_by.clone().unwrap_or_default()),
                        Cell::Date(ms.verified_on),
                    ]);
                }
            }
            Table {
                name: t("Milestones", "Jalons"),
                headers: vec![
                    s.get("award"),
                    s.get("state"),
                    s.get("milestone"),
                    s.get("baseline"),
                    s.get("forecast_date"),
                    s.get("actual"),
                    t("Slip (days)", "Glissement (jours)"),
                    s.get("state_ms"),
                    t("Evidence", "Justificatif"),
                    "SHA-256".into(),
                    t("Verified by", "Vérifié par"),
                    t("Verified on", "Vérifié le"),
                ],
                rows,
            }
        }
    };
    Ok(table)
}

mod erased {
    /// An enum's stored name, behind a trait object.
    pub trait Text {
        fn text(&self) -> String;
    }
    impl<T: serde::Serialize> Text for T {
        fn text(&self) -> String {
            crate::store::enum_text(self).unwrap_or_default()
        }
    }
}

/// What an early warning is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    /// A payment suspension (or a suspension of the payment deadline) stands.
    SuspensionStands,
    /// A milestone not achieved whose forecast date has passed.
    MilestoneOverdue,
    /// A tranche paid late, or due and unpaid.
    TrancheLate,
    /// A milestone whose forecast is behind its baseline by more than the tolerance.
    MilestoneAtRisk,
    /// A year's monitoring report is missing after its due date.
    ReportLate,
    /// The latest monitoring report has an indicator in red.
    KpiRed,
    /// A re-run of the acceptance benchmark fell short, or is overdue.
    BenchmarkShortfall,
}

/// One line of the portfolio's early-warning list, in figures (the reader words it).
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct Warning {
    pub award_id: i64,
    pub acronym: String,
    pub kind: WarningKind,
    /// The milestone's name, the tranche's code or the suspension's reason.
    pub subject: String,
    /// The forecast, the due date or the decision's date.
    pub date: NaiveDate,
    /// Days overdue, late or behind the baseline.
    pub days: i64,
}

/// The portfolio's early warnings as of `today`, the gravest first: suspensions that
/// stand, overdue milestones, late tranches, milestones at risk (then by days).
pub fn early_warnings(
    store: &Store,
    code: &str,
    lang: &str,
    today: NaiveDate,
) -> Result<Vec<Warning>> {
    let p = repo::programme(store.conn(), code)?;
    let mut out = Vec::new();
    for a in repo::awards(store.conn(), Some(p.id))?
        .into_iter()
        .filter(|a| a.status == AwardStatus::Active)
    {
        let d = show_award(store, a.id, lang, today)?;
        let w = |kind, subject: String, date: NaiveDate, days: i64| Warning {
            award_id: a.id,
            acronym: a.acronym.clone(),
            kind,
            subject,
            date,
            days,
        };
        for v in d.deviations.iter().filter(|v| v.blocking()) {
            out.push(w(
                WarningKind::SuspensionStands,
                v.reason.clone(),
                v.dated,
                (today - v.dated).num_days(),
            ));
        }
        for m in &d.milestones {
            if m.milestone.actual.is_none() && m.milestone.forecast < today {
                out.push(w(
                    WarningKind::MilestoneOverdue,
                    m.name.clone(),
                    m.milestone.forecast,
                    (today - m.milestone.forecast).num_days(),
                ));
            } else if m.state == MilestoneState::AtRisk {
                out.push(w(
                    WarningKind::MilestoneAtRisk,
                    m.name.clone(),
                    m.milestone.forecast,
                    m.slip_days,
                ));
            }
        }
        for t in d.tranches.iter().filter(|t| t.late) {
            let until = t.tranche.paid_on.unwrap_or(today);
            out.push(w(
                WarningKind::TrancheLate,
                t.tranche.code.clone(),
                t.due_on,
                (until - t.due_on).num_days(),
            ));
        }
        for (kind, subject, date, days) in
            super::monitoring::award_warnings(store.conn(), &a, &p.template, lang, today)?
        {
            out.push(w(kind, subject, date, days));
        }
    }
    out.sort_by(|x, y| {
        x.kind
            .cmp(&y.kind)
            .then(y.days.cmp(&x.days))
            .then(x.acronym.cmp(&y.acronym))
    });
    Ok(out)
}

/// An enum's stored name in words (`under_review` → "under review"), for a refusal.
fn words<T: Serialize>(v: &T) -> String {
    crate::store::enum_text(v)
        .unwrap_or_default()
        .replace('_', " ")
}
