#!/usr/bin/env python3
"""Reads a notification the way an integration does, with code independent of the crate.

    decrypt.py SECRET BODY_FILE [AUTHORIZATION]

Prints {"detail": ..., "associated_data": ..., "signature_ok": bool?}: the resource decrypted
with AES-256-GCM (the secret's bytes as key, the nonce's UTF-8 bytes, `associated_data` as the
AAD when present), and with an `Authorization` header the TTPAY-AES-256-ECB signature over
`TS\\nNONCE\\nBODY` checked. Exit 2: `cryptography` is not installed.
"""
import base64, json, sys

try:
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
except ImportError:
    print("python cryptography is not installed (pip install cryptography)")
    sys.exit(2)

secret = sys.argv[1].encode()
body = open(sys.argv[2], "rb").read()
resource = json.loads(body)["resource"]
aad = resource.get("associated_data")
plain = AESGCM(secret).decrypt(resource["nonce"].encode(),
                               base64.b64decode(resource["ciphertext"]),
                               aad.encode() if aad else None)
out = {"detail": json.loads(plain), "associated_data": aad}
if len(sys.argv) > 3:
    scheme, _, rest = sys.argv[3].partition(" ")
    parts = dict(part.split("=", 1) for part in rest.split(","))
    message = f"{parts['timestamp']}\n{parts['nonce_str']}\n".encode() + body
    padder = padding.PKCS7(128).padder()
    padded = padder.update(message) + padder.finalize()
    enc = Cipher(algorithms.AES(secret), modes.ECB()).encryptor()
    expected = base64.b64encode(enc.update(padded) + enc.finalize()).decode()
    out["signature_ok"] = scheme == "TTPAY-AES-256-ECB" and expected == parts["signature"]
print(json.dumps(out))
