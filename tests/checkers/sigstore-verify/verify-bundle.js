#!/usr/bin/env node
// Independent checker for tug's tests: verify a key-signed Sigstore bundle (v0.3) over an artifact
// with @sigstore/verify, the verifier sigstore-js (and npm) use. No transparency log or timestamp
// is required (tug signs offline, like `cosign sign-blob --key ... --tlog-upload=false`).
//
// usage: node verify-bundle.js BUNDLE.sigstore.json ARTIFACT KEY.pub
// exit 0 and "verified" on success; exit 1 and the verifier's error otherwise.
'use strict';
const fs = require('fs');
const crypto = require('crypto');
const { bundleFromJSON } = require('@sigstore/bundle');
const { Verifier, toSignedEntity, toTrustMaterial } = require('@sigstore/verify');

const [bundlePath, artifactPath, keyPath] = process.argv.slice(2);
if (!keyPath) {
  console.error('usage: verify-bundle.js BUNDLE ARTIFACT KEY.pub');
  process.exit(2);
}
try {
  const bundle = bundleFromJSON(JSON.parse(fs.readFileSync(bundlePath, 'utf8')));
  const artifact = fs.readFileSync(artifactPath);
  const pem = fs.readFileSync(keyPath, 'utf8');
  const der = crypto.createPublicKey(pem).export({ type: 'spki', format: 'der' });
  // The hint under which the trust material offers the key: what cosign writes in bundles.
  const hint = crypto.createHash('sha256').update(der).digest('base64');
  const emptyRoot = {
    certificateAuthorities: [], timestampAuthorities: [], tlogs: [], ctlogs: [],
  };
  const trust = toTrustMaterial(emptyRoot, { [hint]: { rawBytes: der, keyDetails: 5 } });
  const verifier = new Verifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
  verifier.verify(toSignedEntity(bundle, artifact));
  console.log('verified');
} catch (e) {
  console.error(`verification failed: ${e.code || ''} ${e.message}`);
  process.exit(1);
}
