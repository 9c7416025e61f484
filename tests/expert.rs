//! The independent expert's offline loop: a signing key sealed with a passphrase, the
//! office's package opened into a new database of their own (or nothing created), the
//! evidence they score with, and the return with what it held.

use crate::{KEY_PASS, TestResult, actor};
use gigafund::app::{self, expert};
use gigafund::evaluation::{self, CallData, assign, package, scoring};
use gigafund::store::{self, Store};
use std::path::Path;

const CALL: &str = "EUROHPC-AIFA-2026-01";
const PASS: &str = "the package passphrase";

#[test]
fn the_signing_key_file_never_holds_the_secret_in_clear() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("keys").join("evaluator-key.json");
    let refused = expert::create_key(&path, KEY_PASS, "something else", &actor());
    assert!(refused.is_err(), "the two passphrases must agree");
    assert!(!path.exists(), "nothing written");
    let short = expert::create_key(&path, "short", "short", &actor());
    assert!(
        short.is_err(),
        "a key passphrase has at least 12 characters"
    );
    let info = expert::create_key(&path, KEY_PASS, KEY_PASS, &actor())?;
    assert_eq!(expert::key(&path)?, Some(info.clone()));
    let bytes = std::fs::read(&path)?;
    let text = String::from_utf8(bytes.clone())?;
    let secret = package::unseal_secret(&path, KEY_PASS)?;
    assert!(!text.contains(&hex::encode(secret)), "not in hex");
    assert!(
        !text.contains(&hex::encode_upper(secret)),
        "not in upper-case hex"
    );
    assert!(
        !bytes.windows(32).any(|w| w == secret),
        "not as raw bytes either"
    );
    assert!(!text.contains("secret_key"));
    assert!(
        text.contains(&info.public_key),
        "the public key is readable"
    );
    assert!(package::unseal_secret(&path, "a wrong passphrase!").is_err());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path)?.permissions().mode() & 0o777,
            0o600,
            "readable by the expert alone"
        );
    }
    // The file sent to the office holds the public key only; the office refuses the key file.
    let public = expert::public_key_file(&path, Some("expert@example.eu"))?;
    assert!(!public.contains(&hex::encode(secret)));
    let sealed = package::read_public_key(&path);
    assert!(matches!(sealed, Err(e) if e.to_string().contains("signing key file")));
    Ok(())
}

/// The office's side: the antenna call assigned, one expert's key registered, their package.
fn office_package(
    d: &Path,
) -> Result<(Store, String, std::path::PathBuf, std::path::PathBuf), Box<dyn std::error::Error>> {
    let mut office = Store::open(&d.join("office.sqlite3"))?;
    let mut files = gigafund::demo::DemoFiles::embedded();
    files.evaluation = None;
    gigafund::demo::load(&mut office, &actor(), &files)?;
    assign::auto(&mut office, &actor(), CALL)?;
    let a = CallData::load(office.conn(), CALL)?.assignments[0].clone();
    let e = store::evaluation::evaluator(office.conn(), a.evaluator_id)?;
    let key = d.join("key.json");
    let public = package::new_key(&key, KEY_PASS, actor().at)?;
    package::register_key(&mut office, &actor(), &e.email, &public)?;
    let pkg = d.join("p.gfpackage");
    package::export(&mut office, &actor(), CALL, &e.email, PASS, &pkg, None)?;
    Ok((office, e.email, key, pkg))
}

#[test]
fn a_package_opens_into_a_new_database_of_the_expert_or_creates_nothing() -> TestResult {
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let (office, email, _, pkg) = office_package(d)?;
    let evaluations = d.join("evaluations");

    let wrong = expert::open_package(&actor(), &pkg, "not the passphrase!!", &evaluations);
    assert!(matches!(&wrong, Err(e) if e.to_string().contains("cannot be decrypted")));
    let mut flipped = std::fs::read(&pkg)?;
    let n = flipped.len();
    flipped[n - 20] ^= 0x40;
    let damaged = d.join("damaged.gfpackage");
    std::fs::write(&damaged, &flipped)?;
    assert!(expert::open_package(&actor(), &damaged, PASS, &evaluations).is_err());
    let left: Vec<_> = match std::fs::read_dir(&evaluations) {
        Ok(r) => r.collect::<Result<_, _>>()?,
        Err(_) => Vec::new(),
    };
    assert!(left.is_empty(), "nothing created: {left:?}");

    let (store, opened) = expert::open_package(&actor(), &pkg, PASS, &evaluations)?;
    assert_eq!(opened.opened.evaluator, email);
    assert!(Path::new(&opened.database).exists());
    let files: Vec<String> = std::fs::read_dir(&evaluations)?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()?;
    assert_eq!(
        files.iter().filter(|f| f.ends_with(".sqlite3")).count(),
        1,
        "one database: {files:?}"
    );
    assert!(
        !files.iter().any(|f| f.contains(".part")),
        "no temporary file left: {files:?}"
    );
    let (_, _, me) = package::opened(store.conn())?.ok_or("locked to the expert")?;
    assert_eq!(store::evaluation::evaluator(store.conn(), me)?.email, email);
    assert_eq!(
        store::evaluation::evaluators(store.conn())?.len(),
        1,
        "nobody else's name is in the expert's database"
    );
    drop(store);
    let again = expert::open_package(&actor(), &pkg, PASS, &evaluations);
    assert!(
        matches!(again, Err(gigafund::Error::Conflict(_))),
        "already open"
    );

    // The evidence: the same compute per euro as at the office, from the package's data.
    let store = Store::open(Path::new(&opened.database))?;
    let mine = CallData::load(store.conn(), CALL)?.bids[0].clone();
    let there = evaluation::bid_id(office.conn(), CALL, &mine.acronym)?;
    let at_office = app::compute_estimate_bid(&office, there, "5.1")?;
    let offline = app::compute_estimate_bid(&store, mine.id, "5.1")?;
    assert_eq!(
        offline.central.eur_per_h200e_hour, at_office.central.eur_per_h200e_hour,
        "the expert sees the office's figure"
    );
    assert_eq!(offline.basis, at_office.basis);
    Ok(())
}

#[test]
fn the_return_says_what_it_held_and_what_changed_since() -> TestResult {
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let (mut office, email, key, pkg) = office_package(d)?;
    let (mut own, _) = expert::open_package(&actor(), &pkg, PASS, &d.join("evaluations"))?;
    let (_, _, me) = package::opened(own.conn())?.ok_or("opened")?;
    let data = CallData::load(own.conn(), CALL)?;
    let bid = data.bids[0].id;
    let comment = "A considered view of the proposal, its work plan, the hosting capacity, the costs and the risks, at length.";
    for c in &data.call.criteria {
        scoring::set(
            &mut own,
            &actor(),
            CALL,
            &scoring::ScoreInput {
                bid_id: bid,
                evaluator_id: me,
                criterion: c.code.clone(),
                score: 4.0,
                comment: comment.into(),
            },
        )?;
    }
    let before = package::return_summary(own.conn())?;
    assert!(before.last_written.is_none());
    assert_eq!(before.not_returned, 3, "three scores never returned");

    let out = d.join("r.gfreturn");
    let wrong_key = package::write_return(
        &mut own,
        &actor(),
        &key,
        "a wrong key passphrase",
        PASS,
        &out,
    );
    assert!(matches!(&wrong_key, Err(e) if e.to_string().contains("key passphrase is wrong")));
    let wrong_pass = package::write_return(
        &mut own,
        &actor(),
        &key,
        KEY_PASS,
        "another passphrase",
        &out,
    );
    assert!(
        matches!(&wrong_pass, Err(e) if e.to_string().contains("not the passphrase of the package"))
    );
    assert!(!out.exists(), "no return written by a refusal");

    scoring::submit(&mut own, &actor(), CALL, bid, me)?;
    package::write_return(&mut own, &actor(), &key, KEY_PASS, PASS, &out)?;
    let after = package::return_summary(own.conn())?;
    assert!(after.last_written.is_some());
    assert_eq!(after.not_returned, 0);
    let b = after.bids.iter().find(|b| b.bid_id == bid).ok_or("bid")?;
    assert!(b.submitted && b.returned_submitted);
    assert!(
        b.criteria
            .iter()
            .all(|c| c.returned == Some(4.0) && !c.changed)
    );

    // The office imports exactly those scores, the signature verified.
    let r = package::import_return(&mut office, &actor(), &out, PASS)?;
    assert_eq!(r.evaluator, email);
    assert_eq!(r.applied, 3);
    assert_eq!(r.submitted.len(), 1);
    let office_bid = evaluation::bid_id(office.conn(), CALL, &b.acronym)?;
    let e = store::evaluation::evaluator_by_key(office.conn(), &email)?;
    let scores: Vec<f64> = store::evaluation::bid_scores(office.conn(), office_bid)?
        .into_iter()
        .filter(|s| s.evaluator_id == e.id)
        .map(|s| s.score)
        .collect();
    assert_eq!(scores, vec![4.0, 4.0, 4.0]);
    Ok(())
}
