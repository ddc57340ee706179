//! Encryption at rest of the secrets starmon must be able to read back (cluster passwords).
//!
//! A 32-byte key lives in its own file beside the database (`<database>.key`), created on first
//! open with mode 0600. Keeping it out of the database means a copied or backed-up database file
//! alone does not reveal the passwords. The cipher is XChaCha20-Poly1305: authenticated, so a
//! tampered value or a wrong key is an error rather than garbage, and with a 24-byte nonce that
//! can be drawn at random for every encryption without counting. The stored form is text,
//! `v1:<base64(nonce || ciphertext)>`; the version prefix leaves room for a later scheme and
//! tells encrypted values from the clear text written before encryption existed.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chacha20poly1305::aead::Aead;
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use secrecy::{ExposeSecret, SecretString};

pub const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 24;
/// Prefix of every value this module encrypts.
pub const PREFIX: &str = "v1:";

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("key file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("key file {path} holds {len} bytes, expected {KEY_LEN}: it is not a starmon key")]
    BadKeyFile { path: PathBuf, len: usize },
    #[error("cannot draw random bytes: {0}")]
    Random(String),
    /// The value does not decrypt: tampered with, or encrypted under another key.
    #[error("cannot decrypt: {0}")]
    Decrypt(&'static str),
    /// Start-up check: secrets are stored but their key file is gone. Creating a new key here
    /// would leave every stored secret unreadable and monitoring silently stopped.
    #[error(
        "the key file {} is missing, but the database {} holds {stored} encrypted secret(s) \
         (cluster passwords, notification channels) that only that key opens. Restore the key \
         file (e.g. from the backup of the database). If it is lost for good, run `starmon key \
         reset --db {}` and enter the cluster passwords and channels again.",
        key.display(), database.display(), database.display()
    )]
    KeyMissing {
        key: PathBuf,
        database: PathBuf,
        stored: usize,
    },
    /// Start-up check: the key file does not open a stored secret (replaced, or another
    /// installation's key).
    #[error(
        "the key file {} does not open the secrets stored in {}: it is not the key that \
         encrypted them (replaced, or copied from another installation). Restore the right key \
         file. If it is lost for good, run `starmon key reset --db {}` and enter the cluster \
         passwords and channels again.",
        key.display(), database.display(), database.display()
    )]
    WrongKey { key: PathBuf, database: PathBuf },
    /// One stored secret does not open with the key in use, although the start-up check passed
    /// (e.g. a row written by another starmon with another key). `what` names it, e.g.
    /// "the password of cluster 3".
    #[error(
        "{what} cannot be read: it was encrypted with another key than {}. Enter it again, or \
         restore the key file that wrote it.",
        key.display()
    )]
    Unreadable { what: String, key: PathBuf },
}

/// The key that encrypts stored secrets. Never printed.
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

/// The key file that goes with a database file: the same path with `.key` appended.
pub fn key_path(database: &Path) -> PathBuf {
    let mut p = database.as_os_str().to_owned();
    p.push(".key");
    PathBuf::from(p)
}

pub fn random_bytes<const N: usize>() -> Result<[u8; N], SecretError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| SecretError::Random(e.to_string()))?;
    Ok(b)
}

impl SecretBox {
    pub fn from_key(key: &[u8; KEY_LEN]) -> SecretBox {
        SecretBox {
            cipher: XChaCha20Poly1305::new(key.into()),
        }
    }

    /// Reads the key at `path`, or creates it with fresh random bytes (mode 0600) if there is no
    /// file. The key is written to a temporary file first and linked into place, so a reader
    /// never sees a half-written key and two processes racing to create it agree: the loser
    /// reads the winner's key.
    pub fn load_or_create(path: &Path) -> Result<SecretBox, SecretError> {
        match SecretBox::load(path)? {
            Some(b) => Ok(b),
            None => SecretBox::create(path),
        }
    }

    /// The key at `path`; None when there is no file.
    pub fn load(path: &Path) -> Result<Option<SecretBox>, SecretError> {
        match std::fs::symlink_metadata(path) {
            Ok(_) => read_key(path).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(SecretError::Io {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// Creates the key at `path` (see [`SecretBox::load_or_create`]); if another process
    /// created it first, reads theirs.
    pub fn create(path: &Path) -> Result<SecretBox, SecretError> {
        let io = |source| SecretError::Io {
            path: path.to_path_buf(),
            source,
        };
        let key = random_bytes::<KEY_LEN>()?;
        let mut tmp = path.as_os_str().to_owned();
        // Unique per attempt, so racers never share (or delete) each other's file.
        let tag = u64::from_le_bytes(random_bytes::<8>()?);
        tmp.push(format!(".tmp-{}-{tag:016x}", std::process::id()));
        let tmp = PathBuf::from(tmp);
        let written = create_new_private(&tmp).and_then(|mut f| {
            f.write_all(&key)?;
            f.sync_all()
        });
        let linked = written.and_then(|()| std::fs::hard_link(&tmp, path));
        let _ = std::fs::remove_file(&tmp);
        match linked {
            Ok(()) => Ok(SecretBox::from_key(&key)),
            // Another process created it first: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read_key(path),
            Err(e) => Err(io(e)),
        }
    }

    /// `v1:<base64(nonce || ciphertext)>` with a fresh random nonce.
    pub fn encrypt(&self, clear: &SecretString) -> Result<String, SecretError> {
        let nonce = random_bytes::<NONCE_LEN>()?;
        let sealed = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), clear.expose_secret().as_bytes())
            .map_err(|_| SecretError::Decrypt("encryption failed"))?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(format!("{PREFIX}{}", STANDARD.encode(out)))
    }

    pub fn decrypt(&self, stored: &str) -> Result<SecretString, SecretError> {
        let body = stored
            .strip_prefix(PREFIX)
            .ok_or(SecretError::Decrypt("not an encrypted value"))?;
        let raw = STANDARD
            .decode(body)
            .map_err(|_| SecretError::Decrypt("not base64"))?;
        if raw.len() < NONCE_LEN {
            return Err(SecretError::Decrypt("too short"));
        }
        let (nonce, sealed) = raw.split_at(NONCE_LEN);
        let clear = self
            .cipher
            .decrypt(XNonce::from_slice(nonce), sealed)
            .map_err(|_| SecretError::Decrypt("wrong key or altered value"))?;
        String::from_utf8(clear)
            .map(SecretString::from)
            .map_err(|_| SecretError::Decrypt("not UTF-8"))
    }
}

fn read_key(path: &Path) -> Result<SecretBox, SecretError> {
    let mut bytes = Vec::with_capacity(KEY_LEN);
    std::fs::File::open(path)
        .and_then(|f| f.take(KEY_LEN as u64 + 1).read_to_end(&mut bytes))
        .map_err(|source| SecretError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    let key: [u8; KEY_LEN] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| SecretError::BadKeyFile {
            path: path.to_path_buf(),
            len: bytes.len(),
        })?;
    Ok(SecretBox::from_key(&key))
}

/// The permission bits of the key file when its group or others may read or write it: anyone
/// who can read the key and the database can read every stored password. None when it is
/// private (or on a system without Unix permissions).
pub fn shared_mode(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
        (mode & 0o077 != 0).then_some(mode)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

pub fn is_encrypted(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

#[cfg(unix)]
fn create_new_private(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn create_new_private(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_string())
    }

    #[test]
    fn round_trip_with_a_fresh_nonce_each_time() {
        let b = SecretBox::from_key(&[7; KEY_LEN]);
        let one = b.encrypt(&secret("hunter2")).expect("encrypt");
        let two = b.encrypt(&secret("hunter2")).expect("encrypt");
        assert!(one.starts_with("v1:"), "{one}");
        assert_ne!(one, two, "a random nonce per encryption");
        assert!(!one.contains("hunter2"));
        assert_eq!(b.decrypt(&one).expect("decrypt").expose_secret(), "hunter2");
        assert_eq!(b.decrypt(&two).expect("decrypt").expose_secret(), "hunter2");
    }

    #[test]
    fn a_tampered_value_does_not_decrypt() {
        let b = SecretBox::from_key(&[7; KEY_LEN]);
        let stored = b.encrypt(&secret("hunter2")).expect("encrypt");
        let mut raw = STANDARD.decode(&stored[PREFIX.len()..]).expect("base64");
        let last = raw.len() - 1;
        raw[last] ^= 1;
        let tampered = format!("{PREFIX}{}", STANDARD.encode(&raw));
        assert!(matches!(b.decrypt(&tampered), Err(SecretError::Decrypt(_))));
        assert!(b.decrypt("v1:AAAA").is_err(), "too short");
        assert!(b.decrypt("hunter2").is_err(), "clear text");
    }

    #[test]
    fn another_key_does_not_decrypt() {
        let stored = SecretBox::from_key(&[7; KEY_LEN])
            .encrypt(&secret("hunter2"))
            .expect("encrypt");
        assert!(SecretBox::from_key(&[8; KEY_LEN]).decrypt(&stored).is_err());
    }

    #[test]
    fn the_key_file_is_created_once_owner_only_and_reused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = key_path(&dir.path().join("starmon.db"));
        assert!(path.ends_with("starmon.db.key"));
        let first = SecretBox::load_or_create(&path).expect("create");
        let bytes = std::fs::read(&path).expect("read");
        assert_eq!(bytes.len(), KEY_LEN);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let stored = first.encrypt(&secret("hunter2")).expect("encrypt");
        let again = SecretBox::load_or_create(&path).expect("load");
        assert_eq!(
            again.decrypt(&stored).expect("decrypt").expose_secret(),
            "hunter2"
        );
        assert_eq!(std::fs::read(&path).expect("read"), bytes, "not rewritten");
        let entries = std::fs::read_dir(dir.path()).expect("read_dir").count();
        assert_eq!(entries, 1, "no temporary file left behind");
    }

    #[test]
    fn processes_racing_to_create_the_key_agree() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = key_path(&dir.path().join("starmon.db"));
        let sealed: Vec<String> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..4)
                .map(|_| {
                    s.spawn(|| {
                        SecretBox::load_or_create(&path)
                            .expect("load or create")
                            .encrypt(&secret("same"))
                            .expect("encrypt")
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().expect("join"))
                .collect()
        });
        let one = SecretBox::load_or_create(&path).expect("load");
        for s in sealed {
            assert_eq!(one.decrypt(&s).expect("one key").expose_secret(), "same");
        }
    }

    #[test]
    fn a_key_file_of_the_wrong_length_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        for len in [0, 16, 33] {
            let path = dir.path().join(format!("k{len}"));
            std::fs::write(&path, vec![1u8; len]).expect("write");
            match SecretBox::load_or_create(&path) {
                Err(e @ SecretError::BadKeyFile { .. }) => {
                    assert!(e.to_string().contains("expected 32"), "{e}")
                }
                other => panic!("expected BadKeyFile, got {other:?}"),
            }
        }
    }
}
