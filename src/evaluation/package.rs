//! Offline evaluator packages (EVALUATION.md). The office exports one package per
//! evaluator: only their assigned bids and what they may see (the call, the bids, their
//! own scores — never another expert's), encrypted with a passphrase given to that
//! evaluator out of band. The evaluator opens it in their own Gigafund database, scores
//! offline and exports a return signed with their ed25519 key, encrypted with the same
//! passphrase. The office imports the return: decryption (any changed byte is refused),
//! package identity, signature against the key registered for the evaluator, nothing
//! outside the assignment; a score edited on both sides since the export becomes a
//! conflict to resolve, never silently overwritten.
//!
//! File layout: `GIGAFUND-PACKAGE 1\n` + header JSON + `\n` + ChaCha20-Poly1305
//! ciphertext. The key is Argon2id(passphrase, salt); the header (kind, ids, salt, nonce)
//! is the AEAD's associated data, so it cannot be changed either.

use super::{CallData, refuse, scoring};
use crate::error::{Error, Location, Problem, Result};
use crate::model::{Accelerator, Actor, Assignment, Bid, Call, Evaluator, Score, ScoreStatus};
use crate::store::{self, Store};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use ed25519_dalek::{Signature, Signer, Verifier};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use ts_rs::TS;

pub use crate::keys::{
    KeyInfo, PublicKeyFile, fingerprint, key_info, new_key, parse_public_key, public_key_file,
    read_public_key, unseal_secret,
};
use crate::keys::{MIN_PASSPHRASE, derive_key, random, read_key, write_private};

/// Files of the first format: no office signature.
const MAGIC_V1: &[u8] = b"GIGAFUND-PACKAGE 1\n";
/// The header line, then the office's signature line (`-` for a return, which its expert
/// signs inside), then the ciphertext.
const MAGIC: &[u8] = b"GIGAFUND-PACKAGE 2\n";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Package,
    Return,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    kind: Kind,
    package_id: String,
    call: String,
    evaluator: String,
    salt: String,
    nonce: String,
    /// The office's public key (hex) when it signed the package: the signature line
    /// covers the header and the ciphertext.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    office_key: Option<String>,
}

/// The office's signing key and its passphrase, for signing packages.
#[derive(Clone, Debug)]
pub struct OfficeSigner {
    pub key_path: std::path::PathBuf,
    pub passphrase: String,
}

impl OfficeSigner {
    /// Checks that the file is the office's key and the passphrase opens it.
    pub fn check(&self) -> Result<String> {
        let info = crate::keys::key_info(&self.key_path)?;
        if info.role != crate::keys::KeyRole::Office {
            return Err(Error::invalid(
                Location::file(crate::ingest::display_name(&self.key_path)),
                "this is an expert's key: packages are signed with the office's key",
                None,
            ));
        }
        read_key(&self.key_path, &self.passphrase)?;
        Ok(info.public_key)
    }
}

/// What signs a package's bytes: the header and the ciphertext.
fn signed_bytes(header_json: &[u8], sealed: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(header_json.len() + sealed.len() + 32);
    m.extend_from_slice(b"gigafund package\n");
    m.extend_from_slice(header_json);
    m.push(b'\n');
    m.extend_from_slice(sealed);
    m
}

/// A package file split into its parts; nothing in it trusted yet.
struct Parts<'a> {
    header_json: &'a [u8],
    header: Header,
    /// The office's signature (hex), when the file carries one.
    signature: Option<&'a str>,
    sealed: &'a [u8],
}

fn split<'a>(bytes: &'a [u8], bad: &dyn Fn(&str) -> Error) -> Result<Parts<'a>> {
    let line = |rest: &'a [u8]| -> Result<(&'a [u8], &'a [u8])> {
        let nl = rest
            .iter()
            .position(|b| *b == b'\n')
            .ok_or_else(|| bad("the package header is damaged"))?;
        Ok((&rest[..nl], &rest[nl + 1..]))
    };
    let (header_json, signature, sealed) = if let Some(rest) = bytes.strip_prefix(MAGIC) {
        let (header_json, rest) = line(rest)?;
        let (sig, sealed) = line(rest)?;
        let sig = std::str::from_utf8(sig).map_err(|_| bad("the package signature is damaged"))?;
        (header_json, (sig != "-").then_some(sig), sealed)
    } else if let Some(rest) = bytes.strip_prefix(MAGIC_V1) {
        let (header_json, sealed) = line(rest)?;
        (header_json, None, sealed)
    } else {
        return Err(bad("not a Gigafund evaluator package or return"));
    };
    let header: Header =
        serde_json::from_slice(header_json).map_err(|_| bad("the package header is damaged"))?;
    Ok(Parts {
        header_json,
        header,
        signature,
        sealed,
    })
}

/// What the office sends: the evaluator's view of the call.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Contents {
    package_id: String,
    created_at: chrono::DateTime<chrono::Utc>,
    created_by: String,
    call: Call,
    evaluator: Evaluator,
    bids: Vec<Bid>,
    accelerators: Vec<Accelerator>,
    assignments: Vec<Assignment>,
    scores: Vec<Score>,
    submitted: Vec<i64>,
    /// The benchmark evidence compute per euro rests on (public data), so that the expert
    /// sees the same figures as the office.
    #[serde(default)]
    training: Vec<crate::model::BenchmarkRun>,
    #[serde(default)]
    clusters: Vec<crate::ingest::benchmarks::Cluster>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct ReturnedScore {
    acronym: String,
    criterion: String,
    score: f64,
    comment: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct ReturnBody {
    package_id: String,
    call: String,
    evaluator: String,
    created_at: chrono::DateTime<chrono::Utc>,
    scores: Vec<ReturnedScore>,
    /// Acronyms of the bids whose scores the evaluator submitted.
    submitted: Vec<String>,
    /// 1 for the first return written from a package, 2 for the next… (returns of an
    /// older Gigafund carry none: they count as the first).
    #[serde(default = "first_return")]
    sequence: u32,
}

fn first_return() -> u32 {
    1
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct SignedReturn {
    /// The return body as signed (JSON text), so the signature covers exact bytes.
    body: String,
    /// ed25519 signature of `body`, hex.
    signature: String,
}

/// A check of a package passphrase kept in the expert's database (never the passphrase).
fn passphrase_check(passphrase: &str, salt_hex: &str) -> Result<String> {
    use sha2::{Digest, Sha256};
    let salt = hex::decode(salt_hex).map_err(|_| Error::Internal("package salt".into()))?;
    let key = derive_key(passphrase, &salt)?;
    let mut h = Sha256::new();
    h.update(b"gigafund package passphrase check");
    h.update(key.as_slice());
    Ok(hex::encode(h.finalize()))
}

fn check_passphrase(passphrase: &str) -> Result<()> {
    if passphrase.chars().count() < MIN_PASSPHRASE {
        return Err(Error::invalid(
            Location::default().with_field("passphrase"),
            format!("a package passphrase must have at least {MIN_PASSPHRASE} characters"),
            None,
        ));
    }
    Ok(())
}

fn seal(
    kind: Kind,
    package_id: &str,
    call: &str,
    evaluator: &str,
    passphrase: &str,
    plain: &[u8],
    signer: Option<&OfficeSigner>,
) -> Result<Vec<u8>> {
    let salt: [u8; 16] = random()?;
    let nonce: [u8; 12] = random()?;
    let office_key = signer.map(OfficeSigner::check).transpose()?;
    let header = Header {
        kind,
        package_id: package_id.into(),
        call: call.into(),
        evaluator: evaluator.into(),
        salt: hex::encode(salt),
        nonce: hex::encode(nonce),
        office_key,
    };
    let header_json = serde_json::to_vec(&header).map_err(|e| Error::Internal(e.to_string()))?;
    let cipher = ChaCha20Poly1305::new(&derive_key(passphrase, &salt)?);
    let sealed = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plain,
                aad: &header_json,
            },
        )
        .map_err(|_| Error::Internal("encryption failed".into()))?;
    let signature = match signer {
        Some(s) => {
            crate::keys::sign(
                &s.key_path,
                &s.passphrase,
                &signed_bytes(&header_json, &sealed),
            )?
            .1
        }
        None => "-".to_string(),
    };
    let mut out =
        Vec::with_capacity(MAGIC.len() + header_json.len() + signature.len() + 2 + sealed.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&header_json);
    out.push(b'\n');
    out.extend_from_slice(signature.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(&sealed);
    Ok(out)
}

fn open_file(path: &Path, want: Kind, passphrase: &str) -> Result<(Header, Vec<u8>)> {
    let file = crate::ingest::display_name(path);
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let bad = |rule: &str| Error::invalid(Location::file(file.clone()), rule.to_string(), None);
    let parts = split(&bytes, &bad)?;
    let header = parts.header.clone();
    if header.kind != want {
        return Err(bad(match want {
            Kind::Package => "this file is an evaluator's return, not a package to open",
            Kind::Return => "this file is a package from the office, not an evaluator's return",
        }));
    }
    // The office's signature first: a package changed by anyone but the office is refused
    // whatever its passphrase.
    match (&header.office_key, parts.signature) {
        (Some(key), Some(sig)) => {
            if !crate::keys::verify(key, &signed_bytes(parts.header_json, parts.sealed), sig) {
                return Err(bad(
                    "the office's signature does not match the package: it was changed after the office signed it",
                ));
            }
        }
        (Some(_), None) => {
            return Err(bad(
                "the package names the office's key but carries no signature",
            ));
        }
        (None, Some(_)) => return Err(bad("the package carries a signature but names no key")),
        (None, None) => {}
    }
    let salt = hex::decode(&header.salt).map_err(|_| bad("the package header is damaged"))?;
    let nonce = hex::decode(&header.nonce)
        .ok()
        .filter(|n| n.len() == 12)
        .ok_or_else(|| bad("the package header is damaged"))?;
    let cipher = ChaCha20Poly1305::new(&derive_key(passphrase, &salt)?);
    let plain = cipher
        .decrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: parts.sealed,
                aad: parts.header_json,
            },
        )
        .map_err(|_| {
            bad("cannot be decrypted: the passphrase is wrong, or the file was changed after it was written")
        })?;
    Ok((header, plain))
}

fn json<T: for<'de> Deserialize<'de>>(path: &Path, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| {
        Error::invalid(
            Location::file(crate::ingest::display_name(path)),
            format!("the package contents are not what this version of Gigafund reads: {e}"),
            None,
        )
    })
}

/// What a package or return file says about itself before it is decrypted: enough to ask
/// for the right passphrase. Nothing in it is trusted until decryption succeeds.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct FileHeader {
    pub file: String,
    /// `package` (from the office) or `return` (from an expert).
    pub kind: String,
    pub package_id: String,
    pub call: String,
    pub evaluator: String,
    /// The fingerprint of the office key the package says signed it (checked on opening).
    pub office_fingerprint: Option<String>,
}

pub fn peek(path: &Path) -> Result<FileHeader> {
    let file = crate::ingest::display_name(path);
    let bad = |rule: &str| Error::invalid(Location::file(file.clone()), rule.to_string(), None);
    let mut head = vec![0u8; 4096];
    let n = {
        use std::io::Read;
        let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        f.read(&mut head).map_err(|e| Error::io(path, e))?
    };
    head.truncate(n);
    let header = split(&head, &bad)?.header;
    Ok(FileHeader {
        file,
        kind: match header.kind {
            Kind::Package => "package".into(),
            Kind::Return => "return".into(),
        },
        office_fingerprint: header.office_key.as_deref().map(fingerprint).transpose()?,
        package_id: header.package_id,
        call: header.call,
        evaluator: header.evaluator,
    })
}

/// The file name a package (or its return) is given: call, evaluator and extension.
pub fn file_name(call: &str, email: &str, is_return: bool) -> String {
    let who: String = email
        .split('@')
        .next()
        .unwrap_or(email)
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if is_return {
        format!("{call}-{who}-return.{RETURN_EXTENSION}")
    } else {
        format!("{call}-{who}.{PACKAGE_EXTENSION}")
    }
}

/// Extension of the office's evaluator packages (the app opens them on a double-click).
pub const PACKAGE_EXTENSION: &str = "gfpackage";
/// Extension of an expert's signed return.
pub const RETURN_EXTENSION: &str = "gfreturn";

/// Registers an evaluator's public key at the office (audited).
pub fn register_key(
    store: &mut Store,
    actor: &Actor,
    evaluator_key: &str,
    public: &str,
) -> Result<Evaluator> {
    parse_public_key(public)?;
    let e = store::evaluation::evaluator_by_key(store.conn(), evaluator_key)?;
    let updated = Evaluator {
        public_key: Some(public.trim().to_lowercase()),
        ..e
    };
    store.write(actor, |tx| {
        store::evaluation::update_evaluator(tx, &updated)
    })?;
    Ok(updated)
}

// ---------------------------------------------------------------------------------------
// Office: export

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct Exported {
    pub package_id: String,
    pub evaluator: String,
    pub bids: Vec<String>,
    pub file: String,
    /// Signed with the office's key.
    pub signed: bool,
}

/// Exports one expert's package into `out` (never over an existing file), signed with the
/// office's key when `signer` is given. What guards the export (the key registered, the
/// assignments standing) is read inside the write that records the package, and the file
/// is written before that write commits: a package row always has its file, and the other
/// way round.
pub fn export(
    store: &mut Store,
    actor: &Actor,
    call_code: &str,
    evaluator_key: &str,
    passphrase: &str,
    out: &Path,
    signer: Option<&OfficeSigner>,
) -> Result<Exported> {
    check_passphrase(passphrase)?;
    if let Some(s) = signer {
        s.check()?;
    }
    if out.exists() {
        return Err(Error::Conflict(format!(
            "{} already exists: a package is never written over another file",
            out.display()
        )));
    }
    let mut written = false;
    let result = store.write(actor, |tx| {
        let conn = tx.conn();
        let data = CallData::load(conn, call_code)?;
        let e = store::evaluation::evaluator_by_key(conn, evaluator_key)?;
        if e.public_key.is_none() {
            return Err(refuse(
                &e.email,
                "public key",
                "register the evaluator's public key first (`gigafund eval key register`): their return is verified against it",
                None,
            ));
        }
        let assignments: Vec<Assignment> = data
            .assignments
            .iter()
            .filter(|a| a.evaluator_id == e.id && a.suspended.is_none())
            .cloned()
            .collect();
        if assignments.is_empty() {
            return Err(refuse(
                &e.email,
                "assignments",
                format!("{} has no bid assigned in call {call_code}", e.name),
                None,
            ));
        }
        let bid_ids: Vec<i64> = assignments.iter().map(|a| a.bid_id).collect();
        let bids: Vec<Bid> = data
            .bids
            .iter()
            .filter(|b| bid_ids.contains(&b.id))
            .cloned()
            .collect();
        // Every accelerator: relative productivity and the peak fallback compare a bid's
        // with the reference's.
        let accelerators: Vec<Accelerator> = store::benchmarks::accelerators(conn)?;
        let scores: Vec<Score> = store::evaluation::call_scores(conn, data.call.id)?
            .into_iter()
            .filter(|s| s.evaluator_id == e.id)
            .collect();
        let submitted: Vec<i64> = store::evaluation::call_submissions(conn, data.call.id)?
            .into_iter()
            .filter(|(_, ev)| *ev == e.id)
            .map(|(b, _)| b)
            .collect();
        let package_id = hex::encode(random::<16>()?);
        let contents = Contents {
            package_id: package_id.clone(),
            created_at: actor.at,
            created_by: actor.name.clone(),
            call: data.call.clone(),
            evaluator: e.clone(),
            bids: bids.clone(),
            accelerators,
            assignments,
            scores: scores.clone(),
            submitted,
            training: store::benchmarks::runs(conn, crate::model::BenchmarkSuite::Training, false)?,
            clusters: store::benchmarks::clusters(conn)?,
        };
        let plain = serde_json::to_vec(&contents).map_err(|e| Error::Internal(e.to_string()))?;
        let sealed = seal(
            Kind::Package,
            &package_id,
            call_code,
            &e.email,
            passphrase,
            &plain,
            signer,
        )?;
        store::evaluation::insert_package(
            tx,
            &store::evaluation::PackageRow {
                id: package_id.clone(),
                call_id: data.call.id,
                evaluator_id: e.id,
                created_at: actor.at,
                created_by: actor.name.clone(),
                bids: bid_ids.clone(),
                base_scores: scores.clone(),
                returned_at: None,
                return_seq: 0,
                signed: signer.is_some(),
            },
        )?;
        // Created new (refused if the name was taken meanwhile), before the commit.
        write_private(out, &sealed)?;
        written = true;
        Ok(Exported {
            package_id,
            evaluator: e.email,
            bids: bids.iter().map(|b| b.acronym.clone()).collect(),
            file: out.display().to_string(),
            signed: signer.is_some(),
        })
    });
    if result.is_err() && written {
        // The write did not commit: the file must not outlive it.
        let _ = std::fs::remove_file(out);
    }
    result
}

// ---------------------------------------------------------------------------------------
// Evaluator: open, return

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct Opened {
    pub package_id: String,
    pub call: String,
    pub evaluator_id: i64,
    pub evaluator: String,
    pub bids: Vec<String>,
    /// The fingerprint of the office key that signed the package (checked), or `None`
    /// when the package is not signed: the expert compares it with the one the office
    /// gave them.
    pub office_fingerprint: Option<String>,
}

/// Opens a package into the evaluator's own (empty) database.
pub fn open(store: &mut Store, actor: &Actor, path: &Path, passphrase: &str) -> Result<Opened> {
    open_checked(store, actor, path, passphrase, None)
}

/// Opens a package, refusing it unless the office's key signed it when `office_key` (the
/// office's public key, hex, as the office sent it) is given.
pub fn open_checked(
    store: &mut Store,
    actor: &Actor,
    path: &Path,
    passphrase: &str,
    office_key: Option<&str>,
) -> Result<Opened> {
    let (header, plain) = open_file(path, Kind::Package, passphrase)?;
    if let Some(expected) = office_key {
        let expected = parse_public_key(expected)?;
        let file = crate::ingest::display_name(path);
        match &header.office_key {
            None => {
                return Err(Error::invalid(
                    Location::file(file),
                    "the package is not signed by the office: ask the office for a signed package",
                    None,
                ));
            }
            Some(k) if parse_public_key(k)? != expected => {
                return Err(Error::invalid(
                    Location::file(file),
                    "the package is signed with another key than the office's you were given",
                    Some(fingerprint(k)?),
                ));
            }
            Some(_) => {}
        }
    }
    let c: Contents = json(path, &plain)?;
    if c.package_id != header.package_id {
        return Err(Error::invalid(
            Location::file(crate::ingest::display_name(path)),
            "the package identity does not match its contents",
            None,
        ));
    }
    if !store.is_empty()? {
        return Err(Error::Conflict(
            "open a package into a new, empty database (e.g. `gigafund --db my-evaluation.sqlite3 eval package open …`): this one already holds calls".into(),
        ));
    }
    let office_evaluator_id = c.evaluator.id;
    let (evaluator_id, bids) = store.write(actor, |tx| {
        for a in &c.accelerators {
            store::benchmarks::upsert_accelerator(tx, a)?;
        }
        if !c.training.is_empty() {
            store::benchmarks::insert_runs(tx, &c.training)?;
        }
        if !c.clusters.is_empty() {
            store::benchmarks::insert_clusters(tx, "package", &c.clusters)?;
        }
        store::calls::insert(tx, &c.call)?;
        let evaluator_id = store::evaluation::insert_evaluator(
            tx,
            &Evaluator {
                id: 0,
                organisation_id: None,
                ..c.evaluator.clone()
            },
        )?;
        let mut map = HashMap::new();
        let mut names = Vec::new();
        for b in &c.bids {
            let id = store::bids::insert(tx, b)?;
            map.insert(b.id, id);
            names.push(b.acronym.clone());
        }
        for a in &c.assignments {
            let Some(&bid_id) = map.get(&a.bid_id) else { continue };
            store::evaluation::insert_assignment(
                tx,
                &Assignment {
                    bid_id,
                    evaluator_id,
                    ..a.clone()
                },
            )?;
        }
        for s in &c.scores {
            let Some(&bid_id) = map.get(&s.bid_id) else { continue };
            store::evaluation::put_score(
                tx,
                &Score {
                    bid_id,
                    evaluator_id,
                    ..s.clone()
                },
            )?;
        }
        for b in &c.submitted {
            if let Some(&bid_id) = map.get(b) {
                store::evaluation::insert_submission(tx, bid_id, evaluator_id, c.created_at)?;
            }
        }
        tx.conn().execute(
            "INSERT INTO opened_packages (id, call_code, evaluator_id, office_evaluator_id, opened_at, salt, passphrase_check, office_key)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            rusqlite::params![
                c.package_id,
                c.call.code,
                evaluator_id,
                office_evaluator_id,
                crate::store::ts(&actor.at),
                header.salt,
                passphrase_check(passphrase, &header.salt)?,
                header.office_key
            ],
        )?;
        tx.audit::<(), _>("package.open", "package", &c.package_id, None, Some(&c.call.code))?;
        Ok((evaluator_id, names))
    })?;
    Ok(Opened {
        package_id: c.package_id,
        call: c.call.code,
        evaluator_id,
        evaluator: c.evaluator.email,
        bids,
        office_fingerprint: header.office_key.as_deref().map(fingerprint).transpose()?,
    })
}

/// The package this (evaluator's) database was opened from: (id, call, local evaluator).
pub fn opened(conn: &rusqlite::Connection) -> Result<Option<(String, String, i64)>> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row(
            "SELECT id, call_code, evaluator_id FROM opened_packages ORDER BY opened_at DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?)
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct Returned {
    pub package_id: String,
    pub scores: usize,
    pub submitted: Vec<String>,
    pub file: String,
}

/// Writes the evaluator's signed, encrypted return from their database.
pub fn write_return(
    store: &mut Store,
    actor: &Actor,
    key_path: &Path,
    key_passphrase: &str,
    passphrase: &str,
    out: &Path,
) -> Result<Returned> {
    check_passphrase(passphrase)?;
    let (package_id, call_code, me) = opened(store.conn())?.ok_or_else(|| {
        Error::Conflict("this database was not opened from an evaluator package".into())
    })?;
    let key = read_key(key_path, key_passphrase)?;
    let (salt, check): (Option<String>, Option<String>) = store.conn().query_row(
        "SELECT salt, passphrase_check FROM opened_packages WHERE id = ?1",
        [&package_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if let (Some(salt), Some(check)) = (salt, check)
        && passphrase_check(passphrase, &salt)? != check
    {
        return Err(Error::invalid(
            Location::default().with_field("passphrase"),
            "this is not the passphrase of the package: the office could not open a return sealed with it",
            None,
        ));
    }
    let e = store::evaluation::evaluator(store.conn(), me)?;
    if e.public_key.as_deref() != Some(hex::encode(key.verifying_key().to_bytes()).as_str()) {
        return Err(Error::invalid(
            Location::file(crate::ingest::display_name(key_path)),
            format!(
                "this key is not the one the office registered for {}",
                e.email
            ),
            None,
        ));
    }
    let call = store::calls::by_code(store.conn(), &call_code)?;
    let acronyms: HashMap<i64, String> = store::evaluation::call_bid_heads(store.conn(), call.id)?
        .into_iter()
        .map(|(id, acronym, _)| (id, acronym))
        .collect();
    let scores: Vec<ReturnedScore> = store::evaluation::call_scores(store.conn(), call.id)?
        .into_iter()
        .filter(|s| s.evaluator_id == me)
        .map(|s| ReturnedScore {
            acronym: acronyms.get(&s.bid_id).cloned().unwrap_or_default(),
            criterion: s.criterion,
            score: s.score,
            comment: s.comment,
        })
        .collect();
    let mut submitted: Vec<String> = store::evaluation::call_submissions(store.conn(), call.id)?
        .into_iter()
        .filter(|(_, ev)| *ev == me)
        .filter_map(|(b, _)| acronyms.get(&b).cloned())
        .collect();
    submitted.sort();
    let written: u32 = store.conn().query_row(
        "SELECT count(*) FROM written_returns WHERE package_id = ?1",
        [&package_id],
        |r| r.get(0),
    )?;
    let body = ReturnBody {
        package_id: package_id.clone(),
        call: call_code.clone(),
        evaluator: e.email.clone(),
        created_at: actor.at,
        scores,
        submitted: submitted.clone(),
        sequence: written + 1,
    };
    let body_text = serde_json::to_string(&body).map_err(|e| Error::Internal(e.to_string()))?;
    let signature = key.sign(body_text.as_bytes());
    let signed = SignedReturn {
        body: body_text,
        signature: hex::encode(signature.to_bytes()),
    };
    let plain = serde_json::to_vec(&signed).map_err(|e| Error::Internal(e.to_string()))?;
    let sealed = seal(
        Kind::Return,
        &package_id,
        &call_code,
        &e.email,
        passphrase,
        &plain,
        None,
    )?;
    write_private(out, &sealed)?;
    let file = out.display().to_string();
    let body_json = serde_json::to_string(&body).map_err(|e| Error::Internal(e.to_string()))?;
    store.write(actor, |tx| {
        tx.conn().execute(
            "INSERT INTO written_returns (package_id, at, file, body) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![package_id, crate::store::ts(&actor.at), file, body_json],
        )?;
        tx.audit::<(), _>(
            "package.return.write",
            "package",
            &package_id,
            None,
            Some(&serde_json::json!({ "file": file, "scores": body.scores.len() })),
        )
    })?;
    Ok(Returned {
        package_id,
        scores: body.scores.len(),
        submitted,
        file,
    })
}

/// What the expert's last return held, and what changed since, criterion by criterion.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct ReturnSummary {
    pub package_id: String,
    pub call: String,
    pub evaluator: String,
    /// When the last return was written, and where.
    pub last_written: Option<chrono::DateTime<chrono::Utc>>,
    pub last_file: Option<String>,
    pub bids: Vec<ReturnBid>,
    /// Scores entered or changed since the last return (or never returned).
    pub not_returned: u32,
    /// The return's standard file name.
    pub default_file_name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct ReturnBid {
    pub bid_id: i64,
    pub acronym: String,
    pub title: String,
    pub submitted: bool,
    /// Submitted in the last return.
    pub returned_submitted: bool,
    pub criteria: Vec<ReturnCriterion>,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct ReturnCriterion {
    pub code: String,
    pub name: String,
    pub score: Option<f64>,
    pub status: Option<ScoreStatus>,
    /// The score as the last return carried it.
    pub returned: Option<f64>,
    /// The score (or its comment) differs from the last return's, or was never returned.
    pub changed: bool,
}

/// The expert's view of their return: every assigned bid and criterion, what the last
/// return carried, and what has changed since.
pub fn return_summary(conn: &rusqlite::Connection) -> Result<ReturnSummary> {
    use rusqlite::OptionalExtension;
    let (package_id, call_code, me) = opened(conn)?.ok_or_else(|| {
        Error::Conflict("this database was not opened from an evaluator package".into())
    })?;
    let last: Option<(String, String, String)> = conn
        .query_row(
            "SELECT at, file, body FROM written_returns WHERE package_id = ?1 ORDER BY seq DESC LIMIT 1",
            [&package_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let (last_written, last_file, body) = match last {
        Some((at, file, body)) => (
            Some(crate::store::parse_ts(0, &at)?),
            Some(file),
            Some(serde_json::from_str::<ReturnBody>(&body).map_err(|e| {
                Error::Internal(format!("a written return cannot be read back: {e}"))
            })?),
        ),
        None => (None, None, None),
    };
    let call = store::calls::by_code(conn, &call_code)?;
    let e = store::evaluation::evaluator(conn, me)?;
    let scores = store::evaluation::call_scores(conn, call.id)?;
    let submitted: BTreeSet<i64> = store::evaluation::call_submissions(conn, call.id)?
        .into_iter()
        .filter(|(_, ev)| *ev == me)
        .map(|(b, _)| b)
        .collect();
    let mut bids = Vec::new();
    let mut not_returned = 0;
    for (bid_id, acronym, title) in store::evaluation::call_bid_heads(conn, call.id)? {
        let assigned = store::evaluation::bid_assignments(conn, bid_id)?
            .iter()
            .any(|a| a.evaluator_id == me);
        if !assigned {
            continue;
        }
        let criteria = call
            .criteria
            .iter()
            .map(|c| {
                let mine = scores
                    .iter()
                    .find(|s| s.bid_id == bid_id && s.evaluator_id == me && s.criterion == c.code);
                let sent = body.as_ref().and_then(|b| {
                    b.scores
                        .iter()
                        .find(|r| r.acronym == acronym && r.criterion == c.code)
                });
                let changed = match (mine, sent) {
                    (Some(m), Some(r)) => m.score != r.score || m.comment != r.comment,
                    (Some(_), None) => true,
                    _ => false,
                };
                if changed {
                    not_returned += 1;
                }
                ReturnCriterion {
                    code: c.code.clone(),
                    name: c.name.clone(),
                    score: mine.map(|m| m.score),
                    status: mine.map(|m| m.status),
                    returned: sent.map(|r| r.score),
                    changed,
                }
            })
            .collect();
        bids.push(ReturnBid {
            bid_id,
            returned_submitted: body
                .as_ref()
                .is_some_and(|b| b.submitted.contains(&acronym)),
            submitted: submitted.contains(&bid_id),
            acronym,
            title,
            criteria,
        });
    }
    Ok(ReturnSummary {
        default_file_name: file_name(&call_code, &e.email, true),
        package_id,
        call: call_code,
        evaluator: e.email,
        last_written,
        last_file,
        bids,
        not_returned,
    })
}

// ---------------------------------------------------------------------------------------
// Office: import a return

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct ReturnImport {
    pub package_id: String,
    pub evaluator: String,
    /// The return's number: the expert's Gigafund counts the returns of a package.
    pub sequence: u32,
    pub applied: usize,
    pub unchanged: usize,
    /// Scores edited at the office and in the return since the export: kept apart.
    pub conflicts: Vec<store::evaluation::ScoreConflict>,
    pub submitted: Vec<String>,
    /// Submissions not applied (a conflict on the bid, or the scores incomplete).
    pub held: Vec<String>,
}

pub fn import_return(
    store: &mut Store,
    actor: &Actor,
    path: &Path,
    passphrase: &str,
) -> Result<ReturnImport> {
    let file = crate::ingest::display_name(path);
    let bad = |rule: String| Error::invalid(Location::file(file.clone()), rule, None);
    let (header, plain) = open_file(path, Kind::Return, passphrase)?;
    let signed: SignedReturn = json(path, &plain)?;
    let body: ReturnBody = json(path, signed.body.as_bytes())?;
    if body.package_id != header.package_id {
        return Err(bad(
            "the return's identity does not match its contents".into()
        ));
    }
    // Everything that decides what the return may change is read inside the write that
    // applies it: a score written meanwhile, a conflict declared or another return
    // imported is seen.
    store.write(actor, |tx| {
        let conn = tx.conn();
        let pkg = store::evaluation::package(conn, &body.package_id)?.ok_or_else(|| {
            bad(format!(
                "package {} was not exported from this database",
                body.package_id
            ))
        })?;
        let e = store::evaluation::evaluator(conn, pkg.evaluator_id)?;
        if !e.email.eq_ignore_ascii_case(&body.evaluator) {
            return Err(bad(format!(
                "the return names {} but package {} was exported for {}",
                body.evaluator, pkg.id, e.email
            )));
        }
        let public = parse_public_key(e.public_key.as_deref().unwrap_or(""))?;
        let signature = hex::decode(&signed.signature)
            .ok()
            .and_then(|b| <[u8; 64]>::try_from(b).ok())
            .map(|b| Signature::from_bytes(&b))
            .ok_or_else(|| bad("the return's signature is damaged".into()))?;
        public
            .verify(signed.body.as_bytes(), &signature)
            .map_err(|_| {
                bad(format!(
                    "the return's signature does not match the key registered for {}",
                    e.email
                ))
            })?;
        // A return is accepted once; only a newer one (a higher number, which the expert's
        // Gigafund gives each return it writes) replaces it.
        if body.sequence <= pkg.return_seq {
            return Err(Error::Conflict(if body.sequence == pkg.return_seq {
                format!(
                    "{file}: this return (number {}) of {} was already imported{}: it is not applied twice",
                    body.sequence,
                    e.email,
                    pkg.returned_at
                        .map(|at| format!(" on {}", at.format("%Y-%m-%d %H:%M")))
                        .unwrap_or_default()
                )
            } else {
                format!(
                    "{file}: this return (number {}) of {} is older than the one already imported (number {}): it is not applied",
                    body.sequence, e.email, pkg.return_seq
                )
            }));
        }
        let call = store::calls::by_code(conn, &body.call)?;
        if call.id != pkg.call_id {
            return Err(bad("the return names another call than its package".into()));
        }
        let data = CallData::load(conn, &body.call)?;
        // Anything outside the package, or no longer assigned, is refused: the whole file.
        let mut problems = Vec::new();
        let mut suspended_bids: std::collections::BTreeMap<String, String> = Default::default();
        let mut resolved: Vec<(i64, &ReturnedScore)> = Vec::new();
        for (i, s) in body.scores.iter().enumerate() {
            let at = Location::file(file.clone())
                .with_cell(format!("score {}", i + 1))
                .with_field(format!("{} · {}", s.acronym, s.criterion));
            let Ok(bid) = data.bid_by_key(&s.acronym) else {
                problems.push(Problem {
                    location: at,
                    rule: "no such bid in the call".into(),
                    found: Some(s.acronym.clone()),
                });
                continue;
            };
            let assignment = data
                .assignments
                .iter()
                .find(|a| a.bid_id == bid.id && a.evaluator_id == e.id);
            if let Some(why) = assignment.and_then(|a| a.suspended.as_ref()) {
                // Kept out, not refused: the expert could not have known.
                suspended_bids.insert(s.acronym.clone(), why.clone());
                continue;
            }
            let assigned = assignment.is_some();
            if !pkg.bids.contains(&bid.id) || !assigned {
                problems.push(Problem {
                    location: at,
                    rule: format!(
                        "{} is outside {}'s assignment in this package",
                        s.acronym, e.email
                    ),
                    found: None,
                });
                continue;
            }
            if !data.call.criteria.iter().any(|c| c.code == s.criterion) {
                problems.push(Problem {
                    location: at,
                    rule: "no such criterion in the call".into(),
                    found: Some(s.criterion.clone()),
                });
                continue;
            }
            if let Err(rule) = super::check_scale(&data.call, s.score) {
                problems.push(Problem {
                    location: at,
                    rule,
                    found: Some(s.score.to_string()),
                });
                continue;
            }
            if s.comment.chars().count() > scoring::MAX_COMMENT {
                problems.push(Problem {
                    location: at,
                    rule: format!("a comment has at most {} characters", scoring::MAX_COMMENT),
                    found: Some(format!("{} characters", s.comment.chars().count())),
                });
                continue;
            }
            resolved.push((bid.id, s));
        }
        if !problems.is_empty() {
            return Err(Error::Invalid(problems));
        }
        // A newer return supersedes the older one: conflicts the older one left open are
        // closed as superseded, and this return is compared afresh.
        let superseded: Vec<i64> = store::evaluation::score_conflicts(conn, call.id)?
            .into_iter()
            .filter(|c| c.package_id == pkg.id && c.resolution.is_none())
            .map(|c| c.id)
            .collect();
        let base: HashMap<(i64, String), Score> = pkg
            .base_scores
            .iter()
            .map(|s| ((s.bid_id, s.criterion.clone()), s.clone()))
            .collect();
        let submitted_now: BTreeSet<i64> = store::evaluation::call_submissions(conn, call.id)?
            .into_iter()
            .filter(|(_, ev)| *ev == e.id)
            .map(|(b, _)| b)
            .collect();
        let mut unchanged = 0;
        let mut conflicts = Vec::new();
        let mut to_apply = Vec::new();
        for (bid_id, s) in &resolved {
            let office = store::evaluation::score(conn, *bid_id, e.id, &s.criterion)?;
            let same = |x: &Score| x.score == s.score && x.comment == s.comment;
            if office.as_ref().is_some_and(same) {
                unchanged += 1;
                continue;
            }
            let base_s = base.get(&(*bid_id, s.criterion.clone()));
            let office_moved = match (&office, base_s) {
                (None, None) => false,
                (Some(o), Some(b)) => o.score != b.score || o.comment != b.comment,
                _ => true,
            };
            if office_moved || submitted_now.contains(bid_id) {
                conflicts.push(store::evaluation::ScoreConflict {
                    id: 0,
                    package_id: pkg.id.clone(),
                    bid_id: *bid_id,
                    evaluator_id: e.id,
                    criterion: s.criterion.clone(),
                    office_score: office.as_ref().map(|o| o.score),
                    office_comment: office.as_ref().map(|o| o.comment.clone()),
                    return_score: s.score,
                    return_comment: s.comment.clone(),
                    detected_at: actor.at,
                    resolution: None,
                });
            } else {
                to_apply.push(Score {
                    bid_id: *bid_id,
                    evaluator_id: e.id,
                    criterion: s.criterion.clone(),
                    score: s.score,
                    comment: s.comment.clone(),
                    status: ScoreStatus::Draft,
                    updated_at: actor.at,
                });
            }
        }
        let conflicted: BTreeSet<(i64, String)> = conflicts
            .iter()
            .map(|c| (c.bid_id, c.criterion.clone()))
            .collect();
        let conflicted_bids: BTreeSet<i64> = conflicts.iter().map(|c| c.bid_id).collect();
        let mut submitted = Vec::new();
        let mut held: Vec<String> = suspended_bids
            .iter()
            .map(|(acronym, why)| {
                format!("{acronym}: not applied, the assignment is suspended ({why})")
            })
            .collect();
        for id in superseded {
            store::evaluation::resolve_score_conflict(tx, id, "superseded", actor.at)?;
        }
        for &bid_id in &pkg.bids {
            store::evaluation::release_submission(tx, &pkg.id, bid_id)?;
        }
        let mut applied = 0;
        for s in &to_apply {
            if store::evaluation::put_score(tx, s)? {
                applied += 1;
            }
        }
        let mut stored = Vec::new();
        for c in &conflicts {
            let id = store::evaluation::insert_score_conflict(tx, c)?;
            stored.push(store::evaluation::ScoreConflict { id, ..c.clone() });
        }
        for acronym in &body.submitted {
            let Ok(bid) = data.bid_by_key(acronym) else {
                continue;
            };
            if suspended_bids.contains_key(acronym) || submitted_now.contains(&bid.id) {
                continue;
            }
            if conflicted_bids.contains(&bid.id) {
                // Submitted once the last of its conflicts is resolved.
                store::evaluation::hold_submission(tx, &pkg.id, bid.id)?;
                held.push(format!(
                    "{acronym}: submitted once its score conflicts are resolved"
                ));
                continue;
            }
            let missing = scoring::submit_in(tx, &data.call, acronym, bid.id, e.id, actor.at)?;
            if let Some(first) = missing.first() {
                held.push(format!("{acronym}: {}", first.rule));
                continue;
            }
            submitted.push(acronym.clone());
        }
        // What the next return is compared with: the office's scores now, except where a
        // conflict is open (there the office's own change is still to be weighed).
        let mut next_base: Vec<Score> = store::evaluation::call_scores(tx.conn(), call.id)?
            .into_iter()
            .filter(|s| s.evaluator_id == e.id && pkg.bids.contains(&s.bid_id))
            .filter(|s| !conflicted.contains(&(s.bid_id, s.criterion.clone())))
            .collect();
        next_base.extend(
            base.into_iter()
                .filter(|(k, _)| conflicted.contains(k))
                .map(|(_, s)| s),
        );
        store::evaluation::mark_returned(tx, &pkg.id, actor.at, body.sequence, &next_base)?;
        Ok(ReturnImport {
            package_id: pkg.id.clone(),
            evaluator: e.email.clone(),
            sequence: body.sequence,
            applied,
            unchanged,
            conflicts: stored,
            submitted,
            held,
        })
    })
}

/// Resolves a score conflict by keeping the office's value or the return's. When it was
/// the last conflict of a bid whose submission the return held, the submission is made
/// (if the scores are complete); the bid's acronym is returned then.
pub fn resolve(
    store: &mut Store,
    actor: &Actor,
    call_code: &str,
    conflict_id: i64,
    keep_return: bool,
) -> Result<Option<String>> {
    store.write(actor, |tx| {
        // Looked up inside the write: a conflict resolved meanwhile (or superseded by a
        // newer return) is not resolved twice.
        let call = store::calls::by_code(tx.conn(), call_code)?;
        let c = store::evaluation::score_conflicts(tx.conn(), call.id)?
            .into_iter()
            .find(|c| c.id == conflict_id && c.resolution.is_none())
            .ok_or_else(|| Error::NotFound {
                kind: "unresolved score conflict",
                key: conflict_id.to_string(),
            })?;
        if keep_return {
            if store::evaluation::submitted_at(tx.conn(), c.bid_id, c.evaluator_id)?.is_some() {
                return Err(Error::Conflict(
                    "the office copy of these scores is already submitted: keep the office's value, or revise it in the consensus".into(),
                ));
            }
            store::evaluation::put_score(
                tx,
                &Score {
                    bid_id: c.bid_id,
                    evaluator_id: c.evaluator_id,
                    criterion: c.criterion.clone(),
                    score: c.return_score,
                    comment: c.return_comment.clone(),
                    status: ScoreStatus::Draft,
                    updated_at: actor.at,
                },
            )?;
        }
        store::evaluation::resolve_score_conflict(
            tx,
            c.id,
            if keep_return { "return" } else { "office" },
            actor.at,
        )?;
        // The next return from this package is compared with the value kept.
        if let Some(kept) =
            store::evaluation::score(tx.conn(), c.bid_id, c.evaluator_id, &c.criterion)?
        {
            store::evaluation::rebase_package(tx, &c.package_id, &kept)?;
        }
        let open_left = store::evaluation::score_conflicts(tx.conn(), call.id)?
            .iter()
            .any(|o| {
                o.package_id == c.package_id && o.bid_id == c.bid_id && o.resolution.is_none()
            });
        if open_left || !store::evaluation::is_held(tx.conn(), &c.package_id, c.bid_id)? {
            return Ok(None);
        }
        let acronym: String = tx.conn().query_row(
            "SELECT acronym FROM bids WHERE id = ?1",
            [c.bid_id],
            |r| r.get(0),
        )?;
        if store::evaluation::submitted_at(tx.conn(), c.bid_id, c.evaluator_id)?.is_some() {
            store::evaluation::release_submission(tx, &c.package_id, c.bid_id)?;
            return Ok(None);
        }
        let missing = scoring::submit_in(tx, &call, &acronym, c.bid_id, c.evaluator_id, actor.at)?;
        if !missing.is_empty() {
            return Ok(None);
        }
        store::evaluation::release_submission(tx, &c.package_id, c.bid_id)?;
        Ok(Some(acronym))
    })
}
