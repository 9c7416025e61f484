//! Individual scores (EVALUATION.md step 2): per criterion on the call's scale with a
//! comment, draft then submitted; an expert sees no other expert's scores or comments for
//! a bid until they have submitted their own; every change is in the audit log.

use super::{CallData, Viewer, check_scale, refuse};
use crate::error::{Error, Location, Problem, Result};
use crate::model::{Actor, AuditEntry, Call, Score, ScoreStatus};
use crate::store::{self, Store};
use rusqlite::Connection;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use ts_rs::TS;

/// The scores of one bid as one viewer may see them.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct BidScores {
    pub bid_id: i64,
    pub acronym: String,
    /// The viewer's own scores (an evaluator), or every score (the office).
    pub own: Vec<Score>,
    pub submitted: bool,
    /// Other experts' submitted scores, when the viewer may see them.
    pub others: Vec<NamedScore>,
    /// Why other experts' scores are hidden, when they are.
    pub hidden: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct NamedScore {
    pub evaluator: String,
    #[serde(flatten)]
    #[ts(flatten)]
    pub score: Score,
}

fn criterion_known(call: &Call, code: &str) -> bool {
    call.criteria.iter().any(|c| c.code == code)
}

fn assigned(conn: &Connection, bid_id: i64, evaluator_id: i64) -> Result<bool> {
    Ok(store::evaluation::bid_assignments(conn, bid_id)?
        .iter()
        .any(|a| a.evaluator_id == evaluator_id))
}

/// Whether this evaluator may still write scores for this bid: assigned, the assignment
/// not suspended, no conflict of interest, not yet submitted. Runs inside the write that
/// it guards, so that a submission or a conflict recorded meanwhile is seen.
fn may_score(conn: &Connection, acronym: &str, bid_id: i64, evaluator_id: i64) -> Result<()> {
    let assignment = store::evaluation::bid_assignments(conn, bid_id)?
        .into_iter()
        .find(|a| a.evaluator_id == evaluator_id);
    let Some(a) = assignment else {
        return Err(refuse(
            acronym,
            "evaluator",
            "only an expert assigned to the bid may score it",
            None,
        ));
    };
    if let Some(why) = &a.suspended {
        return Err(refuse(
            acronym,
            "evaluator",
            format!("this assignment is suspended for a conflict of interest: {why}"),
            None,
        ));
    }
    if let Some(f) = super::conflicts::of_pair(conn, bid_id, evaluator_id)?.first() {
        return Err(refuse(
            acronym,
            "evaluator",
            format!("conflict of interest: {}", f.reason),
            None,
        ));
    }
    if store::evaluation::submitted_at(conn, bid_id, evaluator_id)?.is_some() {
        return Err(Error::Conflict(format!(
            "the scores for {acronym} are already submitted; they can no longer be changed (the consensus records any revision)"
        )));
    }
    Ok(())
}

/// Checks one score as the evaluator wrote it; `Ok` when it may be stored.
fn check(
    conn: &Connection,
    call: &Call,
    acronym: &str,
    bid_id: i64,
    evaluator_id: i64,
    criterion: &str,
    score: f64,
) -> Result<()> {
    if !criterion_known(call, criterion) {
        let codes: Vec<&str> = call.criteria.iter().map(|c| c.code.as_str()).collect();
        return Err(refuse(
            acronym,
            "criterion",
            format!("the call's criteria are {}", codes.join(", ")),
            Some(criterion.to_string()),
        ));
    }
    check_scale(call, score).map_err(|rule| {
        refuse(
            acronym,
            &format!("score ({criterion})"),
            rule,
            Some(score.to_string()),
        )
    })?;
    may_score(conn, acronym, bid_id, evaluator_id)
}

/// Longest comment on one score.
pub const MAX_COMMENT: usize = 20_000;

/// One score as an evaluator writes it.
#[derive(Clone, Debug, PartialEq, serde::Deserialize, Serialize, TS)]
pub struct ScoreInput {
    pub bid_id: i64,
    pub evaluator_id: i64,
    pub criterion: String,
    pub score: f64,
    pub comment: String,
}

/// Sets (or changes) one draft score with its comment.
pub fn set(store: &mut Store, actor: &Actor, call_code: &str, input: &ScoreInput) -> Result<Score> {
    let ScoreInput {
        bid_id,
        evaluator_id,
        ref criterion,
        score,
        ref comment,
    } = *input;
    let comment = comment.trim();
    if comment.chars().count() > MAX_COMMENT {
        return Err(refuse(
            &acronym(store.conn(), bid_id)?,
            &format!("comment ({criterion})"),
            format!("a comment has at most {MAX_COMMENT} characters"),
            Some(format!("{} characters", comment.chars().count())),
        ));
    }
    let s = Score {
        bid_id,
        evaluator_id,
        criterion: criterion.to_string(),
        score,
        comment: comment.to_string(),
        status: ScoreStatus::Draft,
        updated_at: actor.at,
    };
    store.write(actor, |tx| {
        let call = store::calls::by_code(tx.conn(), call_code)?;
        let acronym = acronym(tx.conn(), bid_id)?;
        check(
            tx.conn(),
            &call,
            &acronym,
            bid_id,
            evaluator_id,
            criterion,
            score,
        )?;
        store::evaluation::put_score(tx, &s)
    })?;
    Ok(s)
}

/// What is missing before an evaluator may submit a bid's scores; empty when complete.
pub fn missing(call: &Call, acronym: &str, scores: &[Score]) -> Vec<Problem> {
    let min = call.settings.min_comment_chars as usize;
    let mut out = Vec::new();
    for c in &call.criteria {
        match scores.iter().find(|s| s.criterion == c.code) {
            None => out.push(Problem {
                location: Location::default()
                    .with_sheet(acronym)
                    .with_field(c.code.clone()),
                rule: format!("{} has no score yet", c.name),
                found: None,
            }),
            Some(s) if s.comment.chars().count() < min => out.push(Problem {
                location: Location::default()
                    .with_sheet(acronym)
                    .with_field(c.code.clone()),
                rule: format!(
                    "the comment on {} must have at least {min} characters",
                    c.name
                ),
                found: Some(format!("{} characters", s.comment.chars().count())),
            }),
            Some(_) => {}
        }
    }
    out
}

/// Submits an evaluator's scores for a bid: all criteria scored, comments long enough.
pub fn submit(
    store: &mut Store,
    actor: &Actor,
    call_code: &str,
    bid_id: i64,
    evaluator_id: i64,
) -> Result<()> {
    store.write(actor, |tx| {
        // Every check inside the write: a second submission racing this one finds the
        // first and is refused plainly, never as a constraint failure.
        let call = store::calls::by_code(tx.conn(), call_code)?;
        let acronym = acronym(tx.conn(), bid_id)?;
        if store::evaluation::submitted_at(tx.conn(), bid_id, evaluator_id)?.is_some() {
            return Err(Error::Conflict(format!(
                "the scores for {acronym} are already submitted"
            )));
        }
        may_score(tx.conn(), &acronym, bid_id, evaluator_id)?;
        let problems = submit_in(tx, &call, &acronym, bid_id, evaluator_id, actor.at)?;
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(problems))
        }
    })
}

/// In `tx`: marks an evaluator's scores of a bid submitted when they are complete;
/// otherwise writes nothing and returns what is missing. The one place a submission
/// is made (the app, a CSV import, an offline return).
pub(crate) fn submit_in(
    tx: &mut store::Tx<'_>,
    call: &Call,
    acronym: &str,
    bid_id: i64,
    evaluator_id: i64,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Problem>> {
    let own: Vec<Score> = store::evaluation::bid_scores(tx.conn(), bid_id)?
        .into_iter()
        .filter(|s| s.evaluator_id == evaluator_id)
        .collect();
    let problems = missing(call, acronym, &own);
    if !problems.is_empty() {
        return Ok(problems);
    }
    for s in own {
        store::evaluation::put_score(
            tx,
            &Score {
                status: ScoreStatus::Submitted,
                updated_at: at,
                ..s
            },
        )?;
    }
    store::evaluation::insert_submission(tx, bid_id, evaluator_id, at)?;
    Ok(Vec::new())
}

fn acronym(conn: &Connection, bid_id: i64) -> Result<String> {
    use rusqlite::OptionalExtension;
    conn.query_row("SELECT acronym FROM bids WHERE id = ?1", [bid_id], |r| {
        r.get(0)
    })
    .optional()?
    .ok_or_else(|| Error::NotFound {
        kind: "bid",
        key: bid_id.to_string(),
    })
}

/// The scores of a bid that `viewer` may see (blinding before submission).
pub fn visible(conn: &Connection, viewer: Viewer, bid_id: i64) -> Result<BidScores> {
    let acronym = acronym(conn, bid_id)?;
    let all = store::evaluation::bid_scores(conn, bid_id)?;
    let names: HashMap<i64, String> = store::evaluation::evaluators(conn)?
        .into_iter()
        .map(|e| (e.id, e.name))
        .collect();
    let named = |s: Score| NamedScore {
        evaluator: names.get(&s.evaluator_id).cloned().unwrap_or_default(),
        score: s,
    };
    match viewer {
        Viewer::Office => Ok(BidScores {
            bid_id,
            acronym,
            own: Vec::new(),
            submitted: false,
            others: all.into_iter().map(named).collect(),
            hidden: None,
        }),
        Viewer::Evaluator(me) => {
            if !assigned(conn, bid_id, me)? {
                return Err(Error::NotFound {
                    kind: "assignment",
                    key: format!("{acronym} for evaluator {me}"),
                });
            }
            let submitted = store::evaluation::submitted_at(conn, bid_id, me)?.is_some();
            let (own, rest): (Vec<Score>, Vec<Score>) =
                all.into_iter().partition(|s| s.evaluator_id == me);
            let (others, hidden) = if submitted {
                (
                    rest.into_iter()
                        .filter(|s| s.status == ScoreStatus::Submitted)
                        .map(named)
                        .collect(),
                    None,
                )
            } else {
                (
                    Vec::new(),
                    Some(
                        "other experts' scores and comments are shown once you submit your own"
                            .to_string(),
                    ),
                )
            };
            Ok(BidScores {
                bid_id,
                acronym,
                own,
                submitted,
                others,
                hidden,
            })
        }
    }
}

/// Every change of one score, oldest first, from the audit log.
pub fn history(
    conn: &Connection,
    viewer: Viewer,
    bid_id: i64,
    evaluator_id: i64,
    criterion: &str,
) -> Result<Vec<AuditEntry>> {
    if let Viewer::Evaluator(me) = viewer
        && me != evaluator_id
        && store::evaluation::submitted_at(conn, bid_id, me)?.is_none()
    {
        return Err(Error::NotFound {
            kind: "score history",
            key: "another expert's score before you submit your own".into(),
        });
    }
    store::audit::history(
        conn,
        "score",
        &store::evaluation::score_key(bid_id, evaluator_id, criterion),
    )
}

/// What a score import did.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct ScoreImport {
    pub file: String,
    pub rows: usize,
    pub changed: usize,
    pub submitted: Vec<String>,
}

/// Imports `bid,evaluator,criterion,score,comment` rows (bid by acronym, evaluator by
/// e-mail) for offline panels: every row is checked first, then all are stored in one
/// transaction, or none. With `submit`, each (bid, evaluator) in the file is submitted.
pub fn import_csv(
    store: &mut Store,
    actor: &Actor,
    call_code: &str,
    path: &Path,
    submit: bool,
) -> Result<ScoreImport> {
    let file = crate::ingest::display_name(path);
    let text = crate::ingest::read_text(path)?;
    let data = CallData::load_consortia(store.conn(), call_code)?;
    let conn = store.conn();
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let at = |line: u64, field: &str| {
        Location::file(file.clone())
            .with_cell(format!("line {line}"))
            .with_field(field)
    };
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| {
            Error::invalid(
                Location::file(file.clone()),
                format!("not a CSV file: {e}"),
                None,
            )
        })?
        .iter()
        .map(|h| h.to_lowercase())
        .collect();
    let want = ["bid", "evaluator", "criterion", "score", "comment"];
    let col = |name: &str| headers.iter().position(|h| h == name);
    let missing_cols: Vec<&str> = want.iter().copied().filter(|w| col(w).is_none()).collect();
    if !missing_cols.is_empty() {
        return Err(Error::invalid(
            Location::file(file.clone()).with_cell("line 1"),
            format!(
                "the header must name the columns bid, evaluator, criterion, score, comment; missing: {}",
                missing_cols.join(", ")
            ),
            Some(headers.join(",")),
        ));
    }
    let idx: Vec<usize> = want.iter().filter_map(|w| col(w)).collect();
    let evaluators: HashMap<String, i64> = data
        .evaluators
        .iter()
        .map(|e| (e.email.to_lowercase(), e.id))
        .collect();
    let mut problems = Vec::new();
    let mut rows: Vec<Score> = Vec::new();
    let mut seen: BTreeMap<(i64, i64, String), u64> = BTreeMap::new();
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                problems.push(Problem {
                    location: at(line, "row"),
                    rule: format!("unreadable row: {e}"),
                    found: None,
                });
                continue;
            }
        };
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let get = |i: usize| rec.get(idx[i]).unwrap_or("").to_string();
        let (bid_key, email, criterion, score_text, comment) =
            (get(0), get(1), get(2), get(3), get(4));
        let bid = match data.bid_by_key(&bid_key) {
            Ok(b) => b,
            Err(_) => {
                problems.push(Problem {
                    location: at(line, "bid"),
                    rule: format!("no submitted bid with this acronym in call {call_code}"),
                    found: Some(bid_key),
                });
                continue;
            }
        };
        let Some(&evaluator_id) = evaluators.get(&email.to_lowercase()) else {
            problems.push(Problem {
                location: at(line, "evaluator"),
                rule: "no evaluator with this e-mail in the roster".into(),
                found: Some(email),
            });
            continue;
        };
        let score: f64 = match score_text.replace(',', ".").parse() {
            Ok(v) => v,
            Err(_) => {
                problems.push(Problem {
                    location: at(line, "score"),
                    rule: "a score must be a number such as 3.5".into(),
                    found: Some(score_text),
                });
                continue;
            }
        };
        if let Err(e) = check(
            conn,
            &data.call,
            &bid.acronym,
            bid.id,
            evaluator_id,
            &criterion,
            score,
        ) {
            // The rule's own field (criterion, score, evaluator), placed at this line.
            match e {
                Error::Invalid(found) => problems.extend(found.into_iter().map(|p| Problem {
                    location: at(line, p.location.field.as_deref().unwrap_or("row")),
                    ..p
                })),
                other => problems.push(Problem {
                    location: at(line, "status"),
                    rule: other.to_string(),
                    found: None,
                }),
            }
            continue;
        }
        if let Some(first) = seen.insert((bid.id, evaluator_id, criterion.clone()), line) {
            problems.push(Problem {
                location: at(line, "criterion"),
                rule: format!("the same bid, evaluator and criterion are already on line {first}"),
                found: Some(criterion.clone()),
            });
            continue;
        }
        rows.push(Score {
            bid_id: bid.id,
            evaluator_id,
            criterion,
            score,
            comment,
            status: ScoreStatus::Draft,
            updated_at: actor.at,
        });
    }
    let pairs: BTreeSet<(i64, i64)> = rows.iter().map(|s| (s.bid_id, s.evaluator_id)).collect();
    let mut submitted = Vec::new();
    if submit && problems.is_empty() {
        // Submission needs every criterion, counting scores already stored.
        for &(bid_id, evaluator_id) in &pairs {
            let bid = data
                .bid(bid_id)
                .map(|b| b.acronym.clone())
                .unwrap_or_default();
            let mut merged: Vec<Score> = store::evaluation::bid_scores(conn, bid_id)?
                .into_iter()
                .filter(|s| s.evaluator_id == evaluator_id)
                .filter(|s| {
                    !rows.iter().any(|r| {
                        r.bid_id == bid_id
                            && r.evaluator_id == evaluator_id
                            && r.criterion == s.criterion
                    })
                })
                .collect();
            merged.extend(
                rows.iter()
                    .filter(|r| r.bid_id == bid_id && r.evaluator_id == evaluator_id)
                    .cloned(),
            );
            let email = data
                .evaluator(evaluator_id)
                .map(|e| e.email.clone())
                .unwrap_or_default();
            for mut p in missing(&data.call, &bid, &merged) {
                p.location = Location::file(file.clone())
                    .with_sheet(bid.clone())
                    .with_field(format!(
                        "{} · {}",
                        email,
                        p.location.field.unwrap_or_default()
                    ));
                problems.push(p);
            }
            submitted.push(format!("{bid} · {email}"));
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    let n = rows.len();
    let changed = store.write(actor, |tx| {
        // The file was checked above; what guards the write is checked again inside it.
        for &(bid_id, evaluator_id) in &pairs {
            let acronym = data
                .bid(bid_id)
                .map(|b| b.acronym.as_str())
                .unwrap_or_default();
            may_score(tx.conn(), acronym, bid_id, evaluator_id)?;
        }
        let mut changed = 0;
        for s in &rows {
            changed += usize::from(store::evaluation::put_score(tx, s)?);
        }
        if submit {
            for &(bid_id, evaluator_id) in &pairs {
                let acronym = data
                    .bid(bid_id)
                    .map(|b| b.acronym.as_str())
                    .unwrap_or_default();
                // Completeness was checked above with the file's rows: nothing is missing.
                let problems = submit_in(tx, &data.call, acronym, bid_id, evaluator_id, actor.at)?;
                if !problems.is_empty() {
                    return Err(Error::Invalid(problems));
                }
            }
        }
        Ok(changed)
    })?;
    Ok(ScoreImport {
        file,
        rows: n,
        changed,
        submitted,
    })
}
