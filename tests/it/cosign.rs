//! The real cosign as the independent verifier and signer of tug's formats: `cosign verify-blob`
//! accepts what `tug sign` wrote (`.sig` and bundle), keys go both ways (`cosign
//! generate-key-pair` keys sign in tug, tug's keys sign in cosign), and `tug verify` accepts what
//! `cosign sign-blob` wrote. The image signatures are checked in `publish.rs` (they need the
//! registry). cosign is built from the Go module proxy by scripts/install-test-deps.sh at the
//! version pinned here; a missing cosign fails the test, never skips it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::harness::*;

/// The cosign release the tests run (also `cosign_version` in scripts/install-test-deps.sh).
pub const COSIGN_VERSION: &str = "v3.1.3";

/// The password of every key the cosign tests make.
pub const PASSWORD: &str = "cosign and tug agree";

/// The pinned cosign binary (under .tools/, where install-test-deps.sh builds it).
pub fn cosign_bin() -> PathBuf {
    let bin = repo_root().join(format!(".tools/cosign-{COSIGN_VERSION}/bin/cosign"));
    assert!(
        bin.is_file(),
        "{} is missing: run scripts/install-test-deps.sh (it builds cosign {COSIGN_VERSION})",
        bin.display()
    );
    bin
}

/// cosign in `dir` with the test environment (a temporary HOME: no TUF cache, no config).
pub fn cosign(dir: &Path) -> Command {
    let mut cmd = Command::new(cosign_bin());
    hermetic(&mut cmd)
        .current_dir(dir)
        .env("COSIGN_PASSWORD", PASSWORD)
        .stdin(Stdio::null());
    cmd
}

/// The blob formats (`.sig`, bundles) and keys, both ways; no registry needed.
#[cfg(feature = "test-checkers")]
mod blobs {
    use std::path::Path;
    use std::process::{Command, Stdio};

    use tug::manifest::ArtifactKind;

    use super::{cosign, COSIGN_VERSION, PASSWORD};
    use crate::harness::*;

    /// `tug` with the test password.
    fn tug_pw(dir: &Path) -> Command {
        tug_with_password(dir, PASSWORD)
    }

    /// A small dist: an archive, a binary and the checksums file.
    fn project() -> tempfile::TempDir {
        let dir = tempdir();
        let dist = dir.path().join("dist");
        let mut artifacts = vec![
            write_artifact(
                &dist,
                "hello_1.0.0_linux_amd64.tar.gz",
                "hello_1.0.0_linux_amd64.tar.gz",
                ArtifactKind::Archive,
                b"pretend this is a tarball\n",
            ),
            write_artifact(
                &dist,
                "hello",
                "hello_linux_amd64/hello",
                ArtifactKind::Binary,
                b"\x7fELF pretend binary\n",
            ),
        ];
        artifacts.push(write_checksums(
            &dist,
            "hello_1.0.0_checksums.txt",
            &artifacts,
        ));
        manifest("hello", "1.0.0", &["linux/amd64"], artifacts)
            .write(&dist)
            .unwrap();
        dir
    }

    const SIGNED: [&str; 3] = [
        "hello_1.0.0_linux_amd64.tar.gz",
        "hello_linux_amd64/hello",
        "hello_1.0.0_checksums.txt",
    ];

    /// `cosign verify-blob` with the `.sig` and with the bundle of every signed artifact.
    fn cosign_verifies_dist(dir: &Path, public: &Path) {
        let dist = dir.join("dist");
        for artifact in SIGNED {
            for (flag, suffix) in [("--signature", "sig"), ("--bundle", "sigstore.json")] {
                let out = run(cosign(&dist)
                    .args(["verify-blob", "--insecure-ignore-tlog", "--key"])
                    .arg(public)
                    .arg(flag)
                    .arg(format!("{artifact}.{suffix}"))
                    .arg(artifact));
                assert_eq!(out.code, 0, "cosign verify-blob {flag} {artifact}: {out:?}");
                assert!(out.stderr.contains("Verified OK"), "{out:?}");
            }
        }
    }

    #[test]
    fn install_script_pins_the_same_cosign() {
        let script =
            std::fs::read_to_string(repo_root().join("scripts/install-test-deps.sh")).unwrap();
        assert!(
            script.contains(&format!(
                "go_tool cosign {COSIGN_VERSION} github.com/sigstore/cosign/"
            )),
            "scripts/install-test-deps.sh must install cosign {COSIGN_VERSION}"
        );
    }

    #[test]
    fn cosign_verify_blob_accepts_what_tug_signed_and_rejects_a_changed_byte() {
        let d = project();
        let dir = d.path();
        ok(tug_pw(dir).args(["keys", "generate"]));
        ok(tug_pw(dir).args(["sign", "--artifacts", "all"]));
        cosign_verifies_dist(dir, &dir.join("cosign.pub"));

        // The independent verifier must be able to fail: one changed byte, both formats refused.
        let dist = dir.join("dist");
        let artifact = "hello_1.0.0_linux_amd64.tar.gz";
        let mut bytes = std::fs::read(dist.join(artifact)).unwrap();
        bytes[0] ^= 1;
        std::fs::write(dist.join("changed.tar.gz"), bytes).unwrap();
        for (flag, suffix) in [("--signature", "sig"), ("--bundle", "sigstore.json")] {
            let out = run(cosign(&dist)
                .args([
                    "verify-blob",
                    "--insecure-ignore-tlog",
                    "--key",
                    "../cosign.pub",
                ])
                .arg(flag)
                .arg(format!("{artifact}.{suffix}"))
                .arg("changed.tar.gz"));
            assert_ne!(
                out.code, 0,
                "cosign accepted a changed file with {flag}: {out:?}"
            );
        }
    }

    #[test]
    fn cosign_generated_keys_sign_in_tug_and_verify_in_cosign() {
        let d = project();
        let dir = d.path();
        let keys = dir.join("keys");
        std::fs::create_dir_all(&keys).unwrap();
        ok(cosign(&keys).args(["generate-key-pair"]));
        assert!(keys.join("cosign.key").is_file() && keys.join("cosign.pub").is_file());
        ok(tug_pw(dir).args(["sign", "--artifacts", "all", "--key", "keys/cosign.key"]));
        cosign_verifies_dist(dir, &keys.join("cosign.pub"));
        ok(tug(dir).args(["verify", "--key", "keys/cosign.pub"]));

        // The wrong password is refused by tug, naming the key.
        let wrong = run(tug(dir)
            .args(["sign", "--artifacts", "all", "--key", "keys/cosign.key"])
            .env("COSIGN_PASSWORD", "not it")
            .stdin(Stdio::null()));
        assert_eq!(wrong.code, 2, "{wrong:?}");
        assert!(wrong.stderr.contains("wrong password"), "{}", wrong.stderr);
    }

    #[test]
    fn tug_keys_sign_in_cosign_and_tug_verify_accepts_cosigns_signatures() {
        let d = project();
        let dir = d.path();
        ok(tug_pw(dir).args(["keys", "generate"]));
        let dist = dir.join("dist");
        let artifact = "hello_1.0.0_linux_amd64.tar.gz";
        // cosign 3's default output, a Sigstore bundle, and the classic `.sig` file.
        ok(cosign(&dist)
            .args(["sign-blob", "--yes", "--key", "../cosign.key"])
            .args(["--use-signing-config=false", "--tlog-upload=false"])
            .args(["--bundle", "by-cosign.sigstore.json", artifact]));
        ok(cosign(&dist)
            .args(["sign-blob", "--yes", "--key", "../cosign.key"])
            .args([
                "--new-bundle-format=false",
                "--use-signing-config=false",
                "--tlog-upload=false",
            ])
            .args(["--output-signature", "by-cosign.sig", artifact]));
        for (flag, file) in [
            ("--bundle", "by-cosign.sigstore.json"),
            ("--signature", "by-cosign.sig"),
        ] {
            let out =
                run(tug(&dist).args(["verify", "--key", "../cosign.pub", flag, file, artifact]));
            assert_eq!(out.code, 0, "tug verify {flag} {file}: {out:?}");
            // And refuses them for another file.
            let other = run(tug(&dist).args([
                "verify",
                "--key",
                "../cosign.pub",
                flag,
                file,
                "hello_1.0.0_checksums.txt",
            ]));
            assert_eq!(other.code, 1, "{other:?}");
        }
    }
}
