//! Sign-then-verify round trips on a small dist, and each kind of tampering `verify_dist` reports.

use std::collections::BTreeMap;
use std::path::Path;

use sha2::{Digest as _, Sha256};

use super::*;
use crate::config::sign::SignArtifacts;
use crate::manifest::{
    parse_checksums, render_checksums, Artifact, ArtifactKind, Manifest, SCHEMA_VERSION,
};
use crate::sign::bundle::SignatureError;
use crate::sign::keys::PrivateKey;
use crate::sign::SignError;

/// A small dist: two archives, a binary and a checksums file listing the archives.
fn make_dist(dir: &Path) {
    let files: [(&str, ArtifactKind, &[u8]); 3] = [
        (
            "hello_1.0.0_linux_amd64.tar.gz",
            ArtifactKind::Archive,
            b"archive one",
        ),
        (
            "hello_1.0.0_darwin_arm64.zip",
            ArtifactKind::Archive,
            b"archive two",
        ),
        (
            "hello_linux_amd64/hello",
            ArtifactKind::Binary,
            b"\x7fELF binary",
        ),
    ];
    let mut artifacts = Vec::new();
    for (path, kind, bytes) in files {
        let full = dir.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(&full, bytes).unwrap();
        artifacts.push(Artifact {
            name: Path::new(path)
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .into(),
            path: path.into(),
            kind,
            os: None,
            arch: None,
            variant: None,
            target: None,
            sha256: crate::fsutil::hex(&Sha256::digest(bytes)),
            size: bytes.len() as u64,
            signs: None,
            build: None,
            extra: BTreeMap::new(),
        });
    }
    let checksums = render_checksums(
        artifacts
            .iter()
            .filter(|a| a.kind == ArtifactKind::Archive)
            .map(|a| (a.name.as_str(), a.sha256.as_str())),
    );
    let name = "hello_1.0.0_checksums.txt";
    std::fs::write(dir.join(name), &checksums).unwrap();
    artifacts.push(Artifact {
        name: name.into(),
        path: name.into(),
        kind: ArtifactKind::Checksums,
        os: None,
        arch: None,
        variant: None,
        target: None,
        sha256: crate::fsutil::hex(&Sha256::digest(checksums.as_bytes())),
        size: checksums.len() as u64,
        signs: None,
        build: None,
        extra: BTreeMap::new(),
    });
    let mut m = Manifest {
        schema_version: SCHEMA_VERSION,
        project: "hello".into(),
        version: "1.0.0".into(),
        tag: Some("v1.0.0".into()),
        previous_tag: None,
        commit: "0".repeat(40),
        commit_time: "2026-01-02T03:04:05Z".into(),
        snapshot: false,
        targets: vec![],
        shard: None,
        build_facts: None,
        artifacts,
    };
    m.write(dir).unwrap();
}

fn quiet(_: SignEvent) {}

/// `verify_dist` of `dist` with `key`'s public key, quietly; panics on an error.
fn verify(
    dist: &Path,
    key: &PrivateKey,
    names: &[String],
    expected: SignArtifacts,
) -> VerifyReport {
    verify_dist(dist, &key.public_key(), names, expected, &quiet).unwrap()
}

#[test]
fn default_selection_signs_checksums_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    make_dist(dir.path());
    let key = PrivateKey::generate();
    let report = sign_dist(dir.path(), &key, SignArtifacts::Checksums, &quiet).unwrap();
    assert_eq!(report.signed, ["hello_1.0.0_checksums.txt"]);
    assert_eq!(report.checksums_updated, None);
    let m = Manifest::read(dir.path()).unwrap();
    let sig = m.artifact("hello_1.0.0_checksums.txt.sig").unwrap();
    assert_eq!(sig.kind, ArtifactKind::Signature);
    assert_eq!(sig.signs.as_deref(), Some("hello_1.0.0_checksums.txt"));
    assert_eq!(
        m.artifact("hello_1.0.0_checksums.txt.sigstore.json")
            .unwrap()
            .kind,
        ArtifactKind::Bundle
    );
    let v = verify(dir.path(), &key, &[], SignArtifacts::Checksums);
    assert!(v.ok(), "{:?}", v.problems);
    assert_eq!(v.checked.len(), 6);
    // The binary is neither in the checksums file nor signed: fine unless binaries must be.
    let v = verify(dir.path(), &key, &[], SignArtifacts::Binaries);
    assert_eq!(v.problems, [("hello".to_string(), Problem::Unsigned)]);
    let v = verify(
        dir.path(),
        &key,
        &["hello_1.0.0_linux_amd64.tar.gz".into()],
        SignArtifacts::Checksums,
    );
    assert!(v.ok(), "{:?}", v.problems);
}

#[test]
fn all_selection_lists_signatures_in_checksums_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    make_dist(dir.path());
    let key = PrivateKey::generate();
    let report = sign_dist(dir.path(), &key, SignArtifacts::All, &quiet).unwrap();
    assert_eq!(report.signed.len(), 4);
    assert_eq!(report.written.len(), 8);
    assert_eq!(
        report.checksums_updated.as_deref(),
        Some("hello_1.0.0_checksums.txt")
    );
    let text = std::fs::read_to_string(dir.path().join("hello_1.0.0_checksums.txt")).unwrap();
    let rows = parse_checksums(&text).unwrap();
    assert!(rows.contains_key("hello_1.0.0_darwin_arm64.zip.sigstore.json"));
    assert!(
        !rows.contains_key("hello.sig"),
        "the binary is not listed, nor its signature"
    );
    assert!(!rows
        .keys()
        .any(|k| k.starts_with("hello_1.0.0_checksums.txt.")));
    let manifest_before = std::fs::read(dir.path().join("manifest.json")).unwrap();
    let v = verify(dir.path(), &key, &[], SignArtifacts::All);
    assert!(v.ok(), "{:?}", v.problems);
    assert_eq!(v.valid_signatures.len(), 8);
    sign_dist(dir.path(), &key, SignArtifacts::All, &quiet).unwrap();
    assert_eq!(
        std::fs::read(dir.path().join("manifest.json")).unwrap(),
        manifest_before
    );
}

#[test]
fn refuses_to_sign_modified_files_and_empty_selection() {
    let dir = tempfile::tempdir().unwrap();
    make_dist(dir.path());
    std::fs::write(dir.path().join("hello_1.0.0_darwin_arm64.zip"), b"evil").unwrap();
    let key = PrivateKey::generate();
    let err = sign_dist(dir.path(), &key, SignArtifacts::Archives, &quiet).unwrap_err();
    assert!(
        matches!(err, SignError::Modified { ref name, .. } if name == "hello_1.0.0_darwin_arm64.zip"),
        "{err}"
    );
    // Nothing half-written: the manifest is untouched.
    assert!(Manifest::read(dir.path())
        .unwrap()
        .by_kind(ArtifactKind::Signature)
        .next()
        .is_none());
    let mut m = Manifest::read(dir.path()).unwrap();
    m.artifacts.retain(|a| a.kind != ArtifactKind::Binary);
    m.write(dir.path()).unwrap();
    assert!(matches!(
        sign_dist(dir.path(), &key, SignArtifacts::Binaries, &quiet),
        Err(SignError::NothingToSign { .. })
    ));
}

#[test]
fn verify_reports_each_kind_of_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    make_dist(d);
    let key = PrivateKey::generate();
    sign_dist(d, &key, SignArtifacts::All, &quiet).unwrap();
    // Flip a byte in an archive.
    let zip = d.join("hello_1.0.0_darwin_arm64.zip");
    let mut bytes = std::fs::read(&zip).unwrap();
    bytes[0] ^= 1;
    std::fs::write(&zip, bytes).unwrap();
    // Swap a signature for another artifact's.
    std::fs::copy(
        d.join("hello_linux_amd64/hello.sig"),
        d.join("hello_1.0.0_linux_amd64.tar.gz.sig"),
    )
    .unwrap();
    // Truncate a bundle.
    let bundle = d.join("hello_linux_amd64/hello.sigstore.json");
    let text = std::fs::read(&bundle).unwrap();
    std::fs::write(&bundle, &text[..text.len() / 2]).unwrap();
    let v = verify(d, &key, &[], SignArtifacts::All);
    let by_name: BTreeMap<_, _> = v.problems.iter().cloned().collect();
    assert!(
        matches!(
            by_name["hello_1.0.0_darwin_arm64.zip"],
            Problem::DigestMismatch { .. }
        ),
        "{by_name:?}"
    );
    assert!(matches!(
        by_name["hello_1.0.0_linux_amd64.tar.gz.sig"],
        Problem::BadSignature {
            error: SignatureError::Invalid,
            ..
        }
    ));
    assert!(matches!(
        by_name["hello.sigstore.json"],
        Problem::BadSignature {
            error: SignatureError::BundleParse(_),
            ..
        }
    ));
    assert_eq!(by_name.len(), 3, "{by_name:?}");
    // A wrong key: every signature fails, bundles say which key signed them.
    let v = verify_dist(
        d,
        &PrivateKey::generate().public_key(),
        &["hello_1.0.0_checksums.txt".into()],
        SignArtifacts::All,
        &quiet,
    )
    .unwrap();
    let by_name: BTreeMap<_, _> = v.problems.iter().cloned().collect();
    assert!(matches!(
        by_name["hello_1.0.0_checksums.txt.sigstore.json"],
        Problem::BadSignature {
            error: SignatureError::WrongKey { .. },
            ..
        }
    ));
    assert_eq!(by_name["hello_1.0.0_checksums.txt"], Problem::Unsigned);
    assert!(matches!(
        verify_dist(
            d,
            &key.public_key(),
            &["nope".into()],
            SignArtifacts::All,
            &quiet
        ),
        Err(SignError::UnknownArtifact(_))
    ));
}

#[test]
fn decrypting_while_hashing_signs_or_reports_the_key_error_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    make_dist(dir.path());
    let key = PrivateKey::generate();
    let pem = crate::sign::keyfile::encrypt(&key, b"right");
    let manifest_before = std::fs::read(dir.path().join("manifest.json")).unwrap();
    let err = sign_dist_decrypting(
        dir.path(),
        || crate::sign::keyfile::decrypt(&pem, b"wrong", "cosign.key"),
        SignArtifacts::All,
        &quiet,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            SignError::Key(crate::sign::KeyError::WrongPassword { .. })
        ),
        "{err}"
    );
    assert_eq!(
        std::fs::read(dir.path().join("manifest.json")).unwrap(),
        manifest_before
    );
    assert!(!dir.path().join("hello_1.0.0_darwin_arm64.zip.sig").exists());

    let (report, used) = sign_dist_decrypting(
        dir.path(),
        || crate::sign::keyfile::decrypt(&pem, b"right", "cosign.key"),
        SignArtifacts::All,
        &quiet,
    )
    .unwrap();
    assert_eq!(used.public_key(), key.public_key());
    assert_eq!(report.written.len(), 8);
    let v = verify(dir.path(), &key, &[], SignArtifacts::All);
    assert!(v.ok(), "{:?}", v.problems);
}
