//! The independent expert's offline loop: a signing key made once on their laptop (its
//! secret sealed with a passphrase they choose), the office's package opened into a new
//! database of their own, scoring with the evidence beside it, and the signed return.

use crate::error::{Error, Location, Result};
use crate::evaluation::package::{self, KeyInfo, Opened};
use crate::model::Actor;
use crate::store::Store;
use serde::Serialize;
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// Gigafund's folder in the platform data directory (`~/.local/share/gigafund` on Linux).
pub fn data_dir() -> Result<PathBuf> {
    let dirs = directories::ProjectDirs::from("eu", "Gigafund", "gigafund").ok_or_else(|| {
        Error::Internal("no home directory: Gigafund cannot keep its files".into())
    })?;
    Ok(dirs.data_dir().to_path_buf())
}

/// Where the expert's signing key lives: in the platform data directory, never elsewhere.
pub fn key_path() -> Result<PathBuf> {
    Ok(data_dir()?.join("keys").join("evaluator-key.json"))
}

/// The expert's key, when they have made one.
pub fn key(path: &Path) -> Result<Option<KeyInfo>> {
    if !path.exists() {
        return Ok(None);
    }
    package::key_info(path).map(Some)
}

/// Makes the expert's key pair; its secret is sealed with `passphrase` (asked twice by
/// the app: `confirm` must be the same).
pub fn create_key(path: &Path, passphrase: &str, confirm: &str, actor: &Actor) -> Result<KeyInfo> {
    if passphrase != confirm {
        return Err(Error::invalid(
            Location::default().with_field("confirm"),
            "the two passphrases differ",
            None,
        ));
    }
    package::new_key(path, passphrase, actor.at)?;
    package::key_info(path)
}

/// The public key file the expert sends to the office.
pub fn public_key_file(key: &Path, email: Option<&str>) -> Result<String> {
    let info = package::key_info(key)?;
    package::public_key_file(email, &info.public_key)
}

/// A package opened into the expert's own new database.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct OpenedDatabase {
    pub database: String,
    #[serde(flatten)]
    #[ts(flatten)]
    pub opened: Opened,
}

/// Opens the office's package into a new database in `dir`, named after the call and the
/// package. A wrong passphrase or a damaged file creates nothing; a package already opened
/// there is refused (its database holds the expert's work).
pub fn open_package(
    actor: &Actor,
    package_path: &Path,
    passphrase: &str,
    dir: &Path,
) -> Result<(Store, OpenedDatabase)> {
    open_package_checked(actor, package_path, passphrase, dir, None)
}

/// [`open_package`], refusing a package not signed with `office_key` when it is given.
pub fn open_package_checked(
    actor: &Actor,
    package_path: &Path,
    passphrase: &str,
    dir: &Path,
    office_key: Option<&str>,
) -> Result<(Store, OpenedDatabase)> {
    let header = package::peek(package_path)?;
    if header.kind != "package" {
        return Err(Error::invalid(
            Location::file(crate::ingest::display_name(package_path)),
            "this file is an expert's return, not a package from the office",
            None,
        ));
    }
    let stem: String = format!(
        "{}-{}",
        header.call,
        header.package_id.get(..8).unwrap_or(&header.package_id)
    )
    .chars()
    .map(|c| {
        if c.is_alphanumeric() || c == '-' {
            c
        } else {
            '_'
        }
    })
    .collect();
    let target = dir.join(format!("{stem}.sqlite3"));
    if target.exists() {
        return Err(Error::Conflict(format!(
            "this package is already open in {}: open that database to go on with it",
            target.display()
        )));
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let part = dir.join(format!(".{stem}.sqlite3.part"));
    remove_database(&part);
    let result = (|| {
        let mut store = Store::open(&part)?;
        let opened =
            package::open_checked(&mut store, actor, package_path, passphrase, office_key)?;
        drop(store);
        Ok::<_, Error>(opened)
    })();
    let opened = match result {
        Ok(o) => o,
        Err(e) => {
            remove_database(&part);
            return Err(e);
        }
    };
    std::fs::rename(&part, &target).map_err(|e| Error::io(&target, e))?;
    remove_database(&part);
    let store = Store::open(&target)?;
    Ok((
        store,
        OpenedDatabase {
            database: target.display().to_string(),
            opened,
        },
    ))
}

/// A database file and its WAL companions.
fn remove_database(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}
