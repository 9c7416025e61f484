//! Organisations, consortia and bids with their sites, hardware, costs and financing.

use super::calls::date;
use super::{Tx, enum_from_text, enum_text, from_json, to_json};
use crate::error::{Error, Result};
use crate::model::{
    Bid, BidStatus, Consortium, CostLine, CountryCode, DeclaredAccelerator, Eur, FinancingPlan,
    HardwareLine, Member, Milestone, Organisation, Site,
};
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, params};

/// Returns the id of the organisation with this name and country, storing it if new.
pub fn upsert_organisation(tx: &mut Tx<'_>, org: &Organisation) -> Result<i64> {
    let existing: Option<i64> = tx
        .conn()
        .query_row(
            "SELECT id FROM organisations WHERE name = ?1 AND country = ?2",
            params![org.name, org.country.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = existing {
        return Ok(id);
    }
    tx.conn().execute(
        "INSERT INTO organisations (name, country, kind, email_domain, parent_group)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            org.name,
            org.country.as_str(),
            enum_text(&org.kind)?,
            org.email_domain,
            org.parent_group
        ],
    )?;
    let id = tx.conn().last_insert_rowid();
    let stored = Organisation { id, ..org.clone() };
    tx.audit::<(), _>(
        "organisation.create",
        "organisation",
        id,
        None,
        Some(&stored),
    )?;
    Ok(id)
}

/// Stores a new bid (with its consortium) in the call `bid.call_code`; returns its id.
pub fn insert(tx: &mut Tx<'_>, bid: &Bid) -> Result<i64> {
    let call_id = super::calls::id_of(tx.conn(), &bid.call_code)?;
    let taken: Option<i64> = tx
        .conn()
        .query_row(
            "SELECT id FROM bids WHERE call_id = ?1 AND acronym = ?2 AND version = ?3",
            params![call_id, bid.acronym, bid.version],
            |r| r.get(0),
        )
        .optional()?;
    if taken.is_some() {
        return Err(Error::Conflict(format!(
            "bid {} version {} is already in call {}",
            bid.acronym, bid.version, bid.call_code
        )));
    }
    tx.conn().execute(
        "INSERT INTO consortia (name) VALUES (?1)",
        [&bid.consortium.name],
    )?;
    let consortium_id = tx.conn().last_insert_rowid();
    let mut members = Vec::with_capacity(bid.consortium.members.len());
    for (i, m) in bid.consortium.members.iter().enumerate() {
        let org_id = upsert_organisation(tx, &m.organisation)?;
        tx.conn().execute(
            "INSERT INTO consortium_members (consortium_id, organisation_id, role, position)
             VALUES (?1, ?2, ?3, ?4)",
            params![consortium_id, org_id, enum_text(&m.role)?, i as i64],
        )?;
        members.push(Member {
            organisation: Organisation {
                id: org_id,
                ..m.organisation.clone()
            },
            role: m.role,
        });
    }
    tx.conn().execute(
        "INSERT INTO bids (call_id, consortium_id, acronym, title, status, version, submitted_at,
            scope, requested_eu_cents, requested_member_state_cents)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            call_id,
            consortium_id,
            bid.acronym,
            bid.title,
            enum_text(&bid.status)?,
            bid.version,
            bid.submitted_at
                .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)),
            to_json(&bid.scope)?,
            bid.requested_eu.cents(),
            bid.requested_member_state.cents(),
        ],
    )?;
    let id = tx.conn().last_insert_rowid();
    for (i, s) in bid.sites.iter().enumerate() {
        tx.conn().execute(
            "INSERT INTO sites (bid_id, position, name, country, region, it_mw, pue, wue,
                renewable_share, grid_connection, go_live)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                id,
                i as i64,
                s.name,
                s.country.as_str(),
                s.region,
                s.it_mw,
                s.pue,
                s.wue,
                s.renewable_share,
                s.grid_connection.to_string(),
                s.go_live.to_string()
            ],
        )?;
    }
    for h in &bid.hardware {
        tx.conn().execute(
            "INSERT INTO hardware_lines (bid_id, generation, accelerator, count)
             VALUES (?1, ?2, ?3, ?4)",
            params![id, h.generation, h.accelerator, h.count as i64],
        )?;
    }
    for (i, m) in bid.milestones.iter().enumerate() {
        tx.conn().execute(
            "INSERT INTO milestones (bid_id, position, name, date, description)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, i as i64, m.name, m.date.to_string(), m.description],
        )?;
    }
    insert_lines(tx, "capex_lines", id, &bid.capex)?;
    insert_lines(tx, "opex_lines", id, &bid.opex)?;
    let f = &bid.financing;
    tx.conn().execute(
        "INSERT INTO financing_plans (bid_id, eu_grant_cents, member_state_grant_cents,
            senior_debt_cents, equity_cents, guarantee_kind, guarantee_amount_cents)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            id,
            f.eu_grant.cents(),
            f.member_state_grant.cents(),
            f.senior_debt.cents(),
            f.equity.cents(),
            enum_text(&f.guarantee_kind)?,
            f.guarantee_amount.cents()
        ],
    )?;
    let stored = Bid {
        id,
        consortium: Consortium {
            id: consortium_id,
            name: bid.consortium.name.clone(),
            members,
        },
        ..bid.clone()
    };
    tx.audit::<(), _>("bid.import", "bid", id, None, Some(&stored))?;
    Ok(id)
}

fn insert_lines<C: serde::Serialize>(
    tx: &mut Tx<'_>,
    table: &str,
    bid_id: i64,
    lines: &[CostLine<C>],
) -> Result<()> {
    let sql = format!(
        "INSERT INTO {table} (bid_id, position, year, category, description, amount_cents)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
    );
    let mut stmt = tx.conn().prepare(&sql)?;
    for (i, l) in lines.iter().enumerate() {
        stmt.execute(params![
            bid_id,
            i as i64,
            l.year,
            enum_text(&l.category)?,
            l.description,
            l.amount.cents()
        ])?;
    }
    Ok(())
}

/// Every bid, of every call, ordered by call then acronym.
pub fn all(conn: &Connection) -> Result<Vec<Bid>> {
    let mut stmt = conn.prepare(
        "SELECT b.id FROM bids b JOIN calls c ON c.id = b.call_id ORDER BY c.code, b.acronym, b.version",
    )?;
    let ids = stmt
        .query_map([], |r| r.get::<_, i64>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    ids.into_iter().map(|id| get(conn, id)).collect()
}

pub fn get(conn: &Connection, id: i64) -> Result<Bid> {
    let head = conn
        .query_row(
            "SELECT c.code, b.consortium_id, b.acronym, b.title, b.status, b.version,
                    b.submitted_at, b.scope, b.requested_eu_cents, b.requested_member_state_cents
             FROM bids b JOIN calls c ON c.id = b.call_id WHERE b.id = ?1",
            [id],
            |r| {
                let submitted: Option<String> = r.get(6)?;
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    enum_from_text(4, r.get(4)?)?,
                    r.get::<_, u32>(5)?,
                    submitted.map(|s| timestamp(6, &s)).transpose()?,
                    from_json::<Vec<String>>(7, &r.get::<_, String>(7)?)?,
                    Eur(r.get(8)?),
                    Eur(r.get(9)?),
                ))
            },
        )
        .optional()?
        .ok_or_else(|| Error::NotFound {
            kind: "bid",
            key: id.to_string(),
        })?;
    let (call_code, consortium_id, acronym, title, status, version, submitted_at, scope, eu, ms) =
        head;
    Ok(Bid {
        id,
        call_code,
        consortium: consortium(conn, consortium_id)?,
        acronym,
        title,
        status,
        version,
        submitted_at,
        scope,
        sites: sites(conn, id)?,
        hardware: hardware(conn, id)?,
        requested_eu: eu,
        requested_member_state: ms,
        capex: lines(conn, "capex_lines", id)?,
        opex: lines(conn, "opex_lines", id)?,
        financing: financing(conn, id)?,
        milestones: milestones(conn, id)?,
    })
}

fn milestones(conn: &Connection, bid_id: i64) -> Result<Vec<Milestone>> {
    let mut stmt = conn.prepare(
        "SELECT name, date, description FROM milestones WHERE bid_id = ?1 ORDER BY position",
    )?;
    let rows = stmt
        .query_map([bid_id], |r| {
            Ok(Milestone {
                name: r.get(0)?,
                date: date(1, r.get(1)?)?,
                description: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

fn timestamp(column: usize, s: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(
                column,
                rusqlite::types::Type::Text,
                Box::new(e),
            )
        })
}

fn consortium(conn: &Connection, id: i64) -> Result<Consortium> {
    let name: String = conn.query_row("SELECT name FROM consortia WHERE id = ?1", [id], |r| {
        r.get(0)
    })?;
    let mut stmt = conn.prepare(
        "SELECT o.id, o.name, o.country, o.kind, o.email_domain, o.parent_group, m.role
         FROM consortium_members m JOIN organisations o ON o.id = m.organisation_id
         WHERE m.consortium_id = ?1 ORDER BY m.position",
    )?;
    let members = stmt
        .query_map([id], |r| {
            Ok(Member {
                organisation: organisation_row(r)?,
                role: enum_from_text(6, r.get(6)?)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Consortium { id, name, members })
}

/// Reads `id, name, country, kind, email_domain, parent_group` from columns 0–5.
fn organisation_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Organisation> {
    Ok(Organisation {
        id: r.get(0)?,
        name: r.get(1)?,
        country: CountryCode(r.get(2)?),
        kind: enum_from_text(3, r.get(3)?)?,
        email_domain: r.get(4)?,
        parent_group: r.get(5)?,
    })
}

pub fn organisations(conn: &Connection) -> Result<Vec<Organisation>> {
    let mut stmt = conn.prepare(
        "SELECT id, name, country, kind, email_domain, parent_group FROM organisations ORDER BY name",
    )?;
    let rows = stmt
        .query_map([], organisation_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

fn sites(conn: &Connection, bid_id: i64) -> Result<Vec<Site>> {
    let mut stmt = conn.prepare(
        "SELECT name, country, region, it_mw, pue, wue, renewable_share, grid_connection, go_live
         FROM sites WHERE bid_id = ?1 ORDER BY position",
    )?;
    let rows = stmt
        .query_map([bid_id], |r| {
            Ok(Site {
                name: r.get(0)?,
                country: CountryCode(r.get(1)?),
                region: r.get(2)?,
                it_mw: r.get(3)?,
                pue: r.get(4)?,
                wue: r.get(5)?,
                renewable_share: r.get(6)?,
                grid_connection: date(7, r.get(7)?)?,
                go_live: date(8, r.get(8)?)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

fn hardware(conn: &Connection, bid_id: i64) -> Result<Vec<HardwareLine>> {
    let mut stmt = conn.prepare(
        "SELECT generation, accelerator, count FROM hardware_lines
         WHERE bid_id = ?1 ORDER BY generation, accelerator",
    )?;
    let rows = stmt
        .query_map([bid_id], |r| {
            Ok(HardwareLine {
                generation: r.get(0)?,
                accelerator: r.get(1)?,
                count: r.get::<_, i64>(2)? as u64,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

fn lines<C: serde::de::DeserializeOwned>(
    conn: &Connection,
    table: &str,
    bid_id: i64,
) -> Result<Vec<CostLine<C>>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT year, category, description, amount_cents FROM {table}
         WHERE bid_id = ?1 ORDER BY position"
    ))?;
    let rows = stmt
        .query_map([bid_id], |r| {
            Ok(CostLine {
                year: r.get(0)?,
                category: enum_from_text(1, r.get(1)?)?,
                description: r.get(2)?,
                amount: Eur(r.get(3)?),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

fn financing(conn: &Connection, bid_id: i64) -> Result<FinancingPlan> {
    Ok(conn.query_row(
        "SELECT eu_grant_cents, member_state_grant_cents, senior_debt_cents, equity_cents,
                guarantee_kind, guarantee_amount_cents
         FROM financing_plans WHERE bid_id = ?1",
        [bid_id],
        |r| {
            Ok(FinancingPlan {
                eu_grant: Eur(r.get(0)?),
                member_state_grant: Eur(r.get(1)?),
                senior_debt: Eur(r.get(2)?),
                equity: Eur(r.get(3)?),
                guarantee_kind: enum_from_text(4, r.get(4)?)?,
                guarantee_amount: Eur(r.get(5)?),
            })
        },
    )?)
}

/// One stored version of a bid, for the versions list.
#[derive(Clone, Debug, PartialEq, serde::Serialize, ts_rs::TS)]
pub struct VersionRow {
    pub id: i64,
    pub version: u32,
    pub status: BidStatus,
    pub submitted_at: Option<String>,
    pub imported_at: Option<String>,
    pub source_file: Option<String>,
    pub source_sha256: Option<String>,
}

/// Every version of the bid `acronym` in a call, oldest first.
pub fn versions(conn: &Connection, call_id: i64, acronym: &str) -> Result<Vec<VersionRow>> {
    let mut stmt = conn.prepare(
        "SELECT id, version, status, submitted_at, imported_at, source_file, source_sha256
         FROM bids WHERE call_id = ?1 AND acronym = ?2 ORDER BY version",
    )?;
    let rows = stmt
        .query_map(params![call_id, acronym], |r| {
            Ok(VersionRow {
                id: r.get(0)?,
                version: r.get(1)?,
                status: enum_from_text(2, r.get(2)?)?,
                submitted_at: r.get(3)?,
                imported_at: r.get(4)?,
                source_file: r.get(5)?,
                source_sha256: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Records where a stored version came from.
pub fn set_source(
    tx: &mut Tx<'_>,
    id: i64,
    file: &str,
    sha256: &str,
    imported_at: DateTime<Utc>,
) -> Result<()> {
    tx.conn().execute(
        "UPDATE bids SET source_file = ?2, source_sha256 = ?3, imported_at = ?4 WHERE id = ?1",
        params![
            id,
            file,
            sha256,
            imported_at.to_rfc3339_opts(SecondsFormat::Secs, true)
        ],
    )?;
    Ok(())
}

/// Marks a stored version as a submission received after the call closed (kept as a
/// draft), with when it came.
pub fn mark_late(tx: &mut Tx<'_>, id: i64, received: DateTime<Utc>) -> Result<()> {
    tx.conn().execute(
        "UPDATE bids SET received_late = ?2 WHERE id = ?1",
        params![id, super::ts(&received)],
    )?;
    tx.audit::<(), _>("bid.late", "bid", id, None, Some(&received))
}

/// The versions kept as late drafts, with when each came.
pub fn late(conn: &Connection) -> Result<std::collections::HashMap<i64, String>> {
    let mut stmt =
        conn.prepare("SELECT id, received_late FROM bids WHERE received_late IS NOT NULL")?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Stores the accelerators a bid described as "other".
pub fn insert_declared(
    tx: &mut Tx<'_>,
    id: i64,
    accelerators: &[DeclaredAccelerator],
) -> Result<()> {
    for a in accelerators {
        tx.conn().execute(
            "INSERT INTO declared_accelerators (bid_id, name, fp8_tflops, bf16_tflops, tdp_w)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, a.name, a.fp8_tflops, a.bf16_tflops, a.tdp_w],
        )?;
    }
    Ok(())
}

/// The accelerators a bid described as "other".
pub fn declared(conn: &Connection, id: i64) -> Result<Vec<DeclaredAccelerator>> {
    let mut stmt = conn.prepare(
        "SELECT name, fp8_tflops, bf16_tflops, tdp_w FROM declared_accelerators
         WHERE bid_id = ?1 ORDER BY name",
    )?;
    let rows = stmt
        .query_map([id], |r| {
            Ok(DeclaredAccelerator {
                name: r.get(0)?,
                fp8_tflops: r.get(1)?,
                bf16_tflops: r.get(2)?,
                tdp_w: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The current bids: the latest version of each bid of each call, ordered by call then
/// acronym. Earlier versions stay stored (see [`versions`]).
pub fn current(conn: &Connection) -> Result<Vec<Bid>> {
    let mut stmt = conn.prepare(
        "SELECT b.id FROM bids b JOIN calls c ON c.id = b.call_id
         WHERE b.version = (SELECT max(version) FROM bids b2
                            WHERE b2.call_id = b.call_id AND b2.acronym = b.acronym)
         ORDER BY c.code, b.acronym",
    )?;
    let ids = stmt
        .query_map([], |r| r.get::<_, i64>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    ids.into_iter().map(|id| get(conn, id)).collect()
}

/// The bids `ids` as the assignment and conflict rules read them, in few queries: head,
/// scope and consortium (members with their organisations). Sites, hardware, costs and
/// financing are left empty; use [`get`] for a whole bid.
pub fn consortia_of(conn: &Connection, ids: &[i64]) -> Result<Vec<Bid>> {
    let mut by_id: std::collections::HashMap<i64, Bid> = std::collections::HashMap::new();
    let mut consortium_of: std::collections::HashMap<i64, i64> = std::collections::HashMap::new();
    let wanted: std::collections::HashSet<i64> = ids.iter().copied().collect();
    let mut stmt = conn.prepare(
        "SELECT b.id, c.code, b.consortium_id, b.acronym, b.title, b.status, b.version,
                b.scope, b.requested_eu_cents, b.requested_member_state_cents, k.name
         FROM bids b JOIN calls c ON c.id = b.call_id JOIN consortia k ON k.id = b.consortium_id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        if !wanted.contains(&id) {
            continue;
        }
        let consortium_id: i64 = r.get(2)?;
        consortium_of.insert(id, consortium_id);
        by_id.insert(
            id,
            Bid {
                id,
                call_code: r.get(1)?,
                consortium: Consortium {
                    id: consortium_id,
                    name: r.get(10)?,
                    members: Vec::new(),
                },
                acronym: r.get(3)?,
                title: r.get(4)?,
                status: enum_from_text(5, r.get(5)?)?,
                version: r.get(6)?,
                submitted_at: None,
                scope: from_json(7, &r.get::<_, String>(7)?)?,
                sites: Vec::new(),
                hardware: Vec::new(),
                requested_eu: Eur(r.get(8)?),
                requested_member_state: Eur(r.get(9)?),
                capex: Vec::new(),
                opex: Vec::new(),
                financing: crate::model::FinancingPlan {
                    eu_grant: Eur::ZERO,
                    member_state_grant: Eur::ZERO,
                    senior_debt: Eur::ZERO,
                    equity: Eur::ZERO,
                    guarantee_kind: crate::model::GuaranteeKind::None,
                    guarantee_amount: Eur::ZERO,
                },
                milestones: Vec::new(),
            },
        );
    }
    let mut members: std::collections::HashMap<i64, Vec<Member>> = std::collections::HashMap::new();
    let mut stmt = conn.prepare(
        "SELECT o.id, o.name, o.country, o.kind, o.email_domain, o.parent_group, m.role,
                m.consortium_id
         FROM consortium_members m JOIN organisations o ON o.id = m.organisation_id
         ORDER BY m.consortium_id, m.position",
    )?;
    let mut rows = stmt.query([])?;
    let wanted_consortia: std::collections::HashSet<i64> =
        consortium_of.values().copied().collect();
    while let Some(r) = rows.next()? {
        let consortium: i64 = r.get(7)?;
        if !wanted_consortia.contains(&consortium) {
            continue;
        }
        members.entry(consortium).or_default().push(Member {
            organisation: organisation_row(r)?,
            role: enum_from_text(6, r.get(6)?)?,
        });
    }
    ids.iter()
        .map(|id| {
            let mut b = by_id.remove(id).ok_or_else(|| Error::NotFound {
                kind: "bid",
                key: id.to_string(),
            })?;
            b.consortium.members = members.get(&b.consortium.id).cloned().unwrap_or_default();
            Ok(b)
        })
        .collect()
}
