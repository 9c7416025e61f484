//! Signing keys: an expert's (signs their returns) and the programme office's (signs its
//! evaluator packages and the audit log's checkpoints). A key file holds the ed25519
//! secret sealed with a passphrase its holder chose (Argon2id, ChaCha20-Poly1305, the
//! public key as associated data), never in clear; the public key is readable without the
//! passphrase and travels as a small public key file, checked by its fingerprint read
//! aloud or compared on paper.

use crate::error::{Error, Location, Result};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use std::path::Path;
use ts_rs::TS;

/// Shortest passphrase of a key or a package.
pub const MIN_PASSPHRASE: usize = 12;

pub(crate) fn random<const N: usize>() -> Result<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| Error::Internal(format!("no system randomness: {e}")))?;
    Ok(b)
}

pub(crate) fn derive_key(passphrase: &str, salt: &[u8]) -> Result<Key> {
    let mut key = [0u8; 32];
    argon2::Argon2::default()
        .hash_password_into(passphrase.as_bytes(), salt, &mut key)
        .map_err(|e| Error::Internal(format!("key derivation: {e}")))?;
    Ok(Key::from(key))
}

/// Whose key a key file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum KeyRole {
    /// An independent expert: signs their returns.
    Evaluator,
    /// The programme office: signs its packages and the audit log's checkpoints.
    Office,
}

impl KeyRole {
    fn kind(self) -> &'static str {
        match self {
            KeyRole::Evaluator => KEY_KIND,
            KeyRole::Office => OFFICE_KEY_KIND,
        }
    }

    fn public_kind(self) -> &'static str {
        match self {
            KeyRole::Evaluator => PUBLIC_KEY_KIND,
            KeyRole::Office => OFFICE_PUBLIC_KEY_KIND,
        }
    }
}

const OFFICE_KEY_KIND: &str = "gigafund-office-key";
const OFFICE_PUBLIC_KEY_KIND: &str = "gigafund-office-public-key";

/// An evaluator's key file: the secret key, sealed with a passphrase the evaluator chose
/// (Argon2id, ChaCha20-Poly1305, the public key as associated data), never written in
/// clear. It never leaves their machine; the public key is readable without the passphrase.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    kind: String,
    public_key: String,
    /// Files written before keys were sealed held the secret in clear (still read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    secret_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    salt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nonce: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sealed_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    created_at: Option<chrono::DateTime<chrono::Utc>>,
}

const KEY_KIND: &str = "gigafund-evaluator-key";

/// Creates an expert's key pair in `path` (refusing to overwrite), its secret sealed with
/// `passphrase`, and returns the public key (hex).
pub fn new_key(path: &Path, passphrase: &str, at: chrono::DateTime<chrono::Utc>) -> Result<String> {
    new_key_for(KeyRole::Evaluator, path, passphrase, at)
}

/// Creates a key pair of `role` in `path` (refusing to overwrite), its secret sealed with
/// `passphrase`, and returns the public key (hex).
pub fn new_key_for(
    role: KeyRole,
    path: &Path,
    passphrase: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<String> {
    if passphrase.chars().count() < MIN_PASSPHRASE {
        return Err(Error::invalid(
            Location::default().with_field("key passphrase"),
            format!("a key passphrase must have at least {MIN_PASSPHRASE} characters"),
            None,
        ));
    }
    if path.exists() {
        return Err(Error::Conflict(format!(
            "{} already exists: a key file is never overwritten",
            path.display()
        )));
    }
    let secret: [u8; 32] = random()?;
    let key = SigningKey::from_bytes(&secret);
    let public_bytes = key.verifying_key().to_bytes();
    let public = hex::encode(public_bytes);
    let salt: [u8; 16] = random()?;
    let nonce: [u8; 12] = random()?;
    let cipher = ChaCha20Poly1305::new(&derive_key(passphrase, &salt)?);
    let sealed = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: &secret,
                aad: &public_bytes,
            },
        )
        .map_err(|_| Error::Internal("sealing the key failed".into()))?;
    let text = serde_json::to_string_pretty(&KeyFile {
        kind: role.kind().into(),
        public_key: public.clone(),
        secret_key: None,
        salt: Some(hex::encode(salt)),
        nonce: Some(hex::encode(nonce)),
        sealed_secret: Some(hex::encode(sealed)),
        created_at: Some(at),
    })
    .map_err(|e| Error::Internal(e.to_string()))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    write_private(path, text.as_bytes())?;
    Ok(public)
}

/// The public half of a key file and when it was made (no passphrase needed).
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct KeyInfo {
    pub path: String,
    pub public_key: String,
    pub fingerprint: String,
    pub created_at: Option<chrono::DateTime<chrono::Utc>>,
    /// A key file of an older Gigafund, its secret in clear: make a new one.
    pub unsealed: bool,
    pub role: KeyRole,
}

fn key_file(path: &Path) -> Result<KeyFile> {
    let file = crate::ingest::display_name(path);
    let text = crate::ingest::read_text(path)?;
    let k: KeyFile = serde_json::from_str(&text).map_err(|_| {
        Error::invalid(
            Location::file(file.clone()),
            "not a Gigafund signing key file",
            None,
        )
    })?;
    if k.kind != KEY_KIND && k.kind != OFFICE_KEY_KIND {
        return Err(Error::invalid(
            Location::file(file),
            "not a Gigafund signing key file",
            Some(k.kind),
        ));
    }
    Ok(k)
}

pub fn key_info(path: &Path) -> Result<KeyInfo> {
    let k = key_file(path)?;
    Ok(KeyInfo {
        path: path.display().to_string(),
        fingerprint: fingerprint(&k.public_key)?,
        unsealed: k.secret_key.is_some(),
        role: if k.kind == OFFICE_KEY_KIND {
            KeyRole::Office
        } else {
            KeyRole::Evaluator
        },
        public_key: k.public_key,
        created_at: k.created_at,
    })
}

pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(|e| Error::io(path, e))?;
    f.write_all(bytes).map_err(|e| Error::io(path, e))
}

/// The 32 secret bytes of a key file, unsealed with its passphrase (what signs returns;
/// the app never shows or stores them elsewhere).
pub fn unseal_secret(path: &Path, passphrase: &str) -> Result<[u8; 32]> {
    Ok(read_key(path, passphrase)?.to_bytes())
}

/// The signing key of a key file, unsealed with its passphrase.
pub(crate) fn read_key(path: &Path, passphrase: &str) -> Result<SigningKey> {
    let file = crate::ingest::display_name(path);
    let k = key_file(path)?;
    let bad = |rule: &str| Error::invalid(Location::file(file.clone()), rule.to_string(), None);
    let secret: [u8; 32] = match (&k.secret_key, &k.sealed_secret, &k.salt, &k.nonce) {
        (Some(clear), _, _, _) => hex::decode(clear)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| bad("the key file is damaged"))?,
        (None, Some(sealed), Some(salt), Some(nonce)) => {
            let public = parse_public_key(&k.public_key)?.to_bytes();
            let (sealed, salt, nonce) = (
                hex::decode(sealed).map_err(|_| bad("the key file is damaged"))?,
                hex::decode(salt).map_err(|_| bad("the key file is damaged"))?,
                hex::decode(nonce)
                    .ok()
                    .filter(|n| n.len() == 12)
                    .ok_or_else(|| bad("the key file is damaged"))?,
            );
            let cipher = ChaCha20Poly1305::new(&derive_key(passphrase, &salt)?);
            cipher
                .decrypt(
                    Nonce::from_slice(&nonce),
                    Payload {
                        msg: &sealed,
                        aad: &public,
                    },
                )
                .map_err(|_| {
                    Error::invalid(
                        Location::file(file.clone()).with_field("key passphrase"),
                        "the key passphrase is wrong (or the key file was changed)",
                        None,
                    )
                })?
                .try_into()
                .map_err(|_| bad("the key file is damaged"))?
        }
        _ => return Err(bad("the key file is damaged")),
    };
    let key = SigningKey::from_bytes(&secret);
    if hex::encode(key.verifying_key().to_bytes()) != k.public_key.to_lowercase() {
        return Err(bad("the key file's public key does not match its secret"));
    }
    Ok(key)
}

pub fn parse_public_key(hex_key: &str) -> Result<VerifyingKey> {
    let bad = || {
        Error::invalid(
            Location::default().with_field("public key"),
            "an ed25519 public key is 64 hexadecimal characters",
            Some(hex_key.to_string()),
        )
    };
    let bytes: [u8; 32] = hex::decode(hex_key.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(bad)?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| bad())
}

/// A short, readable fingerprint of a public key (the first 80 bits of its SHA-256, in
/// groups of four hex digits) that the office and the expert read to each other to check
/// the key came through unchanged.
pub fn fingerprint(public_hex: &str) -> Result<String> {
    use sha2::{Digest, Sha256};
    let key = parse_public_key(public_hex)?;
    let digest = Sha256::digest(key.to_bytes());
    let hex = hex::encode_upper(&digest[..10]);
    Ok(hex
        .as_bytes()
        .chunks(4)
        .filter_map(|c| std::str::from_utf8(c).ok())
        .collect::<Vec<_>>()
        .join(" "))
}

/// What an expert sends the office: their public key, never the secret one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct PublicKeyFile {
    pub kind: String,
    pub email: Option<String>,
    pub public_key: String,
}

const PUBLIC_KEY_KIND: &str = "gigafund-evaluator-public-key";

/// The public key file an expert saves to send to the office.
pub fn public_key_file(email: Option<&str>, public_hex: &str) -> Result<String> {
    public_key_file_for(KeyRole::Evaluator, email, public_hex)
}

/// The public key file of a key of `role` (the office's goes to its experts).
pub fn public_key_file_for(role: KeyRole, email: Option<&str>, public_hex: &str) -> Result<String> {
    parse_public_key(public_hex)?;
    serde_json::to_string_pretty(&PublicKeyFile {
        kind: role.public_kind().into(),
        email: email.map(str::to_string),
        public_key: public_hex.trim().to_lowercase(),
    })
    .map_err(|e| Error::Internal(e.to_string()))
}

/// Reads a public key as an expert sent it: the public key file, or the key's 64 hex
/// digits as text. A secret key file is refused (it must never leave the expert's machine).
pub fn read_public_key(path: &Path) -> Result<PublicKeyFile> {
    let file = crate::ingest::display_name(path);
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    let bad = |rule: &str| Error::invalid(Location::file(file.clone()), rule.to_string(), None);
    if meta.len() > 64 * 1024 {
        return Err(bad("a public key file is a few hundred bytes"));
    }
    let text = crate::ingest::read_text(path)?;
    if text.contains("secret_key") || text.contains("sealed_secret") {
        return Err(bad(
            "this is the expert's signing key file: it must stay with them; ask for their public key file",
        ));
    }
    if let Ok(k) = serde_json::from_str::<PublicKeyFile>(&text) {
        if k.kind != PUBLIC_KEY_KIND && k.kind != OFFICE_PUBLIC_KEY_KIND {
            return Err(bad("not a Gigafund public key file"));
        }
        parse_public_key(&k.public_key)?;
        return Ok(k);
    }
    let hex_text = text.trim();
    parse_public_key(hex_text).map_err(|_| {
        bad("neither a Gigafund public key file nor a public key (64 hexadecimal characters)")
    })?;
    Ok(PublicKeyFile {
        kind: PUBLIC_KEY_KIND.into(),
        email: None,
        public_key: hex_text.to_lowercase(),
    })
}

/// The public key of a key file or of a public key file (for checking a signature: the
/// secret is never read).
pub fn public_key_of(path: &Path) -> Result<VerifyingKey> {
    let text = crate::ingest::read_text(path)?;
    if text.contains("sealed_secret") || text.contains("secret_key") {
        return parse_public_key(&key_file(path)?.public_key);
    }
    parse_public_key(&read_public_key(path)?.public_key)
}

/// Signs `message` with the key file's secret, unsealed with its passphrase: returns the
/// public key and the signature, both hex.
pub fn sign(path: &Path, passphrase: &str, message: &[u8]) -> Result<(String, String)> {
    let key = read_key(path, passphrase)?;
    Ok((
        hex::encode(key.verifying_key().to_bytes()),
        hex::encode(key.sign(message).to_bytes()),
    ))
}

/// Whether `signature_hex` is `public_hex`'s signature of `message`.
pub fn verify(public_hex: &str, message: &[u8], signature_hex: &str) -> bool {
    let Ok(public) = parse_public_key(public_hex) else {
        return false;
    };
    let Some(signature) = hex::decode(signature_hex)
        .ok()
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .map(|b| Signature::from_bytes(&b))
    else {
        return false;
    };
    public.verify(message, &signature).is_ok()
}
