#!/usr/bin/env python3
"""Independent checker for tug's tests: decrypt a cosign key file with hashlib.scrypt + PyNaCl.

usage: COSIGN_PASSWORD=... decrypt_cosign_key.py KEYFILE OUT.der

Follows cosign's format (PEM body = base64 JSON {kdf: scrypt, cipher: nacl/secretbox,
ciphertext}), checks that the plaintext is a PKCS#8 PrivateKeyInfo for an EC key on P-256
(id-ecPublicKey + prime256v1), and writes the DER so openssl can derive the public key.
"""
import base64
import hashlib
import json
import os
import sys

import nacl.exceptions
import nacl.secret

ID_EC_PUBLIC_KEY = bytes.fromhex("06072a8648ce3d0201")
PRIME256V1 = bytes.fromhex("06082a8648ce3d030107")


def der_header(buf, pos):
    """(tag, content start, content length) of the DER element at pos."""
    tag, length = buf[pos], buf[pos + 1]
    pos += 2
    if length & 0x80:
        n = length & 0x7F
        length = int.from_bytes(buf[pos:pos + n], "big")
        pos += n
    return tag, pos, length


def main():
    key_path, out_path = sys.argv[1], sys.argv[2]
    text = open(key_path, encoding="ascii").read()
    lines = text.strip().split("\n")
    assert lines[0] in ("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----",
                        "-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----"), lines[0]
    assert all(len(line) <= 64 for line in lines[1:-1]), "PEM lines longer than 64 columns"
    assert "\r" not in text, "CRLF line endings"
    envelope = json.loads(base64.b64decode("".join(lines[1:-1])))
    kdf, cipher = envelope["kdf"], envelope["cipher"]
    assert kdf["name"] == "scrypt" and cipher["name"] == "nacl/secretbox", envelope
    params = kdf["params"]
    salt = base64.b64decode(kdf["salt"])
    nonce = base64.b64decode(cipher["nonce"])
    assert len(salt) == 32 and len(nonce) == 24, (len(salt), len(nonce))
    password = os.environ["COSIGN_PASSWORD"].encode()
    key = hashlib.scrypt(password, salt=salt, n=params["N"], r=params["r"], p=params["p"],
                         maxmem=256 * 1024 * 1024, dklen=32)
    try:
        der = nacl.secret.SecretBox(key).decrypt(base64.b64decode(envelope["ciphertext"]), nonce)
    except nacl.exceptions.CryptoError:
        print("wrong password: secretbox authentication failed", file=sys.stderr)
        sys.exit(1)
    # PrivateKeyInfo ::= SEQUENCE { version INTEGER 0, AlgorithmIdentifier, OCTET STRING }
    tag, start, length = der_header(der, 0)
    assert tag == 0x30 and start + length == len(der), "not a DER SEQUENCE"
    assert der[start:start + 3] == b"\x02\x01\x00", "PKCS#8 version must be 0"
    tag, alg_start, alg_len = der_header(der, start + 3)
    algorithm = der[alg_start:alg_start + alg_len]
    assert tag == 0x30 and algorithm == ID_EC_PUBLIC_KEY + PRIME256V1, algorithm.hex()
    open(out_path, "wb").write(der)
    print(f"PKCS#8 P-256 key, scrypt N={params['N']} r={params['r']} p={params['p']}")


if __name__ == "__main__":
    main()
