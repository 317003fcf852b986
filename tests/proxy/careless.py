#!/usr/bin/env python3
"""A careless TTPay merchant client, written apart from the crate: one create (and a query of
it), signed with the app secret but wrong in one way the proxy must report as the merchant's.

    python3 careless.py BASE_URL MODE     MODE: seconds | wrong-string | missing-field |
                                                no-content-type | fine

Prints each signature it sent on a line `signature: …` (so the test can look for it in the
proxy's output), then `code: N` of each answer.
"""
import base64, json, os, secrets, sys, time, urllib.request
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BASE, MODE = sys.argv[1].rstrip("/"), sys.argv[2]
APP_ID = os.environ.get("TTPAY_APP_ID", "double-app-0001")
MCH_ID = os.environ.get("TTPAY_MCH_ID", "9000000001")
SECRET = os.environ.get("TTPAY_APP_SECRET", "DOUBLE-ONLY-FAKE-SECRET-NUMBER-1").encode()


def seal(message: bytes) -> str:
    padder = padding.PKCS7(128).padder()
    padded = padder.update(message) + padder.finalize()
    enc = Cipher(algorithms.AES(SECRET), modes.ECB()).encryptor()
    return base64.b64encode(enc.update(padded) + enc.finalize()).decode()


def call(path, body):
    raw = json.dumps(body).encode()
    ts = str(int(time.time())) if MODE == "seconds" else str(int(time.time() * 1000))
    nonce = secrets.token_hex(16)
    message = f"{path}\n{ts}\n{nonce}\n".encode() + raw
    if MODE == "wrong-string":
        message += b"\n"  # WeChat Pay's form, not TTPay's
    sig = seal(message)
    print(f"signature: {sig}")
    headers = {"Authorization": f"TTPAY-AES-256-ECB app_id={APP_ID},mch_id={MCH_ID},"
                                f"nonce_str={nonce},timestamp={ts},signature={sig}"}
    if MODE != "no-content-type":
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(BASE + path, raw, method="POST", headers=headers)
    with urllib.request.urlopen(req, timeout=10) as resp:
        answer = json.loads(resp.read())
    print(f"code: {answer.get('code')}")
    return answer


order = {"app_id": APP_ID, "mch_id": MCH_ID, "out_trade_no": "careless-" + secrets.token_hex(6),
         "expire_second": 600, "amount": 1.5, "chain": "TRON", "currency": "USDT",
         "order_type": "platform_order", "description": "careless"}
if MODE == "missing-field":
    del order["currency"]
call("/v1/transaction/prepayment", order)
call("/v1/transaction/query", {"app_id": APP_ID, "mch_id": MCH_ID,
                               "out_trade_no": order["out_trade_no"]})
