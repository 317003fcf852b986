"""Schemathesis hooks for TTPay (benches/explore.sh): sign every request, count what is sent.

    SCHEMATHESIS_HOOKS=hooks PYTHONPATH=benches/schemathesis schemathesis run ...

Signing (contract A1/A2, as examples/integration.py signs): `Authorization: TTPAY-AES-256-ECB
app_id=…,mch_id=…,nonce_str=…,timestamp=…,signature=…`, the signature Base64 of
AES-256-ECB/PKCS#7 under the app secret over `PATH[?QUERY]\\nTIMESTAMP_MS\\nNONCE\\nBODY`. It is
computed in a `requests` auth object (`schemathesis.auth.set_from_requests`), which requests
calls on the *prepared* request: the path, query string and body bytes it signs are the ones
that go on the wire, whatever Schemathesis generated (negative bodies included). Because it is
Schemathesis's own auth provider, its `ignored_auth` check can still take it off to send a
request without credentials or with made-up ones.

Settling (TTPAY_ST_SETTLE, default 1; what `explore` does too before it applies its changes):
where a body or query string carries `app_id` / `mch_id` as a *string*, it is set to the
signer's, so a generated case is not refused for naming another merchant before anything else
is read. Values of another type (a negative case's `5`, `null`) are left as generated.

Credentials: TTPAY_APP_ID, TTPAY_MCH_ID, TTPAY_APP_SECRET, else the double's built-in merchant.

Counting: every request the `requests` adapter sends (generated cases, the checks' own probes,
retries) appends one byte to the file named by TTPAY_ST_COUNT (if set): its size is the count.
"""
import base64
import os
import secrets
import string
import time

import requests.adapters
import requests.auth
import schemathesis
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

APP_ID = os.environ.get("TTPAY_APP_ID", "double-app-0001")
MCH_ID = os.environ.get("TTPAY_MCH_ID", "9000000001")
SECRET = os.environ.get("TTPAY_APP_SECRET", "DOUBLE-ONLY-FAKE-SECRET-NUMBER-1").encode()
SETTLE = os.environ.get("TTPAY_ST_SETTLE", "1") != "0"
ALPHANUMERIC = string.ascii_letters + string.digits


def seal(message: bytes) -> str:
    """Base64 of AES-256-ECB/PKCS#7 with the app secret: TTPay's signature."""
    padder = padding.PKCS7(128).padder()
    padded = padder.update(message) + padder.finalize()
    enc = Cipher(algorithms.AES(SECRET), modes.ECB()).encryptor()
    return base64.b64encode(enc.update(padded) + enc.finalize()).decode()


def authorization(path_and_query: str, body: bytes) -> str:
    ts = str(int(time.time() * 1000))
    nonce = "".join(secrets.choice(ALPHANUMERIC) for _ in range(32))
    sig = seal(f"{path_and_query}\n{ts}\n{nonce}\n".encode() + body)
    return (f"TTPAY-AES-256-ECB app_id={APP_ID},mch_id={MCH_ID},"
            f"nonce_str={nonce},timestamp={ts},signature={sig}")


class TTPaySignature(requests.auth.AuthBase):
    """Signs the prepared request: its exact path, query string and body bytes."""

    def __call__(self, r):
        body = r.body
        if body is None:
            body = b""
        elif isinstance(body, str):
            # requests hands a str body to http.client, which encodes it as ISO-8859-1.
            body = body.encode("iso-8859-1")
        elif not isinstance(body, bytes):
            raise TypeError(f"cannot sign a streamed body ({type(body).__name__})")
        r.headers["Authorization"] = authorization(r.path_url, body)
        return r


schemathesis.auth.set_from_requests(TTPaySignature())


def _settle(container):
    if SETTLE and isinstance(container, dict):
        for key, value in (("app_id", APP_ID), ("mch_id", MCH_ID)):
            if isinstance(container.get(key), str):
                container[key] = value


@schemathesis.hook
def before_call(ctx, case, kwargs):
    _settle(case.body)
    _settle(case.query)


_COUNT = os.environ.get("TTPAY_ST_COUNT")
if _COUNT:
    _fd = os.open(_COUNT, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    _send = requests.adapters.HTTPAdapter.send

    def _counting_send(self, request, *args, **kwargs):
        os.write(_fd, b".")
        return _send(self, request, *args, **kwargs)

    requests.adapters.HTTPAdapter.send = _counting_send
