//! Signed notes and their Ed25519 keys, as golang.org/x/mod/sumdb/note defines them: the format
//! in which a checksum database signs its tree heads, and the key strings `GOSUMDB` takes.
//!
//! - verifier key: `<name>+<hash>+<base64(0x01 || public key)>` (what users put in `GOSUMDB`);
//! - signer key: `PRIVATE+KEY+<name>+<hash>+<base64(0x01 || seed)>` (the secret the publisher
//!   signs with; the same text x/mod's `note.NewSigner` reads, so another sumdb server can take it
//!   over);
//! - `<hash>`: the first 4 bytes, big-endian, of SHA-256(`name` `\n` 0x01 public key), as 8 hex
//!   digits;
//! - a signed note: the text (ending in a newline), a blank line, then one line per signature,
//!   `— <name> <base64(key hash || signature of the text)>`.
//!
//! A signer key is a secret: its `Debug` shows the name only, and nothing here prints it.

use std::fmt;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ed25519_dalek::{Signer as _, Verifier as _};
use sha2::{Digest, Sha256};

/// The algorithm byte of an Ed25519 key.
const ALG_ED25519: u8 = 1;

/// A note or a key that does not parse or verify.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NoteError {
    #[error("malformed {what} key: {reason}")]
    MalformedKey { what: &'static str, reason: String },
    #[error("invalid checksum database name {name:?}: {reason}")]
    InvalidName { name: String, reason: String },
    #[error("malformed signed note")]
    Malformed,
    #[error("the note has no signature by {name} (key {hash:08x})")]
    Unsigned { name: String, hash: u32 },
    #[error("the note's signature by {name} does not verify")]
    BadSignature { name: String },
}

/// `note`'s name rule (non-empty, no space, no `+`) plus the go command's for `GOSUMDB`: the
/// name must be a `host[/path]`, since the go command derives the database's default URL from it.
pub fn check_name(name: &str) -> Result<(), NoteError> {
    let bad = |reason: &str| {
        Err(NoteError::InvalidName {
            name: name.to_string(),
            reason: reason.to_string(),
        })
    };
    if name.is_empty() {
        return bad("it is empty");
    }
    if name.chars().any(|c| c.is_whitespace() || c.is_control()) || name.contains('+') {
        return bad("it must not contain spaces or `+`");
    }
    if name.ends_with('/') {
        return bad("it must not end in `/`");
    }
    let host = name.split('/').next().unwrap_or_default();
    if host.is_empty()
        || !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
    {
        return bad("it must be host[/path], e.g. sum.example.com");
    }
    if name
        .chars()
        .any(|c| matches!(c, '?' | '#' | '@' | '%' | '\\'))
    {
        return bad("it must be host[/path], without `?#@%\\`");
    }
    Ok(())
}

fn key_hash(name: &str, public: &[u8; 32]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([ALG_ED25519]);
    h.update(public);
    let sum = h.finalize();
    u32::from_be_bytes([sum[0], sum[1], sum[2], sum[3]])
}

/// The private half: signs tree heads.
pub struct SignerKey {
    name: String,
    hash: u32,
    key: ed25519_dalek::SigningKey,
}

impl fmt::Debug for SignerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignerKey")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// The public half: what `GOSUMDB` holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    hash: u32,
    key: ed25519_dalek::VerifyingKey,
}

impl SignerKey {
    /// A new random key for the database `name`.
    pub fn generate(name: &str) -> Result<SignerKey, NoteError> {
        check_name(name)?;
        let key = ed25519_dalek::SigningKey::generate(&mut rand_core::OsRng);
        let hash = key_hash(name, key.verifying_key().as_bytes());
        Ok(SignerKey {
            name: name.to_string(),
            hash,
            key,
        })
    }

    /// Parse `PRIVATE+KEY+<name>+<hash>+<base64>` (surrounding whitespace ignored).
    pub fn parse(text: &str) -> Result<SignerKey, NoteError> {
        let bad = |reason: &str| NoteError::MalformedKey {
            what: "signer",
            reason: reason.to_string(),
        };
        let rest = text
            .trim()
            .strip_prefix("PRIVATE+KEY+")
            .ok_or_else(|| bad("it does not start with PRIVATE+KEY+"))?;
        let (name, hash, bytes) = split_key(rest).map_err(|r| bad(&r))?;
        if bytes.len() != 33 || bytes[0] != ALG_ED25519 {
            return Err(bad("not an Ed25519 key"));
        }
        let seed: [u8; 32] = bytes[1..].try_into().map_err(|_| bad("bad length"))?;
        let key = ed25519_dalek::SigningKey::from_bytes(&seed);
        if key_hash(&name, key.verifying_key().as_bytes()) != hash {
            return Err(bad("the key hash does not match the name and key"));
        }
        Ok(SignerKey { name, hash, key })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The signer key's text (a secret: write it to a 0600 file, never print it).
    pub fn to_secret_string(&self) -> String {
        let mut bytes = vec![ALG_ED25519];
        bytes.extend_from_slice(self.key.as_bytes());
        format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name,
            self.hash,
            B64.encode(bytes)
        )
    }

    pub fn verifier(&self) -> VerifierKey {
        VerifierKey {
            name: self.name.clone(),
            hash: self.hash,
            key: self.key.verifying_key(),
        }
    }

    /// Sign `text` (which must end in a newline) as a note with this key alone.
    pub fn sign(&self, text: &str) -> Vec<u8> {
        assert!(text.ends_with('\n'), "note text must end in a newline");
        let sig = self.key.sign(text.as_bytes());
        let mut raw = self.hash.to_be_bytes().to_vec();
        raw.extend_from_slice(&sig.to_bytes());
        format!("{text}\n— {} {}\n", self.name, B64.encode(raw)).into_bytes()
    }
}

impl VerifierKey {
    /// Parse `<name>+<hash>+<base64>`.
    pub fn parse(text: &str) -> Result<VerifierKey, NoteError> {
        let bad = |reason: &str| NoteError::MalformedKey {
            what: "verifier",
            reason: reason.to_string(),
        };
        let (name, hash, bytes) = split_key(text.trim()).map_err(|r| bad(&r))?;
        if bytes.len() != 33 || bytes[0] != ALG_ED25519 {
            return Err(bad("not an Ed25519 key"));
        }
        let public: [u8; 32] = bytes[1..].try_into().map_err(|_| bad("bad length"))?;
        if key_hash(&name, &public) != hash {
            return Err(bad("the key hash does not match the name and key"));
        }
        let key = ed25519_dalek::VerifyingKey::from_bytes(&public)
            .map_err(|_| bad("not a valid Ed25519 public key"))?;
        Ok(VerifierKey { name, hash, key })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Open a signed note: its text, when it carries a valid signature by this key. Other
    /// signatures are ignored (as `note.Open` does with unknown keys).
    pub fn open(&self, msg: &[u8]) -> Result<String, NoteError> {
        let msg = std::str::from_utf8(msg).map_err(|_| NoteError::Malformed)?;
        let split = msg.rfind("\n\n").ok_or(NoteError::Malformed)?;
        let (text, sigs) = (&msg[..split + 1], &msg[split + 2..]);
        if !sigs.ends_with('\n') {
            return Err(NoteError::Malformed);
        }
        for line in sigs.lines() {
            let line = line.strip_prefix("— ").ok_or(NoteError::Malformed)?;
            let (name, b64) = line.split_once(' ').ok_or(NoteError::Malformed)?;
            let raw = B64.decode(b64).map_err(|_| NoteError::Malformed)?;
            if raw.len() < 5 {
                return Err(NoteError::Malformed);
            }
            if name != self.name
                || u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]) != self.hash
            {
                continue;
            }
            let sig = ed25519_dalek::Signature::from_slice(&raw[4..]).map_err(|_| {
                NoteError::BadSignature {
                    name: name.to_string(),
                }
            })?;
            return self
                .key
                .verify(text.as_bytes(), &sig)
                .map(|()| text.to_string())
                .map_err(|_| NoteError::BadSignature {
                    name: name.to_string(),
                });
        }
        Err(NoteError::Unsigned {
            name: self.name.clone(),
            hash: self.hash,
        })
    }
}

impl fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut bytes = vec![ALG_ED25519];
        bytes.extend_from_slice(self.key.as_bytes());
        write!(f, "{}+{:08x}+{}", self.name, self.hash, B64.encode(bytes))
    }
}

/// `<name>+<hash>+<base64>` → its parts (the name may not contain `+`).
fn split_key(text: &str) -> Result<(String, u32, Vec<u8>), String> {
    let mut parts = text.splitn(3, '+');
    let (Some(name), Some(hash), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
        return Err("expected name+hash+key".into());
    };
    check_name(name).map_err(|e| e.to_string())?;
    if hash.len() != 8 {
        return Err("the key hash is not 8 hex digits".into());
    }
    let hash = u32::from_str_radix(hash, 16).map_err(|_| "the key hash is not hex".to_string())?;
    let bytes = B64
        .decode(b64)
        .map_err(|_| "the key is not base64".to_string())?;
    Ok((name.to_string(), hash, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    // From golang.org/x/mod/sumdb/note's documentation (example_test.go).
    const VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const SIGNED: &str = "If you think cryptography is the answer to your problem,\n\
then you don't know what your problem is.\n\
\n\
— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    #[test]
    fn keys_and_signatures_match_x_mod_note() {
        let signer = SignerKey::parse(SKEY).unwrap();
        assert_eq!(signer.verifier().to_string(), VKEY);
        assert_eq!(signer.to_secret_string(), SKEY);
        let text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
        // Ed25519 is deterministic: the same signature as x/mod's example.
        assert_eq!(String::from_utf8(signer.sign(text)).unwrap(), SIGNED);
        let verifier = VerifierKey::parse(VKEY).unwrap();
        assert_eq!(verifier.open(SIGNED.as_bytes()).unwrap(), text);
    }

    #[test]
    fn tampered_notes_and_foreign_keys_are_refused() {
        let verifier = VerifierKey::parse(VKEY).unwrap();
        let tampered = SIGNED.replace("cryptography", "cryptographY");
        assert!(matches!(
            verifier.open(tampered.as_bytes()),
            Err(NoteError::BadSignature { .. })
        ));
        let other = SignerKey::generate("PeterNeumann").unwrap();
        assert!(matches!(
            other.verifier().open(SIGNED.as_bytes()),
            Err(NoteError::Unsigned { .. })
        ));
        assert!(VerifierKey::parse(&VKEY.replace("c74f20a3", "c74f20a4")).is_err());
        assert!(SignerKey::parse(VKEY).is_err());
    }

    #[test]
    fn generated_keys_round_trip_and_names_are_checked() {
        let k = SignerKey::generate("sum.example.com/private").unwrap();
        let again = SignerKey::parse(&k.to_secret_string()).unwrap();
        assert_eq!(again.verifier(), k.verifier());
        assert!(
            format!("{k:?}").contains("sum.example.com") && !format!("{k:?}").contains("PRIVATE")
        );
        for bad in ["", "a b", "a+b", "sum.example.com/", "/x", "a?b"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }
}
