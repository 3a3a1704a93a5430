//! SPDX 2.3 JSON for one Go binary: the binary as the application package the document describes
//! (its SHA-256, the main module's purl, the Go version and build settings in its comment), one
//! package per dependency module (purl, version, its `h1:` sum as SHA-256) and the Go standard
//! library, each `DEPENDS_ON` from the application. Checked in tests by the official SPDX tools
//! (`pyspdxtools -i`).

use serde_json::{json, Value};

use super::{effective, go_version_number, h1_hex, purl, Subject};

fn package(id: &str, name: &str, version: &str, purl: &str, sum: Option<&str>) -> Value {
    let mut p = json!({
        "SPDXID": id,
        "name": name,
        "versionInfo": version,
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": false,
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": "NOASSERTION",
        "copyrightText": "NOASSERTION",
        "primaryPackagePurpose": "LIBRARY",
        "externalRefs": [{
            "referenceCategory": "PACKAGE-MANAGER",
            "referenceType": "purl",
            "referenceLocator": purl,
        }],
    });
    if let Some(hex) = sum.and_then(h1_hex) {
        p["checksums"] = json!([{ "algorithm": "SHA256", "checksumValue": hex }]);
    }
    p
}

/// The SPDX document of `s`.
pub fn document(s: &Subject) -> Value {
    let info = s.info;
    let (main_path, main_version) = info
        .main_module
        .clone()
        .unwrap_or_else(|| (s.project.to_string(), String::new()));
    let namespace = super::super::content_uuid(&[b"spdx-2.3", s.sha256.as_bytes()]);
    let settings: Vec<String> = info
        .settings
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let mut app = json!({
        "SPDXID": "SPDXRef-Application",
        "name": s.file_name,
        "versionInfo": s.version,
        "packageFileName": s.artifact,
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": false,
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": "NOASSERTION",
        "copyrightText": "NOASSERTION",
        "primaryPackagePurpose": "APPLICATION",
        "checksums": [{ "algorithm": "SHA256", "checksumValue": s.sha256 }],
        "externalRefs": [{
            "referenceCategory": "PACKAGE-MANAGER",
            "referenceType": "purl",
            "referenceLocator": purl(&main_path, &main_version),
        }],
        "comment": format!(
            "Go binary for {} built with {} from module {main_path} {main_version} (package {}); build settings: {}",
            s.target,
            info.go_version,
            info.path.as_deref().unwrap_or("unknown"),
            settings.join(" ")
        ),
    });
    if let Some(sum) = &info.main_sum {
        app["comment"] = Value::String(format!(
            "{} (module sum {sum})",
            app["comment"].as_str().unwrap_or_default()
        ));
    }
    let mut packages = vec![app];
    let mut relationships = vec![json!({
        "spdxElementId": "SPDXRef-DOCUMENT",
        "relationshipType": "DESCRIBES",
        "relatedSpdxElement": "SPDXRef-Application",
    })];
    let go = go_version_number(&info.go_version);
    let mut deps: Vec<(String, Value)> = vec![(
        "SPDXRef-Package-stdlib".into(),
        package(
            "SPDXRef-Package-stdlib",
            "stdlib",
            go,
            &purl("stdlib", go),
            None,
        ),
    )];
    for (i, m) in info.deps.iter().enumerate() {
        let e = effective(m);
        let id = format!("SPDXRef-Package-go-module-{}", i + 1);
        let mut p = package(
            &id,
            &m.path,
            &e.version,
            &purl(&m.path, &m.version),
            e.sum.as_deref(),
        );
        if m.replace.is_some() {
            p["comment"] = Value::String(format!(
                "{} {} replaced by {} {}",
                m.path, m.version, e.path, e.version
            ));
            p["externalRefs"][0]["referenceLocator"] = Value::String(purl(&e.path, &e.version));
            if e.path.starts_with('.') || e.path.starts_with('/') {
                p["externalRefs"][0]["referenceLocator"] = Value::String(purl(&m.path, &m.version));
            }
        }
        deps.push((id, p));
    }
    for (id, p) in deps {
        relationships.push(json!({
            "spdxElementId": "SPDXRef-Application",
            "relationshipType": "DEPENDS_ON",
            "relatedSpdxElement": id,
        }));
        packages.push(p);
    }
    json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": format!("{}-{}-{}", s.project, s.version, s.artifact.replace('/', "-")),
        "documentNamespace": format!("https://spdx.org/spdxdocs/{}-{}-{namespace}", s.project, s.version),
        "creationInfo": {
            "created": s.created,
            "creators": [format!("Tool: tug-{}", env!("CARGO_PKG_VERSION"))],
        },
        "packages": packages,
        "relationships": relationships,
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::{info, subject};
    use super::*;

    #[test]
    fn lists_every_module_and_the_binary_digest() {
        let info = info();
        let doc = document(&subject(&info));
        assert_eq!(doc["spdxVersion"], "SPDX-2.3");
        let pkgs = doc["packages"].as_array().unwrap();
        assert_eq!(pkgs.len(), 4, "app, stdlib, two modules");
        assert_eq!(pkgs[0]["checksums"][0]["checksumValue"], "ab");
        assert_eq!(pkgs[1]["versionInfo"], "1.23.4");
        assert_eq!(
            pkgs[2]["externalRefs"][0]["referenceLocator"],
            "pkg:golang/golang.org/x/text@v0.14.0"
        );
        assert!(pkgs[0]["comment"].as_str().unwrap().contains("GOOS=linux"));
        assert_eq!(doc["relationships"].as_array().unwrap().len(), 4);
    }
}
