#!/usr/bin/env python3
"""An independent implementation of WeChat Pay Global APIv3 "close order" (with the Native
create, the query and the platform certificate list that closing needs), written from
/work/shared/CONTRACT.md section 2 (G1-G2, W1-W7) and shared/wechatpay-global-notes.md -- not
from the suite's Rust double. It lets `cargo test` and the official SDKs (tests/sdk/) meet a
server neither grew up with. Python 3.11 standard library + `cryptography` only.

Run:
  python3 wechatpay.py --make-keys DIR          # keys, a self-signed platform cert, merchants.json,
                                                # config.json (apiv3 key, ids); prints DIR's files
  python3 wechatpay.py --port 0 --merchants DIR/merchants.json --platform-key DIR/platform.key.pem
      (--platform-cert DIR/platform.cert.pem | --public-key-id PUB_KEY_ID_...)   # signing mode
      --apiv3-key KEY [--paid-out-trade-no X] [--close-min-age SECONDS] [--reclose-error]
      [--deviate NAME]...
The first stdout line is `listening on http://127.0.0.1:PORT`. Exit code 2 on bad usage.
Signing mode: with --public-key-id, responses carry `Wechatpay-Serial: PUB_KEY_ID_...`
(public-key mode); otherwise --platform-cert is required and the serial is the certificate's,
uppercase hex (certificate mode). The certificate list is served in both modes when a cert is set.

Routes (also under the legacy prefix /hk/v3/transactions/... instead of /v3/global/transactions/...):
  POST /v3/global/transactions/native                               create (G1) -> 200 {code_url}
  GET  /v3/global/transactions/out-trade-no/{otn}?mchid=..          query (G2) (institutional:
  GET  /v3/global/transactions/id/{id}?mchid=..                        ?sp_mchid=..&sub_mchid=..)
  POST /v3/global/transactions/out-trade-no/{otn}/close  {"mchid"}  close (W1) -> 204
  POST /v3/global/transactions/id/{id}/close             (institutional {"sp_mchid","sub_mchid"})
  GET  /v3/global/certificates  (and /v3/certificates, which wechatpayv3 calls)   W7 cert mode
  POST /_control/orders/{otn}/pay            -> SUCCESS (unsigned test hook, no Authorization)
  POST /_control/orders/{otn}/age?seconds=N  -> the order is N seconds older
  GET  /_control/orders/{otn}                -> the stored order
  GET  /_control/health                      -> {"status": "ok"} (the suite's payer looks for it)
Every order gets an `id` (32 digits) at creation: query shows it for unpaid orders too.

Choices where the sources are silent or disagree (`Silent:`):
  - ORDERPAID is 403 (business-rule family of the domestic table); unknown order 404 ORDER_NOT_EXIST,
    also for another merchant's order (no leak).
  - Closing a CLOSED order answers 204 again ("closing is idempotent", GSK-QUERY); --reclose-error
    switches to 400 ORDERCLOSED. Either way it stays CLOSED with its close time.
  - W5: --close-min-age defaults to 0 here; a younger NOTPAY order is refused with 403 RULE_LIMIT
    (documented meaning "business rule limit"; none of W4's codes), order unchanged.
  - Any method but POST on a close path (or on create) -> 405 REQUIRE_POST_METHOD before the
    signature is checked; wrong method on a query path -> 405 METHOD_NOT_ALLOWED. No effect.
  - Requests without Accept or User-Agent -> 400 INVALID_REQUEST (GSK-TROUBLE: refused).
  - Unknown mchid, unknown serial_no, bad scheme/format/signature, timestamp > 300 s off, nonce not
    1-32 alphanumerics -> 401 SIGN_ERROR (with detail.sign_information on a signature mismatch).
  - Body/query mchid that is not the signer -> 400 INVALID_REQUEST; unknown sub_mchid -> 400
    INVALID_REQUEST. Malformed close body (not JSON, not an object, missing/extra field, wrong
    type, institutional fields in common mode) -> 400 PARAM_ERROR with detail
    {field, value, issue, location: "body"}.
  - Create with a used out_trade_no and other content -> 400 INVALID_REQUEST; same content ->
    the same code_url while NOTPAY (a paid one -> 403 ORDERPAID, a closed one -> 400 ORDERCLOSED).
  - Error answers are signed like 2xx answers (unknown whether production does; no SDK checks).
  - Every answer carries Request-ID.
  - A request line over 64 KiB or an oversized header gets the stdlib's own 414/431 (HTML, unsigned);
    a body over 64 KiB gets 413 PARAM_ERROR and the connection is closed.

Deliberate deviations (--deviate NAME, repeatable), each a breach of one rule. The W7 ones (and
no-request-id) change only the 2xx answers of close paths; create, query and certificates stay
correct so that a client can still set up the order it closes:
  close-200-with-body      W2  a successful close answers 200 `{}` (signed) instead of 204
  close-200-empty          W2  a successful close answers 200 with an empty body (signed)
  close-paid-ok            W4  closing a SUCCESS order answers 204 and closes it (no ORDERPAID)
  close-get-allowed        W4  GET on a close path closes the order and answers 204
  ignore-body-mchid        W4  close does not compare the body mchid with the signer
  error-not-json           W3  error answers are text/plain `CODE: message`
  error-no-code            W3  error bodies are {"message"} without `code`
  skip-timestamp-check     W6  a request timestamp of any age is accepted
  skip-signature-check     W6  a close is carried out whatever its signature (header still parsed)
  unsigned-204             W7  204 answers carry no Wechatpay-* headers (other 2xx stay signed)
  bad-signature            W7  2xx signatures are over another nonce than the header's
  sign-no-final-newline    W7  2xx signatures are over `TS\\nNONCE\\nBODY` without the last \\n
  stale-response-timestamp W7  2xx Wechatpay-Timestamp is an hour old (signature valid over it)
  unknown-serial           W7  2xx Wechatpay-Serial names no configured key/certificate
  no-request-id            W7  no Request-ID header
  no-signature-type        W7  no Wechatpay-Signature-Type header (CONTRACT: an observation only)
  notify-mainland-names    WN3 the notified transaction names the order transaction_id, not id

Payment notifications (CONTRACT WN1-WN4): paying an order (POST /_control/orders/{otn}/pay) with a
notify_url starts a thread that POSTs a TRANSACTION.SUCCESS event to it, signed by the platform key
over TS\nNONCE\nBODY\n, its transaction (the query's view) AES-256-GCM-encrypted under the APIv3 key
with associated_data "transaction". Retries on WeChat Pay's schedule (0 s, 15 s, 15 s, 30 s, 3 m, ...)
divided by --notify-speedup N, until an answer is 2xx; a 5 s timeout per attempt; one event id.
"""

import argparse
import base64
import datetime
import hashlib
import json
import os
import re
import secrets
import string
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID

DEVIATIONS = {
    'close-200-with-body': 'W2', 'close-200-empty': 'W2', 'close-paid-ok': 'W4',
    'close-get-allowed': 'W4', 'ignore-body-mchid': 'W4', 'error-not-json': 'W3',
    'error-no-code': 'W3', 'skip-timestamp-check': 'W6', 'skip-signature-check': 'W6',
    'unsigned-204': 'W7', 'bad-signature': 'W7', 'sign-no-final-newline': 'W7',
    'stale-response-timestamp': 'W7', 'unknown-serial': 'W7', 'no-request-id': 'W7',
    'no-signature-type': 'W7', 'notify-mainland-names': 'WN3',
}
NOTIFY_SCHEDULE = [0, 15, 15, 30, 180, 600, 1200, 1800, 1800, 3600]
SCHEME = 'WECHATPAY2-SHA256-RSA2048'
ALNUM = string.ascii_letters + string.digits
OTN_RE = re.compile(r'^[0-9A-Za-z_\-*|]{1,32}$')
MAX_BODY = 64 * 1024


def rand(n, alphabet=ALNUM):
    return ''.join(secrets.choice(alphabet) for _ in range(n))


# ------------------------------------------------------------------------------------------
# Key generation helper (--make-keys)

def pem_private(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def pem_public(key):
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def serial_int():
    """A 20-byte positive serial whose first byte is >= 0x10 (GO and JAVA print it alike)."""
    return int.from_bytes(bytes([secrets.randbelow(0x60) + 0x10]) + secrets.token_bytes(19), 'big')


def make_keys(directory):
    os.makedirs(directory, exist_ok=True)

    def write(name, text):
        with open(os.path.join(directory, name), 'w') as f:
            f.write(text)

    def mch():
        return str(1900000000 + secrets.randbelow(99999999))

    merchants = []
    for i, mode in enumerate(['common', 'common', 'institutional']):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        mchid = mch()
        write(f'merchant{i + 1}.key.pem', pem_private(key))
        merchants.append({
            'mchid': mchid, 'appid': 'wx' + rand(16, string.hexdigits.lower()[:16]),
            'serial_no': format(serial_int(), 'X'), 'public_key_pem': pem_public(key),
            'private_key_file': f'merchant{i + 1}.key.pem', 'mode': mode,
            'sub_mchids': [mch(), mch()] if mode == 'institutional' else [],
        })
    write('merchants.json', json.dumps(merchants, indent=2) + '\n')
    platform = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    write('platform.key.pem', pem_private(platform))
    write('platform.pub.pem', pem_public(platform))
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'Tenpay.com Root CA (test)'),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'pay-conformance')])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(platform.public_key()).serial_number(serial_int())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=365))
            .sign(platform, hashes.SHA256()))
    write('platform.cert.pem', cert.public_bytes(serialization.Encoding.PEM).decode())
    config = {'apiv3_key': rand(32), 'platform_serial': format(cert.serial_number, 'X'),
              'public_key_id': 'PUB_KEY_ID_' + rand(34, string.digits),
              'paid_out_trade_no': 'PAID' + rand(20, string.digits)}
    write('config.json', json.dumps(config, indent=2) + '\n')
    print(json.dumps({'dir': os.path.abspath(directory), **config}))


# ------------------------------------------------------------------------------------------
# State

class ApiError(Exception):
    def __init__(self, status, code, message, detail=None):
        super().__init__(message)
        self.status, self.code, self.message, self.detail = status, code, message, detail


def param_error(field, value, issue, location='body'):
    return ApiError(400, 'PARAM_ERROR', 'parameter error: ' + issue,
                    {'field': field, 'value': str(value), 'issue': issue, 'location': location})


class Store:
    def __init__(self):
        self.lock = threading.Lock()
        self.orders = {}   # (owner mchid, sub_mchid or '', out_trade_no) -> order dict
        self.by_id = {}    # id -> key

    def create(self, owner, sub, content):
        key = (owner, sub, content['out_trade_no'])
        with self.lock:
            old = self.orders.get(key)
            if old:
                if old['content'] != content:
                    raise ApiError(400, 'INVALID_REQUEST',
                                   'out_trade_no already used with different content')
                if old['trade_state'] == 'SUCCESS':
                    raise ApiError(403, 'ORDERPAID', 'order paid')
                if old['trade_state'] == 'CLOSED':
                    raise ApiError(400, 'ORDERCLOSED', 'order closed')
                return old
            oid = '42' + time.strftime('%Y%m%d') + rand(22, string.digits)
            order = {'id': oid, 'owner': owner, 'sub': sub, 'content': content,
                     'trade_state': 'NOTPAY', 'created': time.time(), 'closed': None,
                     'paid': None, 'code_url': 'weixin://wxpay/bizpayurl?pr=' + rand(12)}
            self.orders[key] = order
            self.by_id[oid] = key
            return order

    def find(self, owner, sub, out_trade_no=None, oid=None):
        """The caller holds the lock."""
        if oid is not None:
            key = self.by_id.get(oid)
            if key is None or key[:2] != (owner, sub):
                return None
            return self.orders[key]
        return self.orders.get((owner, sub, out_trade_no))

    def find_any(self, out_trade_no):
        """Control API: the first order with that out_trade_no, any merchant. Holds the lock."""
        for (_, _, otn), order in self.orders.items():
            if otn == out_trade_no:
                return order
        return None


def rfc3339(t):
    tz = datetime.timezone(datetime.timedelta(hours=8))
    return datetime.datetime.fromtimestamp(t, tz).isoformat(timespec='seconds')


def order_view(order, merchant):
    c = order['content']
    view = {'id': order['id'], 'out_trade_no': c['out_trade_no'],
            'trade_state': order['trade_state'],
            'trade_state_desc': {'NOTPAY': 'not paid', 'SUCCESS': 'payment successful',
                                 'CLOSED': 'closed'}[order['trade_state']],
            'trade_type': 'NATIVE',
            'amount': {'total': c['amount']['total'], 'currency': c['amount']['currency']}}
    if merchant['mode'] == 'institutional':
        view.update({'sp_mchid': order['owner'], 'sp_appid': c['sp_appid'],
                     'sub_mchid': order['sub']})
    else:
        view.update({'mchid': order['owner'], 'appid': c['appid']})
    if order['trade_state'] == 'SUCCESS':
        view['success_time'] = rfc3339(order['paid'])
        view['amount'].update({'payer_total': c['amount']['total'],
                               'payer_currency': c['amount']['currency']})
        view['payer'] = {'openid': 'o' + hashlib.sha256(order['id'].encode()).hexdigest()[:27]}
    return view


# ------------------------------------------------------------------------------------------
# The server

class Config:
    def __init__(self, args):
        self.deviations = set(args.deviate or [])
        self.close_min_age = args.close_min_age
        self.reclose_error = args.reclose_error
        with open(args.merchants) as f:
            entries = json.load(f)
        if not isinstance(entries, list) or not entries:
            usage('--merchants must hold a non-empty JSON list')
        self.merchants = {}
        for m in entries:
            try:
                self.merchants[str(m['mchid'])] = {
                    'mchid': str(m['mchid']), 'appid': m['appid'], 'serial_no': m['serial_no'],
                    'key': serialization.load_pem_public_key(m['public_key_pem'].encode()),
                    'mode': m.get('mode', 'common'), 'sub_mchids': [str(s) for s in m.get('sub_mchids', [])]}
            except (KeyError, TypeError, ValueError) as e:
                usage(f'bad merchant entry in --merchants: {e!r}')
        self.first = self.merchants[str(entries[0]['mchid'])]
        with open(args.platform_key, 'rb') as f:
            self.platform_key = serialization.load_pem_private_key(f.read(), None)
        self.cert = None
        if args.platform_cert:
            with open(args.platform_cert, 'rb') as f:
                self.cert = x509.load_pem_x509_certificate(f.read())
        if args.public_key_id:
            if not args.public_key_id.startswith('PUB_KEY_ID_'):
                usage('--public-key-id must start with PUB_KEY_ID_')
            self.serial = args.public_key_id
        elif self.cert:
            self.serial = format(self.cert.serial_number, 'X')
        else:
            usage('give --platform-cert (certificate mode) or --public-key-id (public-key mode)')
        self.notify_speedup = max(1, args.notify_speedup)
        self.apiv3_key = (args.apiv3_key or '').encode()
        if self.cert and len(self.apiv3_key) != 32:
            usage('--apiv3-key must be 32 bytes (it encrypts the certificate list)')


CFG = None
STORE = Store()


def usage(message):
    sys.stderr.write(f'wechatpay.py: {message}\n')
    sys.exit(2)


def parse_authorization(value):
    if not value:
        raise ApiError(401, 'SIGN_ERROR', 'Authorization header missing')
    scheme, _, rest = value.partition(' ')
    if scheme != SCHEME:
        raise ApiError(401, 'SIGN_ERROR', 'unsupported authorization scheme')
    params = {}
    for part in rest.strip().split(','):
        m = re.fullmatch(r'\s*([a-z_]+)="([^"]*)"\s*', part)
        if not m or m.group(1) in params:
            raise ApiError(401, 'SIGN_ERROR', 'malformed Authorization value')
        params[m.group(1)] = m.group(2)
    if set(params) != {'mchid', 'nonce_str', 'timestamp', 'serial_no', 'signature'}:
        raise ApiError(401, 'SIGN_ERROR', 'Authorization needs mchid, nonce_str, timestamp, '
                       'serial_no and signature')
    return params


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'wechatpay-independent'
    sys_version = ''
    timeout = 30

    def log_message(self, fmt, *args):  # quiet; stderr only with WECHATPAY_LOG=1
        if os.environ.get('WECHATPAY_LOG'):
            sys.stderr.write('%s %s\n' % (self.address_string(), fmt % args))

    def __getattr__(self, name):  # every method reaches the router (no stdlib 501)
        if name.startswith('do_'):
            return self.dispatch
        raise AttributeError(name)

    # ---- plumbing ---------------------------------------------------------------------
    def read_body(self):
        if 'chunked' in self.headers.get('Transfer-Encoding', '').lower():
            data = b''
            while True:
                size = int(self.rfile.readline().split(b';')[0].strip() or b'0', 16)
                if size == 0:
                    while self.rfile.readline() not in (b'\r\n', b'\n', b''):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
                if len(data) > MAX_BODY:
                    raise ApiError(413, 'PARAM_ERROR', 'body too large')
        try:
            length = int(self.headers.get('Content-Length') or 0)
        except ValueError:
            self.close_connection = True   # the body's end is unknown: no keep-alive after this
            raise ApiError(400, 'INVALID_REQUEST', 'bad Content-Length')
        if length > MAX_BODY:
            self.close_connection = True
            raise ApiError(413, 'PARAM_ERROR', 'body too large')
        return self.rfile.read(length) if length > 0 else b''

    def send(self, status, body=b'', content_type='application/json', sign=True):
        # Response-side deviations touch only the 2xx answers of close paths, so that create,
        # query and the certificate list stay usable (an SDK can still set up its order).
        dev = CFG.deviations if getattr(self, 'kind', None) == 'close' else set()
        self.send_response(status)
        if not (status < 300 and 'no-request-id' in dev):
            self.send_header('Request-ID', secrets.token_hex(16))
        ok = 200 <= status < 300
        if sign and not (ok and status == 204 and 'unsigned-204' in dev):
            ts = str(int(time.time()) - (3600 if ok and 'stale-response-timestamp' in dev else 0))
            nonce = rand(32)
            signed_nonce = rand(32) if ok and 'bad-signature' in dev else nonce
            end = b'' if ok and 'sign-no-final-newline' in dev else b'\n'
            message = ts.encode() + b'\n' + signed_nonce.encode() + b'\n' + body + end
            sig = CFG.platform_key.sign(message, padding.PKCS1v15(), hashes.SHA256())
            self.send_header('Wechatpay-Timestamp', ts)
            self.send_header('Wechatpay-Nonce', nonce)
            self.send_header('Wechatpay-Signature', base64.b64encode(sig).decode())
            serial = CFG.serial
            if ok and 'unknown-serial' in dev:
                serial = 'PUB_KEY_ID_' + '9' * 34 if serial.startswith('PUB_KEY_ID_') else '7' * 40
            self.send_header('Wechatpay-Serial', serial)
            if not (ok and 'no-signature-type' in dev):
                self.send_header('Wechatpay-Signature-Type', SCHEME)
        if status != 204:
            if content_type:
                self.send_header('Content-Type', content_type)
            self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        if status != 204 and self.command != 'HEAD':
            self.wfile.write(body)

    def send_json(self, status, obj, sign=True):
        self.send(status, json.dumps(obj, separators=(',', ':'), ensure_ascii=False).encode(),
                  sign=sign)

    def send_error_answer(self, e):
        if 'error-not-json' in CFG.deviations:
            return self.send(e.status, f'{e.code}: {e.message}'.encode(), 'text/plain')
        obj = {'message': e.message} if 'error-no-code' in CFG.deviations else {
            'code': e.code, 'message': e.message}
        if e.detail is not None:
            obj['detail'] = e.detail
        self.send_json(e.status, obj)

    # ---- routing ----------------------------------------------------------------------
    def dispatch(self):
        self.kind = None
        try:
            target = self.path
            raw_path, _, raw_query = target.partition('?')
            segs = raw_path.split('/')[1:]
            try:
                body = self.read_body()
            except ValueError:
                self.close_connection = True
                raise ApiError(400, 'INVALID_REQUEST', 'bad chunked body')
            if segs[:1] == ['_control']:
                return self.control(segs, raw_query)
            route = self.route(segs)
            if route is None:
                raise ApiError(404, 'NOT_FOUND', 'no such API: ' + raw_path)
            kind, flavour, by, ident = route
            self.kind = kind
            method = self.command
            if kind == 'close' and method != 'POST' and not (
                    method == 'GET' and 'close-get-allowed' in CFG.deviations):
                raise ApiError(405, 'REQUIRE_POST_METHOD', 'use the POST method')
            if kind == 'create' and method != 'POST':
                raise ApiError(405, 'REQUIRE_POST_METHOD', 'use the POST method')
            if kind in ('query', 'certificates') and method != 'GET':
                raise ApiError(405, 'METHOD_NOT_ALLOWED', 'use the GET method')
            if not self.headers.get('Accept') or not self.headers.get('User-Agent'):
                raise ApiError(400, 'INVALID_REQUEST', 'HTTP header Accept or User-Agent missing')
            merchant = self.verify(method, target, body, kind)
            query = urllib.parse.parse_qs(raw_query, keep_blank_values=True)
            if kind == 'create':
                return self.create(merchant, body)
            if kind == 'query':
                return self.query(merchant, by, ident, query)
            if kind == 'close':
                return self.close(merchant, by, ident, body)
            return self.certificates()
        except ApiError as e:
            self.send_error_answer(e)
        except Exception as e:  # never a dropped connection; a bug shows as SYSTEM_ERROR
            sys.stderr.write(f'wechatpay.py: internal error: {e!r}\n')
            self.close_connection = True
            self.send_error_answer(ApiError(500, 'SYSTEM_ERROR', 'internal error'))

    def route(self, segs):
        if segs in (['v3', 'global', 'certificates'], ['v3', 'certificates']):
            return ('certificates', None, None, None)
        if segs[:3] == ['v3', 'global', 'transactions']:
            flavour, rest = 'global', segs[3:]
        elif segs[:3] == ['hk', 'v3', 'transactions']:
            flavour, rest = 'hk', segs[3:]
        else:
            return None
        if rest == ['native']:
            return ('create', flavour, None, None)
        if len(rest) in (2, 3) and rest[0] in ('out-trade-no', 'id') and rest[1]:
            ident = urllib.parse.unquote(rest[1])
            if len(rest) == 2:
                return ('query', flavour, rest[0], ident)
            if rest[2] == 'close':
                return ('close', flavour, rest[0], ident)
        return None

    def verify(self, method, target, body, kind):
        p = parse_authorization(self.headers.get('Authorization'))
        merchant = CFG.merchants.get(p['mchid'])
        if merchant is None:
            raise ApiError(401, 'SIGN_ERROR', 'unknown mchid in Authorization')
        if p['serial_no'] != merchant['serial_no']:
            raise ApiError(401, 'SIGN_ERROR', 'merchant certificate serial_no is wrong')
        if not re.fullmatch(r'[0-9A-Za-z]{1,32}', p['nonce_str']):
            raise ApiError(401, 'SIGN_ERROR', 'nonce_str must be 1-32 letters and digits')
        if not re.fullmatch(r'[0-9]{1,12}', p['timestamp']):
            raise ApiError(401, 'SIGN_ERROR', 'timestamp must be Unix seconds')
        if abs(time.time() - int(p['timestamp'])) > 300 and \
                'skip-timestamp-check' not in CFG.deviations:
            raise ApiError(401, 'SIGN_ERROR', 'timestamp is more than 5 minutes off')
        message = f'{method}\n{target}\n{p["timestamp"]}\n{p["nonce_str"]}\n'.encode() + body + b'\n'
        try:
            sig = base64.b64decode(p['signature'], validate=True)
            merchant['key'].verify(sig, message, padding.PKCS1v15(), hashes.SHA256())
        except (ValueError, InvalidSignature):
            if kind == 'close' and 'skip-signature-check' in CFG.deviations:
                return merchant
            text = message.decode('utf-8', 'replace')
            raise ApiError(401, 'SIGN_ERROR', 'signature verification failed', {'sign_information': {
                'method': method, 'url': target, 'sign_message_length': len(message),
                'truncated_sign_message': text[:100]}})
        return merchant

    # ---- API --------------------------------------------------------------------------
    def json_body(self, body):
        try:
            obj = json.loads(body.decode('utf-8'))
        except (UnicodeDecodeError, ValueError):
            raise param_error('#', body.decode('utf-8', 'replace')[:64], 'body is not JSON')
        if not isinstance(obj, dict):
            raise param_error('#', json.dumps(obj)[:64], 'body must be a JSON object')
        return obj

    def owner_fields(self, merchant, obj, allowed, location='body'):
        """Check mchid / sp_mchid + sub_mchid against the signer; returns sub ('' if common)."""
        if merchant['mode'] == 'institutional':
            need, wrong = ['sp_mchid', 'sub_mchid'], ['mchid', 'appid']
        else:
            need, wrong = ['mchid'], ['sp_mchid', 'sub_mchid', 'sp_appid', 'sub_appid']
        for name in obj:
            if name in wrong or name not in allowed + need:
                raise param_error(f'#/properties/{name}', obj[name],
                                  f'unexpected field for {merchant["mode"]} mode', location)
        for name in need:
            value = obj.get(name)
            if value is None:
                raise param_error(f'#/properties/{name}', '', 'missing required field', location)
            if not isinstance(value, str) or not value:
                raise param_error(f'#/properties/{name}', json.dumps(value), 'must be a non-empty string', location)
        signer = obj['sp_mchid' if merchant['mode'] == 'institutional' else 'mchid']
        if signer != merchant['mchid'] and 'ignore-body-mchid' not in CFG.deviations:
            raise ApiError(400, 'INVALID_REQUEST', 'mchid does not match the signing merchant')
        if merchant['mode'] == 'institutional':
            if obj['sub_mchid'] not in merchant['sub_mchids']:
                raise ApiError(400, 'INVALID_REQUEST', 'no acceptance relation with sub_mchid')
            return obj['sub_mchid']
        return ''

    def create(self, merchant, body):
        obj = self.json_body(body)
        inst = merchant['mode'] == 'institutional'
        app_field = 'sp_appid' if inst else 'appid'
        optional = ['attach', 'goods_tag', 'detail', 'scene_info', 'time_expire', 'trade_type',
                    'merchant_category_code', 'sub_appid', 'payer']
        required = [app_field, 'description', 'out_trade_no', 'notify_url', 'amount']
        sub = self.owner_fields(merchant, obj, required + optional)
        for name in required:
            if name not in obj:
                raise param_error(f'#/properties/{name}', '', 'missing required field')
        for name in (app_field, 'description', 'out_trade_no', 'notify_url'):
            if not isinstance(obj[name], str) or not obj[name]:
                raise param_error(f'#/properties/{name}', json.dumps(obj[name]), 'must be a non-empty string')
        if obj[app_field] != merchant['appid']:
            raise ApiError(400, 'APPID_MCHID_NOT_MATCH', 'appid does not belong to mchid')
        if not OTN_RE.match(obj['out_trade_no']):
            raise param_error('#/properties/out_trade_no', obj['out_trade_no'],
                              'at most 32 of letters, digits, _-*|')
        amount = obj['amount']
        if not isinstance(amount, dict) or set(amount) - {'total', 'currency'}:
            raise param_error('#/properties/amount', json.dumps(amount), 'must be {total, currency}')
        total = amount.get('total')
        if not isinstance(total, int) or isinstance(total, bool) or total <= 0:
            raise param_error('#/properties/amount/properties/total', json.dumps(total),
                              'must be a positive integer')
        if not isinstance(amount.get('currency'), str) or not re.fullmatch(r'[A-Z]{3}', amount['currency']):
            raise param_error('#/properties/amount/properties/currency',
                              json.dumps(amount.get('currency')), 'must be an ISO 4217 code')
        order = STORE.create(merchant['mchid'], sub, obj)
        self.send_json(200, {'code_url': order['code_url']})

    def query(self, merchant, by, ident, query):
        flat = {}
        for name, values in query.items():
            if len(values) != 1:
                raise param_error(name, ','.join(values), 'given more than once', 'query')
            flat[name] = values[0]
        sub = self.owner_fields(merchant, flat, [], 'query')
        with STORE.lock:
            order = STORE.find(merchant['mchid'], sub, **self.lookup(by, ident))
            if order is None:
                raise ApiError(404, 'ORDER_NOT_EXIST', 'order does not exist')
            view = order_view(order, merchant)
        self.send_json(200, view)

    @staticmethod
    def lookup(by, ident):
        if len(ident) > 32:
            raise param_error(by.replace('-', '_') if by == 'out-trade-no' else 'transaction_id',
                              ident, 'at most 32 characters', 'url')
        return {'oid': ident} if by == 'id' else {'out_trade_no': ident}

    def close(self, merchant, by, ident, body):
        if self.command == 'GET' and not body:   # close-get-allowed: no body, signer's order
            obj = ({'sp_mchid': merchant['mchid'], 'sub_mchid': (merchant['sub_mchids'] or [''])[0]}
                   if merchant['mode'] == 'institutional' else {'mchid': merchant['mchid']})
        else:
            obj = self.json_body(body)
        sub = self.owner_fields(merchant, obj, [])
        with STORE.lock:
            order = STORE.find(merchant['mchid'], sub, **self.lookup(by, ident))
            if order is None:
                raise ApiError(404, 'ORDER_NOT_EXIST', 'order does not exist')
            state = order['trade_state']
            if state == 'SUCCESS' and 'close-paid-ok' not in CFG.deviations:
                raise ApiError(403, 'ORDERPAID', 'order paid; handle it as a paid transaction')
            if state == 'CLOSED' and CFG.reclose_error:
                raise ApiError(400, 'ORDERCLOSED', 'order already closed')
            if state == 'NOTPAY' and time.time() - order['created'] < CFG.close_min_age:
                raise ApiError(403, 'RULE_LIMIT', 'an order cannot be closed within '
                               f'{CFG.close_min_age} seconds of its creation')
            if state != 'CLOSED':
                order['trade_state'], order['closed'] = 'CLOSED', time.time()
        if 'close-200-with-body' in CFG.deviations:
            return self.send_json(200, {})
        if 'close-200-empty' in CFG.deviations:
            return self.send(200, b'', content_type='')
        self.send(204)

    def certificates(self):
        data = []
        if CFG.cert is not None:
            pem = CFG.cert.public_bytes(serialization.Encoding.PEM)
            nonce = rand(12)
            ct = AESGCM(CFG.apiv3_key).encrypt(nonce.encode(), pem, b'certificate')
            data.append({'serial_no': format(CFG.cert.serial_number, 'X'),
                         'effective_time': rfc3339(CFG.cert.not_valid_before_utc.timestamp()),
                         'expire_time': rfc3339(CFG.cert.not_valid_after_utc.timestamp()),
                         'encrypt_certificate': {
                             'algorithm': 'AEAD_AES_256_GCM', 'nonce': nonce,
                             'associated_data': 'certificate',
                             'ciphertext': base64.b64encode(ct).decode()}})
        self.send_json(200, {'data': data})

    # ---- control ----------------------------------------------------------------------
    def control(self, segs, raw_query):
        if segs[1:] == ['health'] and self.command == 'GET':
            self.send_json(200, {'status': 'ok'}, sign=False)
            return
        if len(segs) not in (3, 4) or segs[1] != 'orders':
            raise ApiError(404, 'NOT_FOUND', 'control routes: /_control/orders/{otn}[/pay|/age]')
        otn = urllib.parse.unquote(segs[2])
        action = segs[3] if len(segs) == 4 else None
        if (action is None) != (self.command == 'GET') or action not in (None, 'pay', 'age'):
            raise ApiError(405, 'METHOD_NOT_ALLOWED', 'GET /_control/orders/{otn}, POST .../pay, .../age')
        with STORE.lock:
            order = STORE.find_any(otn)
            if order is None:
                raise ApiError(404, 'ORDER_NOT_EXIST', 'order does not exist')
            if action == 'pay':
                if order['trade_state'] != 'NOTPAY':
                    raise ApiError(400, 'INVALID_REQUEST', 'only a NOTPAY order can be paid')
                order['trade_state'], order['paid'] = 'SUCCESS', time.time()
                url = order['content'].get('notify_url')
                if url and len(CFG.apiv3_key) == 32:
                    merchant = CFG.merchants.get(order['owner'], CFG.first)
                    transaction = order_view(order, merchant)
                    threading.Thread(target=notify, args=(url, transaction), daemon=True).start()
            elif action == 'age':
                seconds = urllib.parse.parse_qs(raw_query).get('seconds', [''])[0]
                if not seconds.isdigit():
                    raise ApiError(400, 'PARAM_ERROR', 'age needs ?seconds=N')
                order['created'] -= int(seconds)
            view = {k: v for k, v in order.items() if k != 'content'}
            view.update({'out_trade_no': otn, 'age_seconds': time.time() - order['created']})
        self.send_json(200, view, sign=False)


def notify(url, transaction):
    """Delivers one payment event to `url`, retried on the schedule until a 2xx answer."""
    import urllib.request
    if 'notify-mainland-names' in CFG.deviations:
        transaction = dict(transaction)
        transaction['transaction_id'] = transaction.pop('id')
    event_id = secrets.token_hex(16)
    for wait in NOTIFY_SCHEDULE:
        time.sleep(wait / CFG.notify_speedup)
        nonce = rand(12)
        ciphertext = AESGCM(CFG.apiv3_key).encrypt(
            nonce.encode(), json.dumps(transaction).encode(), b'transaction')
        body = json.dumps({
            'id': event_id, 'create_time': rfc3339(time.time()),
            'resource_type': 'encrypt-resource', 'event_type': 'TRANSACTION.SUCCESS',
            'summary': '支付成功',
            'resource': {'original_type': 'transaction', 'algorithm': 'AEAD_AES_256_GCM',
                         'ciphertext': base64.b64encode(ciphertext).decode(),
                         'associated_data': 'transaction', 'nonce': nonce}},
            ensure_ascii=False).encode()
        ts, sig_nonce = str(int(time.time())), rand(32)
        sig = CFG.platform_key.sign(ts.encode() + b'\n' + sig_nonce.encode() + b'\n' + body + b'\n',
                                    padding.PKCS1v15(), hashes.SHA256())
        request = urllib.request.Request(url, data=body, method='POST', headers={
            'Content-Type': 'application/json', 'Wechatpay-Timestamp': ts,
            'Wechatpay-Nonce': sig_nonce, 'Wechatpay-Signature': base64.b64encode(sig).decode(),
            'Wechatpay-Serial': CFG.serial, 'Wechatpay-Signature-Type': SCHEME})
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                if 200 <= answer.status < 300:
                    return
        except Exception:  # a refusal (HTTPError), a timeout, no listener: retry
            pass


def seed_paid(out_trade_no):
    m = CFG.first
    sub = m['sub_mchids'][0] if m['mode'] == 'institutional' and m['sub_mchids'] else ''
    owner = {'sp_mchid': m['mchid'], 'sp_appid': m['appid'], 'sub_mchid': sub} \
        if m['mode'] == 'institutional' else {'mchid': m['mchid'], 'appid': m['appid']}
    order = STORE.create(m['mchid'], sub, {**owner, 'description': 'seeded paid order',
                                           'out_trade_no': out_trade_no,
                                           'notify_url': 'https://example.com/notify',
                                           'amount': {'total': 1, 'currency': 'HKD'}})
    order['trade_state'], order['paid'] = 'SUCCESS', time.time()


def main(argv):
    global CFG
    ap = argparse.ArgumentParser(prog='wechatpay.py', description='Independent WeChat Pay Global close server; the header comment of this file documents it.')
    ap.add_argument('--make-keys', metavar='DIR')
    ap.add_argument('--port', type=int, default=0)
    ap.add_argument('--merchants')
    ap.add_argument('--platform-key')
    ap.add_argument('--platform-cert')
    ap.add_argument('--public-key-id')
    ap.add_argument('--apiv3-key')
    ap.add_argument('--paid-out-trade-no')
    ap.add_argument('--close-min-age', type=int, default=0)
    ap.add_argument('--reclose-error', action='store_true')
    ap.add_argument('--notify-speedup', type=int, default=1)
    ap.add_argument('--deviate', action='append', choices=sorted(DEVIATIONS))
    args = ap.parse_args(argv)
    if args.make_keys:
        return make_keys(args.make_keys)
    if not args.merchants or not args.platform_key:
        usage('--merchants and --platform-key are required (or --make-keys DIR)')
    if not 0 <= args.port <= 65535 or args.close_min_age < 0:
        usage('--port 0..65535, --close-min-age >= 0')
    CFG = Config(args)
    if args.paid_out_trade_no:
        if not OTN_RE.match(args.paid_out_trade_no):
            usage('--paid-out-trade-no: at most 32 of letters, digits, _-*|')
        seed_paid(args.paid_out_trade_no)
    server = ThreadingHTTPServer(('127.0.0.1', args.port), Handler)
    server.daemon_threads = True
    print(f'listening on http://127.0.0.1:{server.server_address[1]}', flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == '__main__':
    main(sys.argv[1:])
