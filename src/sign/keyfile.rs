//! cosign's encrypted private key file (`cosign.key`), read and written byte-compatibly.
//!
//! The file is one PEM block labelled `ENCRYPTED SIGSTORE PRIVATE KEY` (older cosign:
//! `ENCRYPTED COSIGN PRIVATE KEY`) whose body is the JSON
//! `{"kdf":{"name":"scrypt","params":{"N","r","p"},"salt"},"cipher":{"name":"nacl/secretbox","nonce"},"ciphertext"}`.
//! The secretbox key is scrypt(password, salt, N, r, p, 32 bytes); the plaintext is the PKCS#8 DER
//! of a P-256 key. We write exactly what `cosign generate-key-pair` writes (N=65536, 32-byte salt,
//! 24-byte nonce, Go's JSON field order, 64-column LF PEM) and accept what cosign accepts when
//! loading (N in {32768, 65536, 131072}, r=8, p=1); everything else gets a precise error.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use crypto_secretbox::aead::Aead;
use crypto_secretbox::{KeyInit, XSalsa20Poly1305};
use p256::ecdsa::SigningKey;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use rand_core::RngCore;
use serde::{Deserialize, Serialize};

use super::keys::{describe_algorithm, pem_decode, pem_encode, PrivateKey};
use super::KeyError;

/// The label `cosign generate-key-pair` writes.
pub const SIGSTORE_LABEL: &str = "ENCRYPTED SIGSTORE PRIVATE KEY";
/// The label older cosign versions wrote; still accepted.
pub const COSIGN_LABEL: &str = "ENCRYPTED COSIGN PRIVATE KEY";
/// scrypt cost parameters cosign accepts when loading (log2 N = 15, 16, 17).
pub const ACCEPTED_SCRYPT_N: [u64; 3] = [32768, 65536, 131072];
/// The scrypt N cosign (and tug) write.
pub const WRITTEN_SCRYPT_N: u64 = 65536;

#[derive(Serialize, Deserialize)]
struct Envelope {
    kdf: Kdf,
    cipher: Cipher,
    ciphertext: String,
}

#[derive(Serialize, Deserialize)]
struct Kdf {
    name: String,
    params: KdfParams,
    salt: String,
}

#[derive(Serialize, Deserialize)]
struct KdfParams {
    #[serde(rename = "N")]
    n: u64,
    r: u32,
    p: u32,
}

#[derive(Serialize, Deserialize)]
struct Cipher {
    name: String,
    nonce: String,
}

fn derive_key(password: &[u8], salt: &[u8], n: u64, r: u32, p: u32) -> [u8; 32] {
    let log_n = n.trailing_zeros() as u8;
    let params = scrypt::Params::new(log_n, r, p, 32).expect("validated scrypt parameters");
    let mut key = [0u8; 32];
    scrypt::scrypt(password, salt, &params, &mut key).expect("32-byte output is valid");
    key
}

/// Encrypt a private key into cosign's key file format (the PEM text of `cosign.key`).
pub fn encrypt(key: &PrivateKey, password: &[u8]) -> String {
    let mut salt = [0u8; 32];
    let mut nonce = [0u8; 24];
    rand_core::OsRng.fill_bytes(&mut salt);
    rand_core::OsRng.fill_bytes(&mut nonce);
    let (r, p) = (8, 1);
    let secret = derive_key(password, &salt, WRITTEN_SCRYPT_N, r, p);
    let der = key
        .signing_key()
        .to_pkcs8_der()
        .expect("P-256 key encodes as PKCS#8");
    let cipher = XSalsa20Poly1305::new(&secret.into());
    let ciphertext = cipher
        .encrypt(&nonce.into(), der.as_bytes())
        .expect("secretbox encryption cannot fail");
    let envelope = Envelope {
        kdf: Kdf {
            name: "scrypt".into(),
            params: KdfParams {
                n: WRITTEN_SCRYPT_N,
                r,
                p,
            },
            salt: B64.encode(salt),
        },
        cipher: Cipher {
            name: "nacl/secretbox".into(),
            nonce: B64.encode(nonce),
        },
        ciphertext: B64.encode(ciphertext),
    };
    let json = serde_json::to_vec(&envelope).expect("envelope serializes");
    pem_encode(SIGSTORE_LABEL, &json)
}

/// Decrypt a cosign key file. `what` names the source (path or `env://VAR`) in errors.
pub fn decrypt(pem: &str, password: &[u8], what: &str) -> Result<PrivateKey, KeyError> {
    let (label, body) = pem_decode(pem, what)?;
    if label != SIGSTORE_LABEL && label != COSIGN_LABEL {
        return Err(KeyError::UnexpectedLabel {
            what: what.into(),
            label,
        });
    }
    let corrupt = |detail: String| KeyError::CorruptEnvelope {
        what: what.into(),
        detail,
    };
    let envelope: Envelope =
        serde_json::from_slice(&body).map_err(|e| corrupt(format!("invalid JSON: {e}")))?;
    let KdfParams { n, r, p } = envelope.kdf.params;
    if envelope.kdf.name != "scrypt" || !ACCEPTED_SCRYPT_N.contains(&n) || r != 8 || p != 1 {
        return Err(KeyError::UnsupportedKdf {
            what: what.into(),
            detail: format!("{} N={n} r={r} p={p}", envelope.kdf.name),
        });
    }
    if envelope.cipher.name != "nacl/secretbox" {
        return Err(KeyError::UnsupportedCipher {
            what: what.into(),
            name: envelope.cipher.name,
        });
    }
    let salt = B64
        .decode(&envelope.kdf.salt)
        .map_err(|e| corrupt(format!("salt: {e}")))?;
    let nonce = B64
        .decode(&envelope.cipher.nonce)
        .map_err(|e| corrupt(format!("nonce: {e}")))?;
    let nonce: [u8; 24] = nonce
        .try_into()
        .map_err(|n: Vec<u8>| corrupt(format!("nonce is {} bytes, expected 24", n.len())))?;
    let ciphertext = B64
        .decode(&envelope.ciphertext)
        .map_err(|e| corrupt(format!("ciphertext: {e}")))?;
    let secret = derive_key(password, &salt, n, r, p);
    let plaintext = XSalsa20Poly1305::new(&secret.into())
        .decrypt(&nonce.into(), ciphertext.as_slice())
        .map_err(|_| KeyError::WrongPassword { what: what.into() })?;
    parse_pkcs8(&plaintext, what)
}

/// The decrypted plaintext must be a PKCS#8 P-256 key; say precisely what it is otherwise.
fn parse_pkcs8(der: &[u8], what: &str) -> Result<PrivateKey, KeyError> {
    if let Ok(key) = SigningKey::from_pkcs8_der(der) {
        return Ok(PrivateKey::from_signing_key(key));
    }
    if let Ok(info) = pkcs8::PrivateKeyInfo::try_from(der) {
        return Err(KeyError::NotP256 {
            what: what.into(),
            detail: describe_algorithm(info.algorithm.oid, info.algorithm.parameters_oid().ok()),
        });
    }
    if p256::SecretKey::from_sec1_der(der).is_ok() || looks_like_sec1(der) {
        return Err(KeyError::Sec1 { what: what.into() });
    }
    Err(KeyError::CorruptEnvelope {
        what: what.into(),
        detail: "the decrypted key is not PKCS#8 DER".into(),
    })
}

/// SEC1 `ECPrivateKey ::= SEQUENCE { version INTEGER (1), privateKey OCTET STRING, ... }`:
/// recognise it even on curves p256 cannot parse.
fn looks_like_sec1(der: &[u8]) -> bool {
    // SEQUENCE, length (short or long form), INTEGER 1, OCTET STRING.
    let rest = match der {
        [0x30, len, rest @ ..] if *len < 0x80 => rest,
        [0x30, 0x81, _, rest @ ..] => rest,
        [0x30, 0x82, _, _, rest @ ..] => rest,
        _ => return false,
    };
    rest.starts_with(&[0x02, 0x01, 0x01, 0x04])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vector(rel: &str) -> String {
        std::fs::read_to_string(crate::sign::testdata().join(rel))
            .unwrap_or_else(|e| panic!("missing test vector {rel} in tests/testdata/cosign: {e}"))
    }

    #[test]
    fn round_trip_writes_cosign_format() {
        let key = PrivateKey::generate();
        let pem = encrypt(&key, b"s3cret");
        assert!(pem.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"));
        assert!(pem.ends_with("-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n"));
        assert!(!pem.contains('\r'));
        assert!(pem.lines().all(|l| l.len() <= 64 || l.starts_with("-----")));
        let (_, body) = pem_decode(&pem, "k").unwrap();
        let json = String::from_utf8(body).unwrap();
        assert!(
            json.starts_with(
                r#"{"kdf":{"name":"scrypt","params":{"N":65536,"r":8,"p":1},"salt":""#
            ),
            "{json}"
        );
        assert!(json.contains(r#""cipher":{"name":"nacl/secretbox","nonce":""#));
        let back = decrypt(&pem, b"s3cret", "k").unwrap();
        assert_eq!(back.public_key(), key.public_key());
        assert!(matches!(
            decrypt(&pem, b"wrong", "k"),
            Err(KeyError::WrongPassword { .. })
        ));
        // Fresh salt and nonce every time.
        assert_ne!(encrypt(&key, b"s3cret"), pem);
    }

    #[test]
    fn loads_cosign_test_vectors() {
        for (file, password) in [
            ("cosign-keys/cosign-label-N32768.key", "hello"),
            ("cosign-keys/sigstore-label-N32768.key", "hello"),
            (
                "sigstore-rs-keys/cosign_generated_encrypted_empty_private.key",
                "",
            ),
        ] {
            let key = decrypt(&vector(file), password.as_bytes(), file)
                .unwrap_or_else(|e| panic!("{file}: {e}"));
            let digest = [7u8; 32];
            assert!(key
                .public_key()
                .verify_digest(&digest, &key.sign_digest(&digest)));
            assert!(matches!(
                decrypt(&vector(file), b"not-the-password", file),
                Err(KeyError::WrongPassword { .. })
            ));
        }
    }

    #[test]
    fn rejects_sec1_key_vector() {
        let err = decrypt(
            &vector("cosign-keys/rejected-ec-key.key"),
            b"hello",
            "ec.key",
        )
        .unwrap_err();
        assert!(matches!(err, KeyError::Sec1 { .. }), "{err:?}");
        assert!(err.to_string().contains("SEC1"), "{err}");
    }

    fn reencode(pem: &str, edit: impl FnOnce(&mut serde_json::Value)) -> String {
        let (label, body) = pem_decode(pem, "k").unwrap();
        let mut json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        edit(&mut json);
        pem_encode(&label, &serde_json::to_vec(&json).unwrap())
    }

    #[test]
    fn refuses_unsupported_parameters_and_corruption() {
        let pem = vector("cosign-keys/sigstore-label-N32768.key");
        let n1024 = reencode(&pem, |j| j["kdf"]["params"]["N"] = 1024.into());
        let err = decrypt(&n1024, b"hello", "k").unwrap_err();
        assert!(
            matches!(err, KeyError::UnsupportedKdf { .. }) && err.to_string().contains("N=1024"),
            "{err}"
        );
        let r16 = reencode(&pem, |j| j["kdf"]["params"]["r"] = 16.into());
        assert!(matches!(
            decrypt(&r16, b"hello", "k"),
            Err(KeyError::UnsupportedKdf { .. })
        ));
        let argon = reencode(&pem, |j| j["kdf"]["name"] = "argon2".into());
        assert!(matches!(
            decrypt(&argon, b"hello", "k"),
            Err(KeyError::UnsupportedKdf { .. })
        ));
        let aes = reencode(&pem, |j| j["cipher"]["name"] = "aes-gcm".into());
        assert!(matches!(
            decrypt(&aes, b"hello", "k"),
            Err(KeyError::UnsupportedCipher { .. })
        ));
        let truncated = &pem[..pem.len() - 60];
        assert!(matches!(
            decrypt(truncated, b"hello", "k"),
            Err(KeyError::NotPem { .. })
        ));
        let garbled = pem.replacen("eyJ", "!!!", 1);
        assert!(matches!(
            decrypt(&garbled, b"hello", "k"),
            Err(KeyError::NotPem { .. })
        ));
        let not_json = pem_encode(SIGSTORE_LABEL, b"{\"kdf\":");
        assert!(matches!(
            decrypt(&not_json, b"hello", "k"),
            Err(KeyError::CorruptEnvelope { .. })
        ));
        let plain = pem_encode("PRIVATE KEY", b"x");
        assert!(matches!(
            decrypt(&plain, b"hello", "k"),
            Err(KeyError::UnexpectedLabel { .. })
        ));
    }

    #[test]
    fn refuses_non_p256_pkcs8() {
        // A P-384 PKCS#8 key (openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384).
        let p384 = "MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDDrlv10Tx2so12lioUYCyL/CZ/vEJiiVnEIOf9vUS47nV8Q\
                    7wUb3kICJnZ3AvKaV3ahZANiAASO88xDy+W+uY5OSb+wrKQYUQkWZ2hCnvf40QlabNMG7bxBEe+xjwQDpZblbE/c\
                    la7o0mw7rRIAXYRKMA0tisKI+KFhXxyOgrV7nLCKkqRCis3XFr5EwpjvVJOuANV99ks=";
        let ed25519 = B64
            .decode("MC4CAQAwBQYDK2VwBCIEIJQMVnwf3p6O+GTf7mokn1lcoGo0QpetcagbtDmUfywv")
            .unwrap();
        let err = parse_pkcs8(&ed25519, "k").unwrap_err();
        assert!(err.to_string().contains("Ed25519"), "{err}");
        let der = B64.decode(p384).unwrap();
        let err = parse_pkcs8(&der, "k").unwrap_err();
        assert!(matches!(err, KeyError::NotP256 { .. }), "{err:?}");
        assert!(err.to_string().contains("P-384"), "{err}");
    }
}
