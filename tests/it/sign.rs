//! `tug keys generate`, `tug sign`, `tug verify` end to end, checked by tools that share no code
//! with tug: openssl (signatures, public key derivation), Python hashlib.scrypt + PyNaCl (the
//! encrypted key file), @sigstore/verify (bundles), sha256sum (the checksums file), and the
//! cosign/Sigstore test vectors in tests/testdata/cosign. Install the checkers with
//! scripts/install-test-deps.sh; the tests that run them are gated on the `test-checkers` feature.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use tug::manifest::ArtifactKind;

use crate::harness::*;

const PASSWORD: &str = "correct horse battery staple";

/// The cosign vectors, kept in the repository (origin and licence in its README).
fn testdata() -> PathBuf {
    repo_root().join("tests/testdata/cosign")
}

#[cfg(feature = "test-checkers")]
fn checkers() -> PathBuf {
    repo_root().join("tests/checkers")
}

/// `tug` in `dir` with the test password and no terminal.
fn tug_pw(dir: &Path) -> Command {
    tug_with_password(dir, PASSWORD)
}

/// A project with a small dist: two archives, a binary and a checksums file (what `tug build`
/// writes; built by hand here so this area does not depend on the Go toolchain).
fn project() -> tempfile::TempDir {
    let dir = tempdir();
    let dist = dir.path().join("dist");
    let files: [(&str, ArtifactKind, &[u8]); 3] = [
        (
            "hello_1.0.0_linux_amd64.tar.gz",
            ArtifactKind::Archive,
            b"pretend this is a tarball\n",
        ),
        (
            "hello_1.0.0_windows_amd64.zip",
            ArtifactKind::Archive,
            b"pretend this is a zip file\n",
        ),
        (
            "hello_linux_amd64/hello",
            ArtifactKind::Binary,
            b"\x7fELF pretend binary\n",
        ),
    ];
    let mut artifacts = Vec::new();
    for (path, kind, bytes) in files {
        let name = Path::new(path).file_name().unwrap().to_str().unwrap();
        artifacts.push(write_artifact(&dist, name, path, kind, bytes));
    }
    artifacts.push(write_checksums(
        &dist,
        "hello_1.0.0_checksums.txt",
        artifacts.iter().filter(|a| a.kind == ArtifactKind::Archive),
    ));
    let mut m = manifest(
        "hello",
        "1.0.0",
        &["linux/amd64", "windows/amd64"],
        artifacts,
    );
    m.write(&dist).unwrap();
    dir
}

fn generate_keys(dir: &Path, prefix: &str) {
    ok(tug_pw(dir).args(["keys", "generate", "--output-prefix", prefix]));
}

fn hint(pub_pem: &Path) -> String {
    tug::sign::PublicKey::from_pem(&std::fs::read_to_string(pub_pem).unwrap(), "pub")
        .unwrap()
        .hint()
}

/// Snapshot text with the temp dir and the (random) key hints redacted.
fn snap(out: &Outcome, dir: &Path, keys: &[(&Path, &str)]) -> String {
    let mut text = out.snapshot(&[(dir, "[TMP]")]);
    for (pem, label) in keys {
        text = text.replace(&hint(pem), label);
    }
    assert!(
        !text.contains(PASSWORD),
        "the password leaked into the output"
    );
    text
}

#[cfg(feature = "test-checkers")]
fn openssl_verify(public: &Path, sig_file: &Path, artifact: &Path) -> Outcome {
    use base64::Engine as _;
    let der = base64::engine::general_purpose::STANDARD
        .decode(std::fs::read(sig_file).unwrap())
        .unwrap();
    let der_path = sig_file.with_extension("der-for-openssl");
    std::fs::write(&der_path, der).unwrap();
    let out = run(Command::new("openssl")
        .args(["dgst", "-sha256", "-verify"])
        .arg(public)
        .arg("-signature")
        .arg(&der_path)
        .arg(artifact));
    std::fs::remove_file(der_path).unwrap();
    out
}

#[cfg(feature = "test-checkers")]
fn node_verify(bundle: &Path, artifact: &Path, public: &Path) -> Outcome {
    run(Command::new("node")
        .arg(checkers().join("sigstore-verify/verify-bundle.js"))
        .args([bundle, artifact, public]))
}

#[test]
#[cfg(feature = "test-checkers")]
fn keys_generate_writes_a_cosign_key_pair() {
    let dir = tempdir();
    let d = dir.path();
    let out = run(tug_pw(d).args(["keys", "generate"]));
    assert_eq!(out.code, 0, "{out:?}");
    let public = std::fs::read_to_string(d.join("cosign.pub")).unwrap();
    assert_eq!(out.stdout, public, "stdout is the public key");
    let stderr = out
        .snapshot(&[(d, "[TMP]")])
        .split("--- stderr\n")
        .nth(1)
        .unwrap()
        .to_string();
    insta::assert_snapshot!(stderr, @r"
       Generated cosign.key (private, encrypted, mode 0600)
       Generated cosign.pub (public)
    ");
    use std::os::unix::fs::PermissionsExt;
    let mode = |f: &str| std::fs::metadata(d.join(f)).unwrap().permissions().mode() & 0o777;
    assert_eq!((mode("cosign.key"), mode("cosign.pub")), (0o600, 0o644));

    // Python (hashlib.scrypt + PyNaCl) decrypts it and finds PKCS#8 P-256 ...
    let der = d.join("key.der");
    let py = run(Command::new(venv_python())
        .arg(checkers().join("decrypt_cosign_key.py"))
        .arg(d.join("cosign.key"))
        .arg(&der)
        .env("COSIGN_PASSWORD", PASSWORD));
    assert_eq!(py.code, 0, "{py:?}");
    assert_eq!(py.stdout, "PKCS#8 P-256 key, scrypt N=65536 r=8 p=1\n");
    // ... and openssl derives from it a public key byte-identical to cosign.pub.
    let derived = run(Command::new("openssl")
        .args(["pkey", "-inform", "DER", "-pubout", "-in"])
        .arg(&der));
    assert_eq!(derived.code, 0, "{derived:?}");
    assert_eq!(derived.stdout, public);
    // The wrong password does not decrypt it.
    let py = run(Command::new(venv_python())
        .arg(checkers().join("decrypt_cosign_key.py"))
        .arg(d.join("cosign.key"))
        .arg(&der)
        .env("COSIGN_PASSWORD", "nope"));
    assert_eq!(py.code, 1);

    // Never overwritten without --force.
    let again = run(tug_pw(d).args(["keys", "generate"]));
    insta::assert_snapshot!(again.snapshot(&[(d, "[TMP]")]), @r"
    exit: 2
    --- stdout
    --- stderr
    error: [TMP]/cosign.key already exists
    hint: pass --force to overwrite it, or --output-prefix to write elsewhere
    ");
    assert_eq!(
        std::fs::read_to_string(d.join("cosign.pub")).unwrap(),
        public
    );
    ok(tug_pw(d).args(["keys", "generate", "--force"]));
    assert_ne!(
        std::fs::read_to_string(d.join("cosign.pub")).unwrap(),
        public
    );
}

#[test]
fn no_password_and_no_terminal_is_a_clear_error() {
    let dir = tempdir();
    let out = run(tug(dir.path())
        .args(["keys", "generate"])
        .env_remove("COSIGN_PASSWORD")
        .stdin(Stdio::null()));
    insta::assert_snapshot!(out.snapshot(&[(dir.path(), "[TMP]")]), @r"
    exit: 2
    --- stdout
    --- stderr
    error: no password for the signing key: COSIGN_PASSWORD is not set and there is no terminal to ask on
    hint: set COSIGN_PASSWORD (an empty value means no password), or sign.password: env://VAR
    ");
    assert!(!dir.path().join("cosign.key").exists());
}

#[test]
fn keys_generate_asks_for_the_password_twice_on_the_terminal() {
    let dir = tempdir();
    let d = dir.path();
    let mut cmd = tug(d);
    cmd.args(["keys", "generate"]).env_remove("COSIGN_PASSWORD");
    let out = run_in_pty(&cmd, "typed secret\ntyped secret\n");
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("Enter password for private key: ")
            && out
                .stdout
                .contains("Enter password for private key again: "),
        "{out:?}"
    );
    // The key is encrypted with what was typed (without the newline), and only with that.
    let sign = |password: &str| {
        let project = project();
        std::fs::copy(d.join("cosign.key"), project.path().join("cosign.key")).unwrap();
        run(tug(project.path())
            .arg("sign")
            .env("COSIGN_PASSWORD", password)
            .stdin(Stdio::null()))
    };
    assert_eq!(sign("typed secret").code, 0);
    let wrong = sign("typed secret\n");
    assert_eq!(wrong.code, 2, "{wrong:?}");
    assert!(wrong.stderr.contains("wrong password"), "{wrong:?}");

    // Two different answers: a usage error, and no key written.
    let dir = tempdir();
    let mut cmd = tug(dir.path());
    cmd.args(["keys", "generate"]).env_remove("COSIGN_PASSWORD");
    let out = run_in_pty(&cmd, "one\ntwo\n");
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stdout.contains("error: the passwords do not match"),
        "{out:?}"
    );
    assert!(!dir.path().join("cosign.key").exists());
    assert!(!dir.path().join("cosign.pub").exists());
}

#[test]
#[cfg(feature = "test-checkers")]
fn sign_all_is_accepted_by_openssl_sigstore_js_and_sha256sum() {
    let dir = project();
    let d = dir.path();
    generate_keys(d, "cosign");
    let out = run(tug_pw(d).args(["sign", "--artifacts", "all"]));
    insta::assert_snapshot!(snap(&out, d, &[(&d.join("cosign.pub"), "[HINT]")]), @r"
    exit: 0
    --- stdout
    --- stderr
          Signed hello
          Signed hello_1.0.0_checksums.txt
          Signed hello_1.0.0_linux_amd64.tar.gz
          Signed hello_1.0.0_windows_amd64.zip
         Updated hello_1.0.0_checksums.txt (lists the new signatures)
        Finished 4 artifact(s) signed with [TMP]/cosign.key (key hint [HINT]); 8 file(s) written
    ");
    let dist = d.join("dist");
    let public = d.join("cosign.pub");
    for artifact in [
        "hello_1.0.0_linux_amd64.tar.gz",
        "hello_1.0.0_windows_amd64.zip",
        "hello_linux_amd64/hello",
        "hello_1.0.0_checksums.txt",
    ] {
        let file = dist.join(artifact);
        let sig = dist.join(format!("{artifact}.sig"));
        assert!(
            !std::fs::read(&sig).unwrap().ends_with(b"\n"),
            "no trailing newline in .sig"
        );
        let o = openssl_verify(&public, &sig, &file);
        assert_eq!(
            (o.code, o.stdout.as_str()),
            (0, "Verified OK\n"),
            "{artifact}: {o:?}"
        );
        let n = node_verify(
            &dist.join(format!("{artifact}.sigstore.json")),
            &file,
            &public,
        );
        assert_eq!(
            (n.code, n.stdout.as_str()),
            (0, "verified\n"),
            "{artifact}: {n:?}"
        );
    }
    // One changed byte: @sigstore/verify and openssl reject.
    let changed = d.join("changed.tar.gz");
    let mut bytes = std::fs::read(dist.join("hello_1.0.0_linux_amd64.tar.gz")).unwrap();
    bytes[3] ^= 0x20;
    std::fs::write(&changed, bytes).unwrap();
    let n = node_verify(
        &dist.join("hello_1.0.0_linux_amd64.tar.gz.sigstore.json"),
        &changed,
        &public,
    );
    assert_eq!(n.code, 1, "{n:?}");
    let sig = dist.join("hello_1.0.0_linux_amd64.tar.gz.sig");
    assert_eq!(
        openssl_verify(&public, &sig, &changed).stdout,
        "Verification failure\n"
    );

    // The checksums file lists the signatures and bundles (but not its own) and sha256sum agrees.
    let sums = run(Command::new("sha256sum")
        .args(["-c", "--strict", "hello_1.0.0_checksums.txt"])
        .current_dir(&dist));
    assert_eq!(sums.code, 0, "{sums:?}");
    insta::assert_snapshot!(sums.stdout, @r"
    hello_1.0.0_linux_amd64.tar.gz: OK
    hello_1.0.0_linux_amd64.tar.gz.sig: OK
    hello_1.0.0_linux_amd64.tar.gz.sigstore.json: OK
    hello_1.0.0_windows_amd64.zip: OK
    hello_1.0.0_windows_amd64.zip.sig: OK
    hello_1.0.0_windows_amd64.zip.sigstore.json: OK
    ");

    // Recorded in the manifest.
    let manifest = tug::manifest::Manifest::read(&dist).unwrap();
    let bundle = manifest
        .artifact("hello_1.0.0_checksums.txt.sigstore.json")
        .unwrap();
    assert_eq!(
        (bundle.kind, bundle.signs.as_deref()),
        (ArtifactKind::Bundle, Some("hello_1.0.0_checksums.txt"))
    );
    assert_eq!(bundle.path, "hello_1.0.0_checksums.txt.sigstore.json");
    assert_eq!(manifest.by_kind(ArtifactKind::Signature).count(), 4);

    let out = run(tug(d).args(["verify"]));
    insta::assert_snapshot!(snap(&out, d, &[(&public, "[HINT]")]), @r"
    exit: 0
    --- stdout
    --- stderr
        Verified 12 artifact(s), 8 signature(s) with [TMP]/cosign.pub (key hint [HINT])
    ");
    // Re-signing is idempotent: identical bytes.
    let before = std::fs::read(dist.join("manifest.json")).unwrap();
    ok(tug_pw(d).args(["sign", "--artifacts", "all"]));
    assert_eq!(std::fs::read(dist.join("manifest.json")).unwrap(), before);
}

/// A signed dist (default selection: the checksums file) for the tamper tests.
fn signed_project(artifacts: &str) -> tempfile::TempDir {
    let dir = project();
    generate_keys(dir.path(), "cosign");
    ok(tug_pw(dir.path()).args(["sign", "--artifacts", artifacts]));
    dir
}

#[test]
fn tampering_is_reported_by_name() {
    // A flipped byte in an archive (only the checksums file is signed).
    let dir = signed_project("checksums");
    let d = dir.path();
    let pubkey = d.join("cosign.pub");
    let zip = d.join("dist/hello_1.0.0_windows_amd64.zip");
    let mut bytes = std::fs::read(&zip).unwrap();
    bytes[0] ^= 1;
    std::fs::write(&zip, bytes).unwrap();
    let out = run(tug(d).args(["verify"]));
    insta::assert_snapshot!(snap(&out, d, &[(&pubkey, "[HINT]")]), @r"
    exit: 1
    --- stdout
    FAIL  hello_1.0.0_windows_amd64.zip: tampered: sha256 is c7aa75c9d5903c09f568573084d2e3661e769c534ef1bc703039789e42f81591, the manifest recorded c466cb268478fa2449f68f3d6a9eba807a036ccf1f82ea7287227ed3a3170d8d
    --- stderr
    error: verification failed: 1 problem(s) in [TMP]/dist
    hint: rebuild and re-sign the release, or fetch it again from where it was published
    ");
    // Only the archive when named.
    let out = run(tug(d).args(["verify", "hello_1.0.0_linux_amd64.tar.gz"]));
    assert_eq!(out.code, 0, "{out:?}");

    // A swapped signature, a truncated bundle, a wrong public key.
    let dir = signed_project("archives");
    let d = dir.path();
    let dist = d.join("dist");
    std::fs::copy(
        dist.join("hello_1.0.0_windows_amd64.zip.sig"),
        dist.join("hello_1.0.0_linux_amd64.tar.gz.sig"),
    )
    .unwrap();
    let bundle = dist.join("hello_1.0.0_windows_amd64.zip.sigstore.json");
    let text = std::fs::read(&bundle).unwrap();
    std::fs::write(&bundle, &text[..100]).unwrap();
    let out = run(tug(d).args([
        "verify",
        "hello_1.0.0_linux_amd64.tar.gz",
        "hello_1.0.0_windows_amd64.zip",
    ]));
    insta::assert_snapshot!(snap(&out, d, &[]), @r"
    exit: 1
    --- stdout
    FAIL  hello_1.0.0_linux_amd64.tar.gz.sig: does not verify hello_1.0.0_linux_amd64.tar.gz: the signature does not verify with the public key (wrong key, or not this artifact's signature)
    FAIL  hello_1.0.0_windows_amd64.zip.sigstore.json: does not verify hello_1.0.0_windows_amd64.zip: not a valid Sigstore bundle: EOF while parsing a string at line 4 column 6
    --- stderr
    error: verification failed: 2 problem(s) in [TMP]/dist
    hint: rebuild and re-sign the release, or fetch it again from where it was published
    ");

    generate_keys(d, "other");
    let out = run(tug(d).args([
        "verify",
        "--key",
        "other.pub",
        "hello_1.0.0_windows_amd64.zip",
    ]));
    let keys = [(d.join("cosign.pub")), d.join("other.pub")];
    let text = snap(&out, d, &[(&keys[0], "[SIGNER]"), (&keys[1], "[OTHER]")]);
    insta::assert_snapshot!(text, @r"
    exit: 1
    --- stdout
    FAIL  hello_1.0.0_windows_amd64.zip: unsigned: no valid signature or bundle, and not listed in a signed checksums file
    FAIL  hello_1.0.0_windows_amd64.zip.sig: does not verify hello_1.0.0_windows_amd64.zip: the signature does not verify with the public key (wrong key, or not this artifact's signature)
    FAIL  hello_1.0.0_windows_amd64.zip.sigstore.json: does not verify hello_1.0.0_windows_amd64.zip: not a valid Sigstore bundle: EOF while parsing a string at line 4 column 6
    --- stderr
    error: verification failed: 3 problem(s) in [TMP]/dist
    hint: rebuild and re-sign the release, or fetch it again from where it was published
    ");
    let out = run(tug(d).args([
        "verify",
        "--key",
        "other.pub",
        "hello_1.0.0_linux_amd64.tar.gz",
    ]));
    let text = snap(&out, d, &[(&keys[0], "[SIGNER]"), (&keys[1], "[OTHER]")]);
    assert!(
        text.contains(
            "signed by another key (hint [SIGNER]), not by this public key (hint [OTHER])"
        ),
        "{text}"
    );
}

#[test]
fn wrong_password_and_bad_keys_fail_cleanly() {
    let dir = project();
    let d = dir.path();
    generate_keys(d, "cosign");
    let out = run(tug(d)
        .args(["sign"])
        .env("COSIGN_PASSWORD", "wrong")
        .stdin(Stdio::null()));
    insta::assert_snapshot!(out.snapshot(&[(d, "[TMP]")]), @r"
    exit: 2
    --- stdout
    --- stderr
    error: wrong password for [TMP]/cosign.key (the key could not be decrypted)
    hint: set COSIGN_PASSWORD (or sign.password) to the password the key was created with
    ");
    assert!(
        !d.join("dist/hello_1.0.0_checksums.txt.sig").exists(),
        "nothing written"
    );

    // cosign's SEC1 key is refused, as cosign refuses it.
    let sec1 = testdata().join("cosign-keys/rejected-ec-key.key");
    let out = run(tug(d)
        .args(["sign", "--key"])
        .arg(&sec1)
        .env("COSIGN_PASSWORD", "hello")
        .stdin(Stdio::null()));
    let text = out.snapshot(&[(&testdata(), "[VECTORS]")]);
    insta::assert_snapshot!(text, @r"
    exit: 2
    --- stdout
    --- stderr
    error: [VECTORS]/cosign-keys/rejected-ec-key.key holds a SEC1 (EC PRIVATE KEY) key; cosign key files hold a PKCS#8 key
    hint: import it with `cosign import-key-pair --key KEY.pem`, which writes a cosign.key tug can read
    ");

    // A truncated key file.
    let pem = std::fs::read_to_string(d.join("cosign.key")).unwrap();
    std::fs::write(d.join("cut.key"), &pem[..pem.len() / 2]).unwrap();
    let out = run(tug_pw(d).args(["sign", "--key", "cut.key"]));
    insta::assert_snapshot!(out.snapshot(&[(d, "[TMP]")]), @r"
    exit: 2
    --- stdout
    --- stderr
    error: [TMP]/cut.key is not a valid PEM key: no -----END ENCRYPTED SIGSTORE PRIVATE KEY----- line (truncated?)
    hint: the key file is damaged or truncated; restore it from where it was generated
    ");
}

#[test]
fn loads_cosign_keys_from_files_env_and_config() {
    let vectors = testdata();
    for (key, password) in [
        ("cosign-keys/cosign-label-N32768.key", "hello"),
        ("cosign-keys/sigstore-label-N32768.key", "hello"),
        (
            "sigstore-rs-keys/cosign_generated_encrypted_empty_private.key",
            "",
        ),
    ] {
        let dir = project();
        let out = run(tug(dir.path())
            .args(["sign", "--key"])
            .arg(vectors.join(key))
            .env("COSIGN_PASSWORD", password)
            .stdin(Stdio::null()));
        assert_eq!(out.code, 0, "{key}: {out:?}");
    }

    // env://VAR holding the PEM, chosen by tug.yaml, with the password from another variable.
    let dir = project();
    let d = dir.path();
    generate_keys(d, "ci");
    std::fs::write(
        d.join("tug.yaml"),
        "version: 1\nsign:\n  key: env://TUG_SIGNING_KEY\n  password: env://TUG_KEY_PASSWORD\n  \
         public_key: ci.pub\n  artifacts: archives\n",
    )
    .unwrap();
    let pem = std::fs::read_to_string(d.join("ci.key")).unwrap();
    std::fs::remove_file(d.join("ci.key")).unwrap();
    let out = run(tug(d)
        .arg("sign")
        .env("TUG_SIGNING_KEY", &pem)
        .env("TUG_KEY_PASSWORD", PASSWORD)
        .env_remove("COSIGN_PASSWORD")
        .stdin(Stdio::null()));
    let text = snap(&out, d, &[(&d.join("ci.pub"), "[HINT]")]);
    assert!(
        !text.contains("PRIVATE KEY"),
        "the key leaked into the output"
    );
    insta::assert_snapshot!(text, @r"
    exit: 0
    --- stdout
    --- stderr
          Signed hello_1.0.0_linux_amd64.tar.gz
          Signed hello_1.0.0_windows_amd64.zip
        Finished 2 artifact(s) signed with env://TUG_SIGNING_KEY (key hint [HINT]); 4 file(s) written
    ");
    let out = run(tug(d).args(["verify", "hello_1.0.0_windows_amd64.zip"]));
    assert_eq!(out.code, 0, "{out:?}");
    let out = run(tug(d)
        .arg("sign")
        .env_remove("TUG_SIGNING_KEY")
        .stdin(Stdio::null()));
    insta::assert_snapshot!(out.snapshot(&[(d, "[TMP]")]), @r"
    exit: 2
    --- stdout
    --- stderr
    error: environment variable TUG_SIGNING_KEY is not set
    hint: export TUG_SIGNING_KEY with the PEM text of the key
    ");
}

#[test]
fn verifies_sigstore_conformance_bundles() {
    let conf = testdata().join("conformance");
    // The current directory tug sees is the real path (the checkout may be reached through a link).
    let real = conf.canonicalize().unwrap();
    let a = conf.join("a.txt");
    let case = |name: &str, key: Option<&str>| {
        let dir = conf.join(name);
        let mut cmd = tug(&conf);
        cmd.arg("verify");
        if let Some(key) = key {
            cmd.arg("--key").arg(dir.join(key));
        }
        let out = run(cmd
            .arg("--bundle")
            .arg(dir.join("bundle.sigstore.json"))
            .arg(&a));
        out.snapshot(&[(&conf, "[CONF]"), (&real, "[CONF]")])
    };
    insta::assert_snapshot!(case("managed-key-happy-path", Some("key.pub")), @r"
    exit: 0
    --- stdout
    --- stderr
        Verified [CONF]/a.txt with [CONF]/managed-key-happy-path/bundle.sigstore.json
    ");
    insta::assert_snapshot!(case("managed-key-and-trusted-root", Some("key.pub")), @r"
    exit: 0
    --- stdout
    --- stderr
        Verified [CONF]/a.txt with [CONF]/managed-key-and-trusted-root/bundle.sigstore.json
    ");
    insta::assert_snapshot!(case("managed-key-wrong-key_fail", Some("key.pub")), @r"
    exit: 2
    --- stdout
    --- stderr
    error: [CONF]/managed-key-wrong-key_fail/key.pub is not a valid PEM key: its base64 body is corrupt
      caused by: Invalid last symbol 121, offset 121.
    hint: the key file is damaged or truncated; restore it from where it was generated
    ");
    insta::assert_snapshot!(case("managed-key-no-key_fail", None), @r"
    exit: 2
    --- stdout
    --- stderr
    error: cannot read [CONF]/cosign.pub
      caused by: No such file or directory (os error 2)
    hint: create a key pair with `tug keys generate`, or point sign.key / --key at yours
    ");
    // The happy-path bundle over another file fails.
    let dir = tempdir();
    std::fs::write(dir.path().join("b.txt"), "not a.txt").unwrap();
    let out = run(tug(dir.path())
        .arg("verify")
        .arg("--key")
        .arg(conf.join("managed-key-happy-path/key.pub"))
        .arg("--bundle")
        .arg(conf.join("managed-key-happy-path/bundle.sigstore.json"))
        .arg("b.txt"));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout.contains("the bundle signs a different artifact"),
        "{out:?}"
    );
    // ... and over a.txt with a valid key that is not the signer's.
    generate_keys(dir.path(), "stranger");
    let out = run(tug(dir.path())
        .args(["verify", "--key", "stranger.pub", "--bundle"])
        .arg(conf.join("managed-key-happy-path/bundle.sigstore.json"))
        .arg(&a));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("the bundle was signed by another key (hint TLMsSDfG3ajPsWge+z/vX5T/zluXnmvbkTkwLIV68Tk=)"), "{out:?}");
}
