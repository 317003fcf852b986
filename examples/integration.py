#!/usr/bin/env python3
"""Your integration test against `pay-conformance serve`, in ~100 lines of Python.

    pay-conformance serve --port 0 --notify-speedup 1000   # prints its URL and the merchant
    python3 examples/integration.py http://127.0.0.1:PORT

create -> pay (control API) -> receive and decrypt the notification -> query -> close.
Needs `pip install cryptography`; uses the built-in merchant `serve` prints (or TTPAY_APP_ID,
TTPAY_MCH_ID, TTPAY_APP_SECRET from the environment). Exits 0 and prints `ok` when every step
holds; `cargo test` runs it (tests/serve/example.rs).
"""
import base64, http.server, json, os, secrets, sys, threading, time, urllib.request
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

BASE = sys.argv[1].rstrip("/")
APP_ID = os.environ.get("TTPAY_APP_ID", "double-app-0001")
MCH_ID = os.environ.get("TTPAY_MCH_ID", "9000000001")
SECRET = os.environ.get("TTPAY_APP_SECRET", "DOUBLE-ONLY-FAKE-SECRET-NUMBER-1").encode()


def seal(message: bytes) -> str:
    """Base64 of AES-256-ECB/PKCS#7 with the app secret: TTPay's signature."""
    padder = padding.PKCS7(128).padder()
    padded = padder.update(message) + padder.finalize()
    enc = Cipher(algorithms.AES(SECRET), modes.ECB()).encryptor()
    return base64.b64encode(enc.update(padded) + enc.finalize()).decode()


def call(path: str, body: dict) -> dict:
    """A signed provider call; the envelope it answers."""
    raw = json.dumps(body).encode()
    ts, nonce = str(int(time.time() * 1000)), secrets.token_hex(16)
    sig = seal(f"{path}\n{ts}\n{nonce}\n".encode() + raw)
    auth = (f"TTPAY-AES-256-ECB app_id={APP_ID},mch_id={MCH_ID},"
            f"nonce_str={nonce},timestamp={ts},signature={sig}")
    req = urllib.request.Request(BASE + path, raw, method="POST", headers={
        "Content-Type": "application/json", "Authorization": auth})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.load(resp)


def control(route: str, body: bytes = b"") -> dict:
    req = urllib.request.Request(f"{BASE}/_control/{route}", body, method="POST")
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.load(resp)


received = []


class Receiver(http.server.BaseHTTPRequestHandler):
    """Your notify_url: stores the notification, answers `success`."""

    def do_POST(self):
        received.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"success")

    def log_message(self, *args):
        pass


def decrypt(note: dict) -> dict:
    r = note["resource"]
    aad = r.get("associated_data")
    plain = AESGCM(SECRET).decrypt(r["nonce"].encode(), base64.b64decode(r["ciphertext"]),
                                   aad.encode() if aad else None)
    return json.loads(plain)


def main():
    receiver = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    notify_url = f"http://127.0.0.1:{receiver.server_port}/ttpay/notify"
    order = {"app_id": APP_ID, "mch_id": MCH_ID, "expire_second": 600, "amount": 13.99,
             "chain": "TRON", "currency": "USDT", "order_type": "platform_order",
             "description": "recharge", "to_address": "", "notify_url": notify_url}
    paid_no, open_no = f"IT-{secrets.token_hex(6)}", f"IT-{secrets.token_hex(6)}"

    created = call("/v1/transaction/prepayment", {**order, "out_trade_no": paid_no})
    assert created["code"] == 0 and created["data"]["prepay_id"], created
    control(f"orders/{paid_no}/pay")  # a customer pays

    deadline = time.time() + 10
    while not received and time.time() < deadline:
        time.sleep(0.05)
    assert received, "no notification within 10 s (start serve with --notify-speedup 1000)"
    detail = decrypt(json.loads(received[0]))
    assert detail["trade_state"] == "SUCCESS" and detail["amount"] == 13990000, detail

    queried = call("/v1/transaction/query", {"app_id": APP_ID, "mch_id": MCH_ID,
                                             "out_trade_no": paid_no})
    assert queried["data"]["trade_state"] == "SUCCESS", queried

    call("/v1/transaction/prepayment", {**order, "out_trade_no": open_no, "notify_url": ""})
    tx = call("/v1/transaction/query", {"app_id": APP_ID, "mch_id": MCH_ID,
                                        "out_trade_no": open_no})["data"]["transaction_id"]
    closed = call("/v1/transaction/close", {"app_id": APP_ID, "mch_id": MCH_ID,
                                            "transaction_id": tx})
    assert closed["code"] == 0, closed
    receiver.shutdown()
    print("ok")


if __name__ == "__main__":
    main()
