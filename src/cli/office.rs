//! `gigafund office`: the programme office's signing key, and checkpoints of the audit log
//! signed with it.

use crate::cli::eval::KeyPassphrase;
use crate::{Cli, actor, open, output};
use clap::Subcommand;
use gigafund::Result;
use gigafund::app::audit as trust;
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum OfficeCommand {
    /// The office's signing key: it signs the evaluator packages and the log's checkpoints.
    #[command(subcommand)]
    Key(OfficeKeyCommand),
    /// Sign the audit log's head with the office's key: the checkpoint is kept in the
    /// database and, with --out, as a file to keep elsewhere (a later truncation or
    /// rewrite of the log shows against it: `gigafund verify --checkpoint FILE`).
    Checkpoint {
        #[arg(long)]
        key: PathBuf,
        #[command(flatten)]
        key_pass: KeyPassphrase,
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
pub enum OfficeKeyCommand {
    /// Create the office's key pair in FILE, its secret sealed with the key passphrase.
    New {
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        key_pass: KeyPassphrase,
        /// A file holding the passphrase typed a second time: it must be the same.
        #[arg(long, value_name = "FILE")]
        confirm_file: Option<PathBuf>,
    },
    /// The office key's public key and fingerprint (no passphrase needed).
    Show {
        #[arg(long)]
        key: PathBuf,
    },
    /// Write the office's public key file, for the experts (to check its packages) and
    /// for the records (to check the log's checkpoints).
    Public {
        #[arg(long)]
        key: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
}

/// Writes a new file; an existing one is never replaced.
pub(crate) fn write_new(path: &Path, text: &str) -> Result<()> {
    use std::io::Write as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| gigafund::Error::io(path, e))?;
    f.write_all(text.as_bytes())
        .map_err(|e| gigafund::Error::io(path, e))
}

pub fn run(cli: &Cli, cmd: &OfficeCommand) -> Result<bool> {
    match cmd {
        OfficeCommand::Key(OfficeKeyCommand::New {
            out: path,
            key_pass,
            confirm_file,
        }) => {
            let pass = key_pass.read()?;
            let confirm = match confirm_file {
                Some(f) => gigafund::ingest::read_text(f)?
                    .trim_end_matches(['\n', '\r'])
                    .to_string(),
                None => pass.clone(),
            };
            let info = trust::create_office_key(path, &pass, &confirm, &actor())?;
            output(cli.json, &info, |out| {
                writeln!(
                    out,
                    "Office key written to {} (its secret sealed with the passphrase; keep it off the databases' machine if you can).\nPublic key: {}\nFingerprint: {}",
                    path.display(),
                    info.public_key,
                    info.fingerprint
                )
            })
        }
        OfficeCommand::Key(OfficeKeyCommand::Show { key }) => {
            let info = trust::office_key(key)?.ok_or_else(|| gigafund::Error::NotFound {
                kind: "office key",
                key: key.display().to_string(),
            })?;
            output(cli.json, &info, |out| {
                writeln!(
                    out,
                    "{}\nFingerprint: {}",
                    info.public_key, info.fingerprint
                )
            })
        }
        OfficeCommand::Key(OfficeKeyCommand::Public { key, out: path }) => {
            trust::office_key(key)?;
            let text = trust::office_public_key_file(key)?;
            write_new(path, &text)?;
            output(
                cli.json,
                &serde_json::json!({"file": path.display().to_string()}),
                |out| writeln!(out, "Office public key written to {}", path.display()),
            )
        }
        OfficeCommand::Checkpoint { key, key_pass, out } => {
            if let Some(p) = out
                && p.exists()
            {
                return Err(gigafund::Error::Conflict(format!(
                    "{} already exists: a checkpoint file is never written over",
                    p.display()
                )));
            }
            let mut store = open(cli)?;
            let (c, text) = trust::checkpoint(&mut store, &actor(), key, &key_pass.read()?)?;
            if let Some(p) = out {
                write_new(p, &text)?;
            }
            output(cli.json, &c, |o| {
                writeln!(
                    o,
                    "Audit log signed at entry {} ({}) with the office key {}{}",
                    c.seq,
                    &c.hash[..16],
                    gigafund::keys::fingerprint(&c.public_key).unwrap_or_default(),
                    out.as_ref()
                        .map(|p| format!("; checkpoint file {}", p.display()))
                        .unwrap_or_default()
                )
            })
        }
    }
}
