//! What the desktop app remembers between runs, in the platform config directory: the
//! last database opened (so that an expert finds their evaluation again). Never anything
//! of the database's content; a missing or damaged file is simply no memory.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub last_database: Option<PathBuf>,
}

pub fn path() -> Result<PathBuf> {
    let dirs = directories::ProjectDirs::from("eu", "Gigafund", "gigafund")
        .ok_or_else(|| Error::Internal("no home directory".into()))?;
    Ok(dirs.config_dir().join("settings.json"))
}

pub fn load(path: &Path) -> Settings {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

/// Remembers `database` as the one to open next time (written through a temporary file).
pub fn remember_database(path: &Path, database: &Path) -> Result<()> {
    let mut s = load(path);
    s.last_database = Some(std::path::absolute(database).unwrap_or_else(|_| database.into()));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let text = serde_json::to_string_pretty(&s).map_err(|e| Error::Internal(e.to_string()))?;
    let part = path.with_extension("json.part");
    std::fs::write(&part, text).map_err(|e| Error::io(&part, e))?;
    std::fs::rename(&part, path).map_err(|e| Error::io(path, e))
}

/// The database the app opens at start: `GIGAFUND_DB` when set, else the last one opened
/// (if it still exists), else the default in the data directory.
pub fn initial_database(env: Option<PathBuf>, settings: &Settings) -> Result<PathBuf> {
    if let Some(p) = env {
        return Ok(p);
    }
    if let Some(p) = settings.last_database.as_ref().filter(|p| p.exists()) {
        return Ok(p.clone());
    }
    super::default_database_path()
}
