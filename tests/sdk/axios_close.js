#!/usr/bin/env node
// Drive the official-community Node SDK `wechatpay-axios-plugin` (npm, pinned 0.9.6) through a
// WeChat Pay Global close by out_trade_no against a local server, and print in one JSON line
// what the SDK made of the answer:
//
//   {"sdk":"wechatpay-axios-plugin","version":"0.9.6","ok":true|false,"rejected":true|false,
//    "status":204|403|...|null,"code":"ORDERPAID"|null,"error":"..."|null,"steps":[...]}
//
// ok: the SDK resolved the close (a 2xx it accepted). rejected: the SDK's response verifier
// refused a 2xx answer (code EV3_RES_*; status is the HTTP status it refused). code: the
// error body's `code` of a non-2xx answer (axios rejects those; the plugin does not verify them).
//
// The close goes through the plugin's own chain:
//   wxpay.v3.global.transactions.outTradeNo.$out_trade_no$.close.post({mchid}, {out_trade_no})
// with `baseURL` pointing at the server and `certs: {serial_or_PUB_KEY_ID: pem}`.
//
// Usage (each value also from the environment variable in brackets):
//   node axios_close.js --base-url URL [WX_BASE_URL] --mchid M [WX_MCHID] --serial-no S [WX_SERIAL_NO]
//     --private-key FILE [WX_PRIVATE_KEY] --out-trade-no OTN [WX_OUT_TRADE_NO]
//     ( --platform-public-key FILE [WX_PLATFORM_PUBLIC_KEY] --public-key-id ID [WX_PUBLIC_KEY_ID]
//     | --platform-cert FILE [WX_PLATFORM_CERT] )
//     [--appid A [WX_APPID]] [--apiv3-key K [WX_APIV3_KEY]] [--create] [--query]
//     [--download-certs] [--expect accepted|rejected|CODE] [--timeout MS]
// --create needs --appid; --download-certs (certificate mode) needs --apiv3-key: it GETs
// /v3/global/certificates through the SDK and decrypts each entry with the plugin's AesGcm,
// checking the serial and public key against the configured certificate.
// Exit codes: 0 (or the --expect verdict: 1 when it does not hold), 2 on bad usage.

'use strict';

const fs = require('node:fs');
const crypto = require('node:crypto');

function usage(message) {
  process.stderr.write(`axios_close.js: ${message}\n`);
  process.exit(2);
}

const FLAGS = {
  '--base-url': 'WX_BASE_URL', '--mchid': 'WX_MCHID', '--appid': 'WX_APPID',
  '--serial-no': 'WX_SERIAL_NO', '--private-key': 'WX_PRIVATE_KEY', '--apiv3-key': 'WX_APIV3_KEY',
  '--out-trade-no': 'WX_OUT_TRADE_NO', '--platform-public-key': 'WX_PLATFORM_PUBLIC_KEY',
  '--public-key-id': 'WX_PUBLIC_KEY_ID', '--platform-cert': 'WX_PLATFORM_CERT',
};
const SWITCHES = ['--create', '--query', '--download-certs'];

function parseArgs(argv) {
  const opts = { expect: null, timeout: 10000 };
  for (const [flag, variable] of Object.entries(FLAGS)) opts[flag] = process.env[variable] || null;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (SWITCHES.includes(flag)) { opts[flag] = true; continue; }
    const value = argv[i + 1];
    if (value === undefined) usage(`${flag} needs a value`);
    if (Object.hasOwn(FLAGS, flag)) opts[flag] = value;
    else if (flag === '--expect') opts.expect = value;
    else if (flag === '--timeout') opts.timeout = Number(value);
    else usage(`unknown argument \`${flag}\``);
    i++;
  }
  const missing = ['--base-url', '--mchid', '--serial-no', '--private-key', '--out-trade-no']
    .filter((f) => !opts[f]);
  if (missing.length) usage(`missing ${missing.join(', ')}`);
  const pubkey = opts['--platform-public-key'] && opts['--public-key-id'];
  if (!pubkey && !opts['--platform-cert']) {
    usage('give --platform-public-key + --public-key-id, or --platform-cert');
  }
  if (opts['--create'] && !opts['--appid']) usage('--create needs --appid');
  if (opts['--download-certs'] && !opts['--apiv3-key']) usage('--download-certs needs --apiv3-key');
  return opts;
}

function emit(result, expect) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
  let verdict = true;
  if (expect === 'accepted') verdict = result.ok;
  else if (expect === 'rejected') verdict = result.rejected;
  else if (expect) verdict = result.code === expect;
  process.exitCode = verdict ? 0 : 1;
}

// What an axios/plugin error says, as {status, code, rejected, error}.
function describe(err) {
  const status = err.response ? err.response.status : null;
  const sdkCode = typeof err.code === 'string' ? err.code : null;
  const rejected = Boolean(sdkCode && sdkCode.startsWith('EV3_'));
  let code = null;
  if (!rejected && err.response && err.response.data && typeof err.response.data === 'object') {
    code = typeof err.response.data.code === 'string' ? err.response.data.code : null;
  }
  return { status, code, rejected, error: `${sdkCode || err.name}: ${err.message}` };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  let Wechatpay;
  let Aes;
  let version;
  try {
    ({ Wechatpay, Aes } = require('wechatpay-axios-plugin'));
    ({ version } = require('wechatpay-axios-plugin/package.json'));
  } catch (e) {
    usage(`cannot load wechatpay-axios-plugin (npm ci --prefix tests/sdk): ${e.message}`);
  }
  const result = {
    sdk: 'wechatpay-axios-plugin', version, ok: false, rejected: false, status: null, code: null, error: null, steps: [],
  };
  const mchid = opts['--mchid'];
  const otn = opts['--out-trade-no'];
  let certs;
  let platformPem;
  if (opts['--platform-public-key'] && opts['--public-key-id']) {
    platformPem = fs.readFileSync(opts['--platform-public-key'], 'utf8');
    certs = { [opts['--public-key-id']]: platformPem };
  } else {
    platformPem = fs.readFileSync(opts['--platform-cert'], 'utf8');
    const serial = new crypto.X509Certificate(platformPem).serialNumber.toUpperCase();
    certs = { [serial]: platformPem };
  }
  let base = opts['--base-url'];
  if (!base.endsWith('/')) base += '/';
  const wxpay = new Wechatpay({
    mchid,
    serial: opts['--serial-no'],
    privateKey: fs.readFileSync(opts['--private-key'], 'utf8'),
    certs,
    baseURL: base,
    timeout: opts.timeout,
  });

  try {
    if (opts['--download-certs']) {
      const res = await wxpay.v3.global.certificates.get();
      const key = Buffer.from(opts['--apiv3-key']);
      const configured = crypto.createPublicKey(platformPem).export({ type: 'spki', format: 'der' });
      const entries = (res.data && res.data.data) || [];
      const found = entries.map((entry) => {
        const { nonce, associated_data: aad, ciphertext } = entry.encrypt_certificate;
        const pem = Aes.AesGcm.decrypt(ciphertext, key, nonce, aad);
        const cert = new crypto.X509Certificate(pem);
        return {
          serial_no: entry.serial_no,
          serial_matches: cert.serialNumber.toUpperCase() === entry.serial_no,
          key_matches: cert.publicKey.export({ type: 'spki', format: 'der' }).equals(configured),
        };
      });
      result.steps.push({ step: 'download-certs', status: res.status, certificates: found });
    }
    if (opts['--create']) {
      const res = await wxpay.v3.global.transactions.native.post({
        mchid,
        appid: opts['--appid'],
        description: 'pay-conformance sdk check',
        out_trade_no: otn,
        notify_url: 'https://example.com/notify',
        trade_type: 'NATIVE',
        amount: { total: 1, currency: 'HKD' },
      });
      result.steps.push({ step: 'create', status: res.status });
    }
  } catch (err) {
    result.error = `setup: ${describe(err).error}`;
    result.rejected = describe(err).rejected;
    result.status = describe(err).status;
    return emit(result, opts.expect);
  }

  try {
    const res = await wxpay.v3.global.transactions.outTradeNo.$out_trade_no$.close
      .post({ mchid }, { out_trade_no: encodeURIComponent(otn) });
    result.ok = true;
    result.status = res.status;
  } catch (err) {
    Object.assign(result, describe(err));
  }

  if (opts['--query']) {
    try {
      const res = await wxpay.v3.global.transactions.outTradeNo.$out_trade_no$
        .get({ params: { mchid }, out_trade_no: encodeURIComponent(otn) });
      result.steps.push({ step: 'query', status: res.status, trade_state: res.data.trade_state });
    } catch (err) {
      result.steps.push({ step: 'query', ...describe(err) });
    }
  }
  return emit(result, opts.expect);
}

main().catch((err) => {
  process.stderr.write(`axios_close.js: ${err.stack || err}\n`);
  process.exit(2);
});
