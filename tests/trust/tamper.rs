//! Tamper evidence: the audit log truncated or rewritten, tables edited behind the log,
//! the log's protections dropped, reports edited, packages forged, returns replayed.

use super::{Res, demo_at, gigafund, raw};
use crate::{KEY_PASS, TestResult, actor};
use gigafund::app::audit::{self as trust, VerifyOptions};
use gigafund::app::reports;
use gigafund::store::{self, Store};
use std::path::Path;

/// The office's key and a checkpoint of the demo's log; returns the key's public hex.
fn signed_demo(dir: &Path) -> Res<(Store, std::path::PathBuf, String)> {
    let (mut store, db) = demo_at(dir)?;
    let key = dir.join("office-key.json");
    let info = trust::create_office_key(&key, KEY_PASS, KEY_PASS, &actor())?;
    trust::checkpoint(&mut store, &actor(), &key, KEY_PASS)?;
    Ok((store, db, info.public_key))
}

fn with_key(public: &str) -> VerifyOptions {
    VerifyOptions {
        office_key: Some(public.to_string()),
        checkpoints: Vec::new(),
    }
}

/// What someone with the file does first: the append-only triggers go.
fn drop_triggers(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;
         DROP TRIGGER audit_checkpoints_no_update; DROP TRIGGER audit_checkpoints_no_delete;",
    )
}

#[test]
fn regression_deleting_the_log_s_last_rows_shows_against_a_signed_checkpoint() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (store, db, public) = signed_demo(dir.path())?;
    let clean = trust::verify_with(&store, &with_key(&public))?;
    assert!(clean.ok, "{clean:?}");
    assert_eq!(clean.checkpoints.len(), 1);
    assert_eq!(
        clean.unsigned_entries, 1,
        "only the checkpoint's own entry after it"
    );
    let head = clean.head.clone().ok_or("head")?;
    drop(store);

    // The last rows deleted, the triggers dropped first, the checkpoint too: the log's own
    // chain still holds (a prefix of a chain is a chain).
    let conn = raw(&db)?;
    drop_triggers(&conn)?;
    conn.execute("DELETE FROM audit_log WHERE seq >= ?1", [head.seq - 3])?;
    drop(conn);
    let store = Store::open(&db)?;
    let report = trust::verify_with(&store, &with_key(&public))?;
    assert!(!report.ok);
    assert!(
        report.chain_break.is_none(),
        "the prefix alone is a valid chain"
    );
    assert_eq!(report.protections.len(), 4, "{:?}", report.protections);
    let failing = report
        .checkpoints
        .iter()
        .find_map(|c| c.problem.clone())
        .ok_or("the checkpoint fails")?;
    assert!(failing.contains("truncated"), "{failing}");
    // Every row the log no longer explains shows against the log replayed.
    assert!(report.replay_differences > 0);

    // All of the log deleted, and the checkpoints with it: the checkpoint file the office
    // kept elsewhere still shows it.
    let (kept, text) = {
        let dir2 = tempfile::tempdir()?;
        let (mut s2, _, _) = signed_demo(dir2.path())?;
        let key = dir2.path().join("office-key.json");
        trust::checkpoint(&mut s2, &actor(), &key, KEY_PASS)?
    };
    assert!(text.contains("gigafund-audit-checkpoint"));
    let file = dir.path().join("kept.json");
    std::fs::write(&file, &text)?;
    let conn = raw(&db)?;
    conn.execute_batch("DELETE FROM audit_log; DELETE FROM audit_checkpoints;")?;
    drop(conn);
    let store = Store::open(&db)?;
    let report = trust::verify_with(
        &store,
        &VerifyOptions {
            office_key: None,
            checkpoints: vec![("kept.json".into(), trust::read_checkpoint_file(&file)?)],
        },
    )?;
    assert!(!report.ok);
    assert_eq!(report.audit_entries, 0);
    let held = report
        .checkpoints
        .iter()
        .find(|c| c.source == "kept.json")
        .ok_or("the kept file is checked")?;
    assert_eq!(held.seq, kept.seq);
    assert!(
        held.problem
            .as_deref()
            .is_some_and(|p| p.contains("truncated"))
    );
    Ok(())
}

#[test]
fn regression_an_entry_edited_with_its_chain_recomputed_shows_against_the_checkpoint() -> TestResult
{
    let dir = tempfile::tempdir()?;
    let (store, db, public) = signed_demo(dir.path())?;
    // A score's entry rewritten (its value changed) and every hash after it recomputed,
    // the table changed to agree: the chain and the replay hold, the checkpoint does not.
    let entries = store::audit::entries(store.conn())?;
    let target = entries
        .iter()
        .find(|e| e.entity == "score")
        .ok_or("a score entry")?
        .clone();
    drop(store);
    let conn = raw(&db)?;
    drop_triggers(&conn)?;
    let mut prev = store::audit::GENESIS_HASH.to_string();
    for mut e in entries.into_iter() {
        if e.seq == target.seq {
            let mut after: serde_json::Value =
                serde_json::from_str(e.after.as_deref().ok_or("after")?)?;
            after["score"] = serde_json::json!(0.5);
            e.after = Some(after.to_string());
        }
        if e.seq >= target.seq {
            e.prev_hash = prev.clone();
            e.hash = store::audit::entry_hash(&e);
            conn.execute(
                "UPDATE audit_log SET after = ?2, prev_hash = ?3, hash = ?4 WHERE seq = ?1",
                rusqlite::params![e.seq, e.after, e.prev_hash, e.hash],
            )?;
        }
        prev = e.hash.clone();
    }
    drop(conn);
    let store = Store::open(&db)?;
    let report = trust::verify_with(&store, &with_key(&public))?;
    assert!(report.chain_break.is_none(), "the chain was recomputed");
    let problem = report
        .checkpoints
        .iter()
        .find_map(|c| c.problem.clone())
        .ok_or("the checkpoint fails")?;
    assert!(problem.contains("rewritten"), "{problem}");
    assert!(!report.ok);
    Ok(())
}

#[test]
fn regression_scores_consensus_and_assignments_edited_in_their_tables_show_against_the_log()
-> TestResult {
    let dir = tempfile::tempdir()?;
    let (store, db) = demo_at(dir.path())?;
    assert!(gigafund::app::verify(&store)?.ok);
    drop(store);
    let conn = raw(&db)?;
    conn.execute_batch(
        "UPDATE scores SET score = 5 WHERE rowid = (SELECT min(rowid) FROM scores);
         UPDATE consensus_scores SET score = 1 WHERE rowid = (SELECT min(rowid) FROM consensus_scores);
         UPDATE assignments SET role = 'rapporteur' WHERE rowid = (SELECT max(rowid) FROM assignments WHERE role <> 'rapporteur');",
    )?;
    drop(conn);
    let store = Store::open(&db)?;
    let report = gigafund::app::verify(&store)?;
    assert!(!report.ok);
    assert!(report.chain_break.is_none(), "the log itself is untouched");
    assert_eq!(report.replay_differences, 3, "{:?}", report.replay);
    for table in ["scores", "consensus", "assignments"] {
        assert!(
            report.replay.iter().any(|d| d.starts_with(table)),
            "{table}: {:?}",
            report.replay
        );
    }
    // The CLI says so and exits 1.
    let out = gigafund(&db)?.arg("verify").output()?;
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout)?;
    assert!(text.contains("3 DIFFERENCES"), "{text}");
    Ok(())
}

#[test]
fn regression_dropped_append_only_triggers_are_reported() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (store, db) = demo_at(dir.path())?;
    drop(store);
    raw(&db)?.execute_batch("DROP TRIGGER audit_log_no_delete;")?;
    // A trigger replaced by one that lets everything through.
    raw(&db)?.execute_batch(
        "DROP TRIGGER audit_log_no_update;
         CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT 1; END;",
    )?;
    let report = gigafund::app::verify(&Store::open(&db)?)?;
    assert!(!report.ok);
    assert_eq!(report.protections.len(), 2, "{:?}", report.protections);
    assert!(report.protections.iter().any(|p| p.contains("missing")));
    assert!(report.protections.iter().any(|p| p.contains("changed")));
    Ok(())
}

#[test]
fn regression_an_edited_report_no_longer_verifies_and_says_the_document_changed() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (mut store, db) = demo_at(dir.path())?;
    let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).ok_or("date")?;
    let bid = gigafund::app::bid_rows(&store, Some("INVESTAI-AIGF-2026"))?[0].id;
    let pdf = dir.path().join("esr.pdf");
    std::fs::write(&pdf, reports::esr_report(&store, bid, "en", date)?)?;
    let check = reports::verify_report(&store, &pdf)?;
    assert!(check.matches && check.data_matches, "{}", check.message);
    assert_eq!(check.document_matches, Some(true));
    let head = check
        .log_head
        .clone()
        .ok_or("the report carries the log's head")?;
    let text = pdf_text(&pdf)?;
    assert!(
        text.contains(&format!("audit log at issue: entry {}", head.seq)),
        "the footer prints the head"
    );

    // One byte of the page changed, the keywords kept: the data still matches, the
    // document does not, and the message says which.
    let mut bytes = std::fs::read(&pdf)?;
    let at = bytes
        .windows(6)
        .position(|w| w == b"stream")
        .ok_or("a content stream")?
        + 40;
    bytes[at] ^= 0x01;
    let edited = dir.path().join("edited.pdf");
    std::fs::write(&edited, &bytes)?;
    let check = reports::verify_report(&store, &edited)?;
    assert!(!check.matches);
    assert!(check.data_matches);
    assert_eq!(check.document_matches, Some(false));
    assert!(check.message.contains("was edited"), "{}", check.message);
    let out = gigafund(&db)?
        .args(["report", "verify"])
        .arg(&edited)
        .output()?;
    assert_eq!(out.status.code(), Some(1));

    // The data changed since issue: said as such, not as an edit.
    let c = store::evaluation::bid_consensus(store.conn(), bid)?
        .into_iter()
        .next()
        .ok_or("a consensus")?;
    store.write(&actor(), |tx| {
        store::evaluation::put_consensus(
            tx,
            &gigafund::model::ConsensusScore {
                comment: format!("{} Revised.", c.comment),
                ..c.clone()
            },
            "consensus.revise",
        )
    })?;
    let check = reports::verify_report(&store, &pdf)?;
    assert!(!check.data_matches);
    assert_eq!(check.document_matches, None);
    assert!(check.message.contains("has changed"), "{}", check.message);
    Ok(())
}

#[test]
fn regression_a_report_shows_a_later_truncation_of_the_log() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (store, db) = demo_at(dir.path())?;
    let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).ok_or("date")?;
    let pdf = dir.path().join("ranking.pdf");
    std::fs::write(
        &pdf,
        reports::ranking_report(&store, "INVESTAI-AIGF-2026", "en", date)?,
    )?;
    let head = store::audit::head(store.conn())?.ok_or("head")?;
    drop(store);
    let conn = raw(&db)?;
    conn.execute_batch("DROP TRIGGER audit_log_no_delete;")?;
    conn.execute("DELETE FROM audit_log WHERE seq >= ?1", [head.seq])?;
    drop(conn);
    let store = Store::open(&db)?;
    let check = reports::verify_report(&store, &pdf)?;
    assert!(!check.matches);
    let problem = check.log_problem.ok_or("the truncation shows")?;
    assert!(problem.contains("truncated"), "{problem}");
    Ok(())
}

fn pdf_text(pdf: &Path) -> Res<String> {
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(pdf)
        .arg("-")
        .output()?;
    Ok(String::from_utf8(out.stdout)?)
}

// ---------------------------------------------------------------------------------------
// Packages

mod packages {
    use super::*;
    use chacha20poly1305::aead::{Aead, KeyInit, Payload};
    use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
    use gigafund::evaluation::{CallData, assign, package, scoring};

    const CALL: &str = "EUROHPC-AIFA-2026-01";
    const PASS: &str = "the package passphrase";

    struct Office {
        store: Store,
        email: String,
        expert_key: std::path::PathBuf,
        office_key: std::path::PathBuf,
        office_public: String,
    }

    fn office(d: &Path) -> Res<Office> {
        let mut store = Store::open(&d.join("office.sqlite3"))?;
        let mut files = gigafund::demo::DemoFiles::embedded();
        files.evaluation = None;
        gigafund::demo::load(&mut store, &actor(), &files)?;
        assign::auto(&mut store, &actor(), CALL)?;
        let a = CallData::load(store.conn(), CALL)?.assignments[0].clone();
        let e = store::evaluation::evaluator(store.conn(), a.evaluator_id)?;
        let expert_key = d.join("expert-key.json");
        let public = package::new_key(&expert_key, KEY_PASS, actor().at)?;
        package::register_key(&mut store, &actor(), &e.email, &public)?;
        let office_key = d.join("office-key.json");
        let office_public =
            trust::create_office_key(&office_key, KEY_PASS, KEY_PASS, &actor())?.public_key;
        Ok(Office {
            store,
            email: e.email,
            expert_key,
            office_key,
            office_public,
        })
    }

    fn signer(o: &Office) -> package::OfficeSigner {
        package::OfficeSigner {
            key_path: o.office_key.clone(),
            passphrase: KEY_PASS.into(),
        }
    }

    /// A forger holding the passphrase: decrypts, changes the contents, seals them again
    /// with the same passphrase, keeping (or dropping) the office's signature line.
    fn forge(pkg: &Path, out: &Path, keep_signature: bool) -> TestResult {
        let bytes = std::fs::read(pkg)?;
        let rest = bytes
            .strip_prefix(b"GIGAFUND-PACKAGE 2\n".as_slice())
            .ok_or("format 2")?;
        let nl = rest.iter().position(|b| *b == b'\n').ok_or("header")?;
        let (header_json, rest) = (&rest[..nl], &rest[nl + 1..]);
        let nl = rest.iter().position(|b| *b == b'\n').ok_or("signature")?;
        let (signature, sealed) = (&rest[..nl], &rest[nl + 1..]);
        let mut header: serde_json::Value = serde_json::from_slice(header_json)?;
        let salt = hex::decode(header["salt"].as_str().ok_or("salt")?)?;
        let nonce = hex::decode(header["nonce"].as_str().ok_or("nonce")?)?;
        let mut key = [0u8; 32];
        argon2::Argon2::default()
            .hash_password_into(PASS.as_bytes(), &salt, &mut key)
            .map_err(|e| e.to_string())?;
        let cipher = ChaCha20Poly1305::new(&Key::from(key));
        let plain = cipher
            .decrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: sealed,
                    aad: header_json,
                },
            )
            .map_err(|_| "decrypt")?;
        let mut contents: serde_json::Value = serde_json::from_slice(&plain)?;
        contents["bids"][0]["title"] = serde_json::json!("A title the office never sent");
        contents["call"]["criteria"][0]["weight"] = serde_json::json!(100.0);
        let signature = if keep_signature {
            signature.to_vec()
        } else {
            header.as_object_mut().ok_or("object")?.remove("office_key");
            b"-".to_vec()
        };
        let header_json = serde_json::to_vec(&header)?;
        let sealed = cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: &serde_json::to_vec(&contents)?,
                    aad: &header_json,
                },
            )
            .map_err(|_| "encrypt")?;
        let mut out_bytes = b"GIGAFUND-PACKAGE 2\n".to_vec();
        out_bytes.extend_from_slice(&header_json);
        out_bytes.push(b'\n');
        out_bytes.extend_from_slice(&signature);
        out_bytes.push(b'\n');
        out_bytes.extend_from_slice(&sealed);
        std::fs::write(out, out_bytes)?;
        Ok(())
    }

    #[test]
    fn regression_a_package_forged_with_its_passphrase_is_refused() -> TestResult {
        let dir = tempfile::tempdir()?;
        let d = dir.path();
        let mut o = office(d)?;
        let pkg = d.join("signed.gfpackage");
        let sign = signer(&o);
        let exported = package::export(
            &mut o.store,
            &actor(),
            CALL,
            &o.email,
            PASS,
            &pkg,
            Some(&sign),
        )?;
        assert!(exported.signed);
        let header = package::peek(&pkg)?;
        let fingerprint = gigafund::keys::fingerprint(&o.office_public)?;
        assert_eq!(
            header.office_fingerprint.as_deref(),
            Some(fingerprint.as_str())
        );

        // The signature kept over changed contents: refused whatever the passphrase.
        let forged = d.join("forged.gfpackage");
        forge(&pkg, &forged, true)?;
        let mut own = Store::open(&d.join("own.sqlite3"))?;
        let err = package::open(&mut own, &actor(), &forged, PASS)
            .err()
            .ok_or("a forged package opens")?;
        assert!(err.to_string().contains("signature"), "{err}");
        assert!(own.is_empty()?);

        // The signature dropped: it opens only as "not signed", and an expert given the
        // office's key refuses it.
        let unsigned = d.join("unsigned.gfpackage");
        forge(&pkg, &unsigned, false)?;
        let err =
            package::open_checked(&mut own, &actor(), &unsigned, PASS, Some(&o.office_public))
                .err()
                .ok_or("an unsigned package opens against the office key")?;
        assert!(err.to_string().contains("not signed"), "{err}");
        let mut other = Store::open(&d.join("other.sqlite3"))?;
        let opened = package::open(&mut other, &actor(), &unsigned, PASS)?;
        assert_eq!(opened.office_fingerprint, None, "shown as unsigned");

        // The genuine package opens against the office key and shows its fingerprint.
        let mut good = Store::open(&d.join("good.sqlite3"))?;
        let opened =
            package::open_checked(&mut good, &actor(), &pkg, PASS, Some(&o.office_public))?;
        assert_eq!(opened.office_fingerprint, Some(fingerprint));
        // Signed by another key than the office's: refused.
        let stranger = d.join("stranger.json");
        let stranger_public =
            trust::create_office_key(&stranger, KEY_PASS, KEY_PASS, &actor())?.public_key;
        let mut fourth = Store::open(&d.join("fourth.sqlite3"))?;
        let err = package::open_checked(&mut fourth, &actor(), &pkg, PASS, Some(&stranger_public))
            .err()
            .ok_or("opens against another key")?;
        assert!(err.to_string().contains("another key"), "{err}");
        // An expert's key cannot sign packages.
        let err = package::export(
            &mut o.store,
            &actor(),
            CALL,
            &o.email,
            PASS,
            &d.join("by-expert.gfpackage"),
            Some(&package::OfficeSigner {
                key_path: o.expert_key.clone(),
                passphrase: KEY_PASS.into(),
            }),
        )
        .err()
        .ok_or("an expert key signs")?;
        assert!(err.to_string().contains("expert's key"), "{err}");
        Ok(())
    }

    #[test]
    fn regression_a_newer_return_supersedes_and_an_old_one_replayed_is_refused() -> TestResult {
        let dir = tempfile::tempdir()?;
        let d = dir.path();
        let mut o = office(d)?;
        let pkg = d.join("p.gfpackage");
        package::export(&mut o.store, &actor(), CALL, &o.email, PASS, &pkg, None)?;
        let mut own = Store::open(&d.join("own.sqlite3"))?;
        let opened = package::open(&mut own, &actor(), &pkg, PASS)?;
        let call = store::calls::by_code(own.conn(), CALL)?;
        let bid = store::evaluation::call_bid_ids(own.conn(), call.id)?[0];
        let score = |own: &mut Store, criterion: &str, value: f64| {
            scoring::set(
                own,
                &actor(),
                CALL,
                &scoring::ScoreInput {
                    bid_id: bid,
                    evaluator_id: opened.evaluator_id,
                    criterion: criterion.into(),
                    score: value,
                    comment: "Well argued, with evidence for every figure of the plan.".into(),
                },
            )
        };
        for c in &call.criteria {
            score(&mut own, &c.code, 3.0)?;
        }
        let first = d.join("first.gfreturn");
        package::write_return(&mut own, &actor(), &o.expert_key, KEY_PASS, PASS, &first)?;
        score(&mut own, &call.criteria[0].code, 4.0)?;
        let second = d.join("second.gfreturn");
        package::write_return(&mut own, &actor(), &o.expert_key, KEY_PASS, PASS, &second)?;

        let r1 = package::import_return(&mut o.store, &actor(), &first, PASS)?;
        assert_eq!(r1.sequence, 1);
        assert!(r1.applied > 0 && r1.conflicts.is_empty());
        // The same return again: accepted once.
        let again = package::import_return(&mut o.store, &actor(), &first, PASS)
            .err()
            .ok_or("a replay")?;
        assert!(again.to_string().contains("already imported"), "{again}");
        // The newer one supersedes cleanly: one score changed, no conflict.
        let r2 = package::import_return(&mut o.store, &actor(), &second, PASS)?;
        assert_eq!((r2.sequence, r2.applied), (2, 1));
        assert!(r2.conflicts.is_empty(), "{:?}", r2.conflicts);
        // The old one replayed after the newer: refused, nothing changed.
        let before = store::audit::entries(o.store.conn())?.len();
        let old = package::import_return(&mut o.store, &actor(), &first, PASS)
            .err()
            .ok_or("an old replay")?;
        assert!(old.to_string().contains("older"), "{old}");
        assert_eq!(store::audit::entries(o.store.conn())?.len(), before);
        let office_bid = CallData::load(o.store.conn(), CALL)?
            .bid_by_key(&store::bids::get(own.conn(), bid)?.acronym)?
            .id;
        let kept = store::evaluation::score(
            o.store.conn(),
            office_bid,
            store::evaluation::evaluator_by_key(o.store.conn(), &o.email)?.id,
            &call.criteria[0].code,
        )?
        .ok_or("score")?;
        assert_eq!(kept.score, 4.0, "the newer return's value stands");
        Ok(())
    }

    #[test]
    fn regression_an_export_onto_an_existing_file_leaves_no_package_row() -> TestResult {
        let dir = tempfile::tempdir()?;
        let d = dir.path();
        let mut o = office(d)?;
        let taken = d.join("taken.gfpackage");
        std::fs::write(&taken, b"someone else's file")?;
        let call = store::calls::by_code(o.store.conn(), CALL)?;
        let before = store::evaluation::call_packages(o.store.conn(), call.id)?.len();
        let err = package::export(&mut o.store, &actor(), CALL, &o.email, PASS, &taken, None)
            .err()
            .ok_or("written over")?;
        assert!(err.to_string().contains("already exists"), "{err}");
        assert_eq!(std::fs::read(&taken)?, b"someone else's file");
        assert_eq!(
            store::evaluation::call_packages(o.store.conn(), call.id)?.len(),
            before
        );
        // A wrong office key passphrase: refused before anything is written.
        let out = d.join("new.gfpackage");
        let err = package::export(
            &mut o.store,
            &actor(),
            CALL,
            &o.email,
            PASS,
            &out,
            Some(&package::OfficeSigner {
                key_path: o.office_key.clone(),
                passphrase: "not the key passphrase".into(),
            }),
        )
        .err()
        .ok_or("signed with a wrong passphrase")?;
        assert!(err.to_string().contains("passphrase"), "{err}");
        assert!(!out.exists());
        assert_eq!(
            store::evaluation::call_packages(o.store.conn(), call.id)?.len(),
            before
        );
        Ok(())
    }
}
