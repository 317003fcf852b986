#!/usr/bin/env python3
"""Drive the official-community Python SDK `wechatpayv3` (PyPI, pinned 2.0.4) through a WeChat Pay
Global close by out_trade_no against a local server, and say in one JSON line what the SDK made
of the answer:

  {"sdk": "wechatpayv3", "version": "2.0.4", "ok": true|false, "rejected": true|false,
   "status": 204|403|...|null, "code": "ORDERPAID"|null, "error": "..."|null, "steps": [...]}

ok: the SDK returned a 2xx answer to the close without raising. rejected: the SDK raised (for a
2xx answer that means it refused the response signature; status is then null, because the SDK
raises before returning the status; with --query the order is queried all the same, so the
step shows whether the refused close did happen). code: the error body's `code` of a non-2xx answer, which
wechatpayv3 returns as (status, text) without raising.

The SDK has no base-URL option and no global close helper (only the domestic `close()` under
/v3/pay/...): the driver sets `_core._gate_way` after construction and calls
`_core.request('/v3/global/transactions/out-trade-no/{otn}/close', POST, {"mchid": ...})`.

Usage (every value also from the environment variable in brackets):
  python3 wechatpayv3_close.py --base-url URL [WX_BASE_URL] --mchid M [WX_MCHID] --appid A [WX_APPID]
      --serial-no S [WX_SERIAL_NO] --private-key FILE [WX_PRIVATE_KEY]
      --apiv3-key K [WX_APIV3_KEY] --out-trade-no OTN [WX_OUT_TRADE_NO]
      ( --platform-public-key FILE [WX_PLATFORM_PUBLIC_KEY] --public-key-id ID [WX_PUBLIC_KEY_ID]
      | --platform-cert FILE [WX_PLATFORM_CERT] [--download-certs] )
      [--create] [--query] [--expect accepted|rejected|CODE]
--create: first create the order (POST /v3/global/transactions/native, HKD 1) through the SDK.
--query: afterwards query it (GET .../out-trade-no/{otn}?mchid=...) and report its trade_state.
--download-certs (certificate mode): after construction drop the given certificate and let the
  SDK download and decrypt the platform certificate list itself (it asks /v3/certificates).
--expect: exit 1 unless the close was accepted (ok), rejected by the SDK, or failed with CODE.
Exit codes: 0 (or the --expect verdict), 2 on bad usage / SDK not importable.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile


def emit(result, expect):
    print(json.dumps(result), flush=True)
    if expect is None:
        return 0
    if expect == 'accepted':
        return 0 if result['ok'] else 1
    if expect == 'rejected':
        return 0 if result['rejected'] else 1
    return 0 if result['code'] == expect else 1


def main():
    env = os.environ.get
    ap = argparse.ArgumentParser(description='wechatpayv3 global close driver')
    for flag, var in [('--base-url', 'WX_BASE_URL'), ('--mchid', 'WX_MCHID'), ('--appid', 'WX_APPID'),
                      ('--serial-no', 'WX_SERIAL_NO'), ('--private-key', 'WX_PRIVATE_KEY'),
                      ('--apiv3-key', 'WX_APIV3_KEY'), ('--out-trade-no', 'WX_OUT_TRADE_NO'),
                      ('--platform-public-key', 'WX_PLATFORM_PUBLIC_KEY'),
                      ('--public-key-id', 'WX_PUBLIC_KEY_ID'), ('--platform-cert', 'WX_PLATFORM_CERT')]:
        ap.add_argument(flag, default=env(var))
    ap.add_argument('--create', action='store_true')
    ap.add_argument('--query', action='store_true')
    ap.add_argument('--download-certs', action='store_true')
    ap.add_argument('--timeout', type=float, default=10.0)
    ap.add_argument('--expect')
    a = ap.parse_args()
    missing = [n for n in ('base_url', 'mchid', 'appid', 'serial_no', 'private_key', 'apiv3_key',
                           'out_trade_no') if not getattr(a, n)]
    pubkey_mode = bool(a.platform_public_key and a.public_key_id)
    if missing or not (pubkey_mode or a.platform_cert):
        sys.stderr.write('wechatpayv3_close.py: missing %s\n' % (
            ', '.join(missing) or 'platform key (--platform-public-key + --public-key-id) or --platform-cert'))
        return 2
    result = {'sdk': 'wechatpayv3', 'version': None, 'ok': False, 'rejected': False,
              'status': None, 'code': None, 'error': None, 'steps': []}
    try:
        from importlib.metadata import version
        from wechatpayv3 import WeChatPay, WeChatPayType
        from wechatpayv3.type import RequestType
        result['version'] = version('wechatpayv3')
    except Exception as e:  # noqa: BLE001 - report, don't crash
        sys.stderr.write(f'wechatpayv3_close.py: cannot import wechatpayv3: {e!r}\n')
        return 2
    private_key = open(a.private_key).read()
    cert_dir = None
    kwargs = {}
    if pubkey_mode:
        kwargs = {'public_key': open(a.platform_public_key).read(), 'public_key_id': a.public_key_id}
    else:
        # Certificate mode: the SDK loads platform certificates from cert_dir (*.pem); without one
        # it would fetch them from its hard-coded gateway during construction.
        cert_dir = tempfile.mkdtemp(prefix='wxpy-certs-')
        shutil.copy(a.platform_cert, os.path.join(cert_dir, 'platform.pem'))
        kwargs = {'cert_dir': cert_dir}
    stage = 'construct'
    try:
        wx = WeChatPay(wechatpay_type=WeChatPayType.NATIVE, mchid=a.mchid, private_key=private_key,
                       cert_serial_no=a.serial_no, appid=a.appid, apiv3_key=a.apiv3_key,
                       timeout=(a.timeout, a.timeout), **kwargs)
        core = wx._core
        core._gate_way = a.base_url.rstrip('/')
        if a.download_certs and not pubkey_mode:
            stage = 'download-certs'
            core._cert_dir = None
            core._certificates.clear()
            core._update_certificates()
            result['steps'].append({'step': 'download-certs', 'certificates': len(core._certificates)})
        if a.create:
            stage = 'create'
            status, text = core.request('/v3/global/transactions/native', method=RequestType.POST, data={
                'mchid': a.mchid, 'appid': a.appid, 'description': 'pay-conformance sdk check',
                'out_trade_no': a.out_trade_no, 'notify_url': 'https://example.com/notify',
                'trade_type': 'NATIVE', 'amount': {'total': 1, 'currency': 'HKD'}})
            result['steps'].append({'step': 'create', 'status': status})
        from urllib.parse import quote
        path = '/v3/global/transactions/out-trade-no/%s/close' % quote(a.out_trade_no, safe='')
        stage = 'close'
        try:
            status, text = core.request(path, method=RequestType.POST, data={'mchid': a.mchid})
        except Exception as e:  # noqa: BLE001 - the SDK's refusal is the finding
            result.update(rejected=True, error=f'{type(e).__name__}: {e}')
            status = None
        result['status'] = status
        if status is None:
            pass
        elif 200 <= status < 300:
            result['ok'] = True
        else:
            try:
                body = json.loads(text)
                result['code'] = body.get('code') if isinstance(body, dict) else None
            except (ValueError, TypeError):
                pass
            result['error'] = (text if isinstance(text, str) else text.decode('utf-8', 'replace'))[:300]
        if a.query:  # after the close: its failure is reported in its step, not as the verdict
            try:
                status, text = core.request('/v3/global/transactions/out-trade-no/%s?mchid=%s' % (
                    quote(a.out_trade_no, safe=''), a.mchid))
                state = json.loads(text).get('trade_state') if 200 <= status < 300 else None
                result['steps'].append({'step': 'query', 'status': status, 'trade_state': state})
            except Exception as e:  # noqa: BLE001
                result['steps'].append({'step': 'query', 'error': f'{type(e).__name__}: {e}'})
        return emit(result, a.expect)
    except Exception as e:  # noqa: BLE001 - construction / create / query failures
        result.update(rejected=True, error=f'{stage}: {type(e).__name__}: {e}')
        return emit(result, a.expect)
    finally:
        if cert_dir:
            shutil.rmtree(cert_dir, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
