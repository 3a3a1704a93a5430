//! CycloneDX 1.6 JSON for one Go binary: the binary as `metadata.component` (an application with
//! its SHA-256, the main module's purl, the Go version and every build setting as a property),
//! one library component per dependency module and the Go standard library, and the dependency
//! graph from the application to each. Checked in tests against the official CycloneDX 1.6 JSON
//! schema (cyclonedx-python-lib's validator).

use serde_json::{json, Value};

use super::{effective, go_version_number, h1_hex, purl, Subject};

/// The CycloneDX document of `s`.
pub fn document(s: &Subject) -> Value {
    let info = s.info;
    let (main_path, main_version) = info
        .main_module
        .clone()
        .unwrap_or_else(|| (s.project.to_string(), String::new()));
    let serial = super::super::content_uuid(&[b"cyclonedx-1.6", s.sha256.as_bytes()]);
    let app_ref = format!("{}#{}", purl(&main_path, &main_version), s.artifact);
    let mut properties = vec![
        json!({ "name": "tug:go:version", "value": info.go_version }),
        json!({ "name": "tug:target", "value": s.target }),
    ];
    if let Some(p) = &info.path {
        properties.push(json!({ "name": "tug:go:package", "value": p }));
    }
    if !main_version.is_empty() {
        properties.push(json!({ "name": "tug:go:module:version", "value": main_version }));
    }
    for (k, v) in &info.settings {
        properties.push(json!({ "name": format!("tug:go:build:{k}"), "value": v }));
    }
    let app = json!({
        "type": "application",
        "bom-ref": app_ref,
        "name": s.file_name,
        "version": s.version,
        "purl": purl(&main_path, &main_version),
        "hashes": [{ "alg": "SHA-256", "content": s.sha256 }],
        "properties": properties,
    });
    let go = go_version_number(&info.go_version);
    let mut components = vec![json!({
        "type": "library",
        "bom-ref": purl("stdlib", go),
        "name": "stdlib",
        "version": go,
        "purl": purl("stdlib", go),
    })];
    let mut seen = std::collections::BTreeSet::new();
    for m in &info.deps {
        let e = effective(m);
        let reference = purl(&m.path, &m.version);
        if !seen.insert(reference.clone()) {
            continue;
        }
        let mut c = json!({
            "type": "library",
            "bom-ref": reference,
            "name": m.path,
            "version": e.version,
            "purl": reference,
        });
        if let Some(hex) = e.sum.as_deref().and_then(h1_hex) {
            c["hashes"] = json!([{ "alg": "SHA-256", "content": hex }]);
        }
        if m.replace.is_some() {
            c["properties"] = json!([
                { "name": "tug:go:replaced-by", "value": format!("{} {}", e.path, e.version) }
            ]);
        }
        components.push(c);
    }
    let depends: Vec<Value> = components.iter().map(|c| c["bom-ref"].clone()).collect();
    let mut dependencies = vec![json!({ "ref": app["bom-ref"], "dependsOn": depends })];
    for c in &components {
        dependencies.push(json!({ "ref": c["bom-ref"], "dependsOn": [] }));
    }
    json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": format!("urn:uuid:{serial}"),
        "version": 1,
        "metadata": {
            "timestamp": s.created,
            "tools": { "components": [{
                "type": "application",
                "name": "tug",
                "version": env!("CARGO_PKG_VERSION"),
            }] },
            "component": app,
        },
        "components": components,
        "dependencies": dependencies,
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::{info, subject};
    use super::*;

    #[test]
    fn lists_every_module_with_build_settings() {
        let info = info();
        let doc = document(&subject(&info));
        assert_eq!(doc["specVersion"], "1.6");
        assert!(doc["serialNumber"]
            .as_str()
            .unwrap()
            .starts_with("urn:uuid:"));
        let comps = doc["components"].as_array().unwrap();
        assert_eq!(comps.len(), 3);
        assert_eq!(comps[1]["hashes"][0]["alg"], "SHA-256");
        let props = doc["metadata"]["component"]["properties"].to_string();
        assert!(props.contains("tug:go:build:CGO_ENABLED"), "{props}");
        assert_eq!(
            doc["dependencies"][0]["dependsOn"]
                .as_array()
                .unwrap()
                .len(),
            3
        );
    }
}
