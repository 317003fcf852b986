#!/usr/bin/env node
// An independent implementation of the TTPay / TokenPay transaction API v1 (create =
// `prepayment`, query, close), written from /work/shared/CONTRACT.md section 1 and the
// provider's pages (seeds 000–003) — not from the suite's Rust double. It exists so that
// `cargo test` can show the suite finds no deviation in a server it did not grow up with.
//
// Node standard library only (node:http, node:crypto). Run:
//
//   TTPAY_APP_ID=… TTPAY_MCH_ID=… TTPAY_APP_SECRET=<32 bytes> \
//   [TTPAY_OTHER_APP_ID=… TTPAY_OTHER_MCH_ID=… TTPAY_OTHER_APP_SECRET=…] \
//   [TTPAY_PAID_OUT_TRADE_NO=…] node ttpay.js --port 0 [--deviate NAME] [--rate-limit N]
//   [--amount-reading sent|scaled] [--notify-speedup N]
//
// Payment notifications (CONTRACT N1-N5): `POST /_control/orders/{id}/pay` (a test hook,
// unsigned; `GET /_control/health` says it is there) pays an order; one with a notify_url is
// POSTed {app_id, mch_id, create_time, resource_type, event_type, resource} with the detail
// AES-256-GCM-encrypted under the app secret (12-character nonce as its bytes, tag appended,
// associated_data "transaction"), retried on the documented schedule divided by
// --notify-speedup until the answer is `success`.
//
// The first stdout line is `listening on http://127.0.0.1:PORT`. Exit code 2 on bad usage.
//
// Where the contract is silent, the choice made is marked `Silent:` below.

'use strict';

const http = require('node:http');
const crypto = require('node:crypto');

// ---------------------------------------------------------------------------------------------
// Command line and merchants

// Deliberate deviations, each breaking one rule, to prove the suite notices.
const DEVIATIONS = {
  'trailing-comma': 'T3: every JSON object ends with a trailing comma, as in the docs examples',
  'lowercase-state': 'Q5: trade_state in lower case (notpay, success, closed)',
  'close-ignores-signature': 'A3: close does not check the request signature',
  'duplicate-new-prepay-id': 'C6: a duplicate out_trade_no is answered 0 with a new prepay_id',
  'expire-in-seconds': 'Q7: expire_time = create_time + expire_second (seconds, not ms)',
  'mixed-amount-reading':
    'C7: USDT amounts read back the other way than --amount-reading, so a run sees both readings',
  'notify-without-tag': 'N2: the notification ciphertext lacks its 16-byte GCM tag',
};

// N4: the documented retry schedule, seconds before each attempt.
const NOTIFY_SCHEDULE = [0, 15, 30, 180, 600, 1200, 1800, 3600, 10800, 21600];

// C7: how a query reads back the amount create sent — `sent` (unchanged) or `scaled`
// (× 10^decimals). Either conforms, if every order of the run reads the same way.
const READINGS = ['sent', 'scaled'];

function usage(message) {
  process.stderr.write(`ttpay.js: ${message}\n`);
  process.stderr.write(
    'usage: node ttpay.js [--port N] [--deviate NAME] [--rate-limit N] [--header-limit BYTES]\n' +
      '                     [--amount-reading sent|scaled]\n' +
      '  --amount-reading R    query amounts as create sent them (sent, the default) or\n' +
      '                        × 10^decimals (scaled): C7 allows either\n' +
      '  --header-limit BYTES  refuse a request head over BYTES with a bare HTTP 431, as an\n' +
      '                        HTTP front end does (T5 allows it)\n' +
      Object.entries(DEVIATIONS)
        .map(([name, what]) => `  --deviate ${name}  (${what})\n`)
        .join(''),
  );
  process.exit(2);
}

function parseArgs(argv) {
  const opts = {
    port: 0,
    deviate: null,
    rateLimit: 0,
    headerLimit: 0,
    amountReading: 'sent',
    notifySpeedup: 1,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (['--port', '--rate-limit', '--header-limit', '--notify-speedup'].includes(flag)) {
      if (value === undefined || !/^\d+$/.test(value)) usage(`${flag} needs a number`);
      if (flag === '--port') opts.port = Number(value);
      else if (flag === '--header-limit') opts.headerLimit = Number(value);
      else if (flag === '--notify-speedup') opts.notifySpeedup = Math.max(1, Number(value));
      else opts.rateLimit = Number(value);
      i++;
    } else if (flag === '--amount-reading') {
      if (!READINGS.includes(value ?? '')) usage('--amount-reading is `sent` or `scaled`');
      opts.amountReading = value;
      i++;
    } else if (flag === '--deviate') {
      if (!Object.hasOwn(DEVIATIONS, value ?? '')) usage(`unknown deviation \`${value}\``);
      opts.deviate = value;
      i++;
    } else {
      usage(`unknown argument \`${flag}\``);
    }
  }
  if (opts.port > 65535) usage('--port must be at most 65535');
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const deviating = (name) => opts.deviate === name;

// app_id -> { appId, mchId, key }
const apps = new Map();
function addMerchant(prefix, required) {
  const appId = process.env[`${prefix}APP_ID`];
  const mchId = process.env[`${prefix}MCH_ID`];
  const secret = process.env[`${prefix}APP_SECRET`];
  if (!appId || !mchId || !secret) {
    if (required) usage(`${prefix}APP_ID, ${prefix}MCH_ID and ${prefix}APP_SECRET must be set`);
    return null;
  }
  const key = Buffer.from(secret, 'utf8');
  // A2: the key is the secret's 32 UTF-8 bytes (AES-256); anything else is a config error.
  if (key.length !== 32) usage(`${prefix}APP_SECRET must be 32 bytes, it is ${key.length}`);
  if (apps.has(appId)) usage(`${prefix}APP_ID repeats another merchant's app_id`);
  const app = { appId, mchId, key };
  apps.set(appId, app);
  return app;
}
const firstApp = addMerchant('TTPAY_', true);
addMerchant('TTPAY_OTHER_', false);

// ---------------------------------------------------------------------------------------------
// Business codes (T6)

const OK = 0;
const PARAM_ERROR = 100;
const BAD_SIGNATURE = 103;
const SIGNATURE_EXPIRED = 104;
const RETRY_LATER = 11000;
const TOO_FREQUENT = 11001;
const MISSING_PARAM = 11003;
const ALREADY_EXISTS = 12001;
const NOT_FOUND = 12002;
const UNKNOWN_APP = 20000;
const INVALID_PARAM = 20005;

class Refusal {
  constructor(code, msg) {
    this.code = code;
    this.msg = msg;
  }
}
const refuse = (code, msg) => {
  throw new Refusal(code, msg);
};

// ---------------------------------------------------------------------------------------------
// Chains and currencies (C7). Silent: the contract names the chains and requires at least TRX
// and USDT on TRON; the rest of the list (and the token contracts, logos and decimals) is the
// public token data of each chain.

const LOGO = 'https://static.tronscan.org/production/logo';
const CURRENCIES = {
  TRON: {
    TRX: { decimal: 6, contract: '', standard: 'TRON', logo: `${LOGO}/trx.png` },
    USDT: { decimal: 6, contract: 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t', standard: 'TRC20', logo: `${LOGO}/usdtlogo.png` },
    USDC: { decimal: 6, contract: 'TEkxiTehnzSmSe2XqrBj4w32RUN966rdz8', standard: 'TRC20', logo: `${LOGO}/usdc.png` },
  },
  ETHEREUM: {
    ETH: { decimal: 18, contract: '', standard: 'ETHEREUM', logo: `${LOGO}/eth.png` },
    USDT: { decimal: 6, contract: '0xdAC17F958D2ee523a2206206994597C13D831ec7', standard: 'ERC20', logo: `${LOGO}/usdtlogo.png` },
    USDC: { decimal: 6, contract: '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48', standard: 'ERC20', logo: `${LOGO}/usdc.png` },
  },
  BSC: {
    BNB: { decimal: 18, contract: '', standard: 'BSC', logo: `${LOGO}/bnb.png` },
    USDT: { decimal: 18, contract: '0x55d398326f99059fF775485246999027B3197955', standard: 'BEP20', logo: `${LOGO}/usdtlogo.png` },
    USDC: { decimal: 18, contract: '0x8AC76a51cc950d9822D68b83fE1Ad97B32Cd580d', standard: 'BEP20', logo: `${LOGO}/usdc.png` },
  },
};

function currencyObject(chain, symbol) {
  const c = CURRENCIES[chain][symbol];
  return {
    type: symbol,
    chain,
    code: `${chain}_${symbol}`,
    currency: symbol,
    name: symbol,
    sub_name: c.standard,
    logo: c.logo,
    contract_address: c.contract,
    decimal: c.decimal,
  };
}

// ---------------------------------------------------------------------------------------------
// Orders. Silent: kept in memory only; a restart forgets them.

const byMerchantNo = new Map(); // `${mch_id}\n${out_trade_no}` -> order
const byTransactionId = new Map(); // transaction_id -> order

const hex = (bytes) => crypto.randomBytes(bytes).toString('hex');
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const randomOf = (alphabet, n) =>
  Array.from(crypto.randomBytes(n), (b) => alphabet[b % alphabet.length]).join('');
// Silent: a platform order (no to_address) is given a platform collection wallet.
const walletFor = (chain) => (chain === 'TRON' ? `T${randomOf(BASE58, 33)}` : `0x${hex(20)}`);

function storeOrder(order) {
  byMerchantNo.set(`${order.mchId}\n${order.outTradeNo}`, order);
  byTransactionId.set(order.transactionId, order);
}

function newOrder(mchId, fields, now) {
  return {
    mchId,
    outTradeNo: fields.out_trade_no,
    transactionId: hex(16), // 32 hex digits, like the docs' example
    prepayId: hex(32), // 64 hex digits, like the docs' example
    state: 'NOTPAY',
    description: fields.description ?? '',
    attach: fields.attach, // undefined when not sent
    amount: fields.amount,
    chain: fields.chain,
    currency: fields.currency,
    orderType: fields.order_type,
    toAddress: fields.to_address ?? walletFor(fields.chain),
    locale: fields.locale ?? 'en',
    notifyUrl: fields.notify_url ?? '',
    returnUrl: fields.return_url ?? '',
    createTime: now,
    expireSecond: fields.expire_second,
    payTime: 0,
    blockTime: 0,
    blockNo: 0,
    closeTime: 0,
    txId: '',
    fromAddress: '',
    notifyNum: 0,
  };
}

// The paid order the suite's @needs-paid-order scenarios (Q8, X2) look for.
if (process.env.TTPAY_PAID_OUT_TRADE_NO) {
  const created = Date.now() - 3600 * 1000;
  const paid = newOrder(
    firstApp.mchId,
    {
      out_trade_no: process.env.TTPAY_PAID_OUT_TRADE_NO,
      description: 'recharge',
      attach: 'anim dolore',
      amount: 15000000,
      chain: 'TRON',
      currency: 'TRX',
      order_type: 'platform_order',
      expire_second: 600,
      notify_url: 'https://example.com/notify',
    },
    created,
  );
  Object.assign(paid, {
    state: 'SUCCESS',
    payTime: created + 27000,
    blockTime: created + 27000,
    blockNo: 33215220,
    txId: hex(32),
    fromAddress: walletFor('TRON'),
    notifyNum: 1,
  });
  storeOrder(paid);
}

function expireTime(order) {
  const unit = deviating('expire-in-seconds') ? 1 : 1000;
  return order.createTime + order.expireSecond * unit;
}

// C7: the amount as this server reads it back. Scaled amounts are exact decimal text (BigInt),
// spliced into the JSON by reply() where they pass 2^53.
const RAW = '\u0000raw\u0000';
function amountRead(order, decimals) {
  let reading = opts.amountReading;
  if (deviating('mixed-amount-reading') && order.currency === 'USDT') {
    reading = reading === 'sent' ? 'scaled' : 'sent';
  }
  if (reading === 'sent') return order.amount;
  const scaled = BigInt(order.amount) * 10n ** BigInt(decimals);
  if (scaled <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(scaled);
  return { toJSON: () => `${RAW}${scaled}${RAW}` };
}
// Q4: the TransactionDetail of an order, as seen now.
function transactionDetail(order, now) {
  const c = CURRENCIES[order.chain][order.currency];
  // Q7: remaining seconds, between 0 and the created value. Silent: an order that is no longer
  // payable (paid or closed) has 0 left; an unpaid order past its expiry stays NOTPAY (the
  // contract only observes what happens then) with 0 left.
  const remaining =
    order.state === 'NOTPAY'
      ? Math.min(order.expireSecond, Math.max(0, Math.ceil((expireTime(order) - now) / 1000)))
      : 0;
  const paid = order.state === 'SUCCESS' || order.state === 'REFUND';
  // Silent (observe only): status 1 new, 2 paid, 3 closed; notify_status 2 once notified,
  // 0 before; the service fee is 0.3 % of the amount (the docs' 45000 for 15000000), in the
  // order's currency.
  const status = { NOTPAY: 1, SUCCESS: 2, REFUND: 2, CLOSED: 3 }[order.state];
  const detail = {
    out_trade_no: order.outTradeNo,
    transaction_id: order.transactionId,
    trade_state: deviating('lowercase-state') ? order.state.toLowerCase() : order.state,
    description: order.description,
    block_no: order.blockNo,
    create_time: order.createTime,
    block_time: order.blockTime,
    expire_time: expireTime(order),
    expire_second: remaining,
    pay_time: order.payTime,
    close_time: order.closeTime,
    tx_id: order.txId,
    from_address: order.fromAddress,
    contract_address: c.contract,
    to_address: order.toAddress,
    amount: amountRead(order, c.decimal),
    chain: order.chain,
    decimals: c.decimal,
    service_amount: Math.floor((order.amount * 3) / 1000),
    service_amount_currency: order.currency,
    notify_url: order.notifyUrl,
    notify_num: order.notifyNum,
    notify_status: order.notifyNum > 0 ? 2 : 0,
    status,
    currency: currencyObject(order.chain, order.currency),
  };
  // Create page: attach "is returned only when the payment is complete".
  if (paid && order.attach !== undefined) detail.attach = order.attach;
  return detail;
}

// ---------------------------------------------------------------------------------------------
// Validation helpers

const isString = (v) => typeof v === 'string';

// C1/C2: a required field that is absent (or null: Silent — null counts as absent) → 11003.
function requireFields(body, names) {
  const missing = names.filter((n) => body[n] === undefined || body[n] === null);
  if (missing.length) refuse(MISSING_PARAM, `missing required parameter: ${missing.join(', ')}`);
}

// An optional string: absent/null is fine; anything else must be a string. Silent: a limit on
// length (1024 characters; 256 for identifiers and URLs) so nothing is stored unbounded.
function optionalString(body, name, max = 1024) {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (!isString(v)) refuse(PARAM_ERROR, `${name} must be a string`);
  if (v.length > max) refuse(PARAM_ERROR, `${name} is longer than ${max} characters`);
  return v;
}

function identifier(body, name) {
  const v = optionalString(body, name, 256);
  // Silent: an empty identifier is no identifier.
  return v === '' ? undefined : v;
}

// T1: the body names the merchant; it must be the caller's own (C3).
function callerMerchant(body, app, required) {
  if (body.mch_id === undefined || body.mch_id === null) {
    if (required) refuse(MISSING_PARAM, 'missing required parameter: mch_id');
    return;
  }
  if (!isString(body.mch_id)) refuse(PARAM_ERROR, 'mch_id must be a string');
  if (body.mch_id !== app.mchId) refuse(PARAM_ERROR, 'mch_id is not the merchant of this app_id');
}

// ---------------------------------------------------------------------------------------------
// The three endpoints. Each returns the `data` of a success (or undefined) or throws a Refusal.

function create(body, app, now) {
  callerMerchant(body, app, true);
  requireFields(body, ['out_trade_no', 'expire_second', 'amount', 'chain', 'currency', 'order_type']);
  const outTradeNo = identifier(body, 'out_trade_no');
  if (outTradeNo === undefined) refuse(MISSING_PARAM, 'missing required parameter: out_trade_no');

  // C3: expire_second a positive integer. Silent: at most one year.
  const expire = body.expire_second;
  if (typeof expire !== 'number' || !Number.isInteger(expire) || expire <= 0 || expire > 31536000) {
    refuse(PARAM_ERROR, 'expire_second must be a positive integer (seconds, at most a year)');
  }
  // C3/C7: amount a positive number, in the currency's smallest unit — so a whole number.
  // Silent: a fractional smallest unit is refused; amounts beyond 2^53 are not exact in JSON
  // numbers as Node reads them and are refused too (so 18-decimal coins top out near 0.009).
  const amount = body.amount;
  if (typeof amount !== 'number' || !Number.isFinite(amount) || amount <= 0) {
    refuse(PARAM_ERROR, 'amount must be a positive number');
  }
  if (!Number.isSafeInteger(amount)) {
    refuse(PARAM_ERROR, "amount must be a whole number of the currency's smallest unit");
  }
  // C3/C7: the chain and the currency on it, exactly in that case.
  if (!isString(body.chain) || !Object.hasOwn(CURRENCIES, body.chain)) {
    refuse(PARAM_ERROR, `chain must be one of ${Object.keys(CURRENCIES).join(', ')}`);
  }
  if (!isString(body.currency) || !Object.hasOwn(CURRENCIES[body.chain], body.currency)) {
    refuse(PARAM_ERROR, `currency not offered on ${body.chain}`);
  }
  if (body.order_type !== 'platform_order' && body.order_type !== 'merchant_order') {
    refuse(PARAM_ERROR, 'order_type must be platform_order or merchant_order');
  }
  const fields = {
    out_trade_no: outTradeNo,
    expire_second: expire,
    amount,
    chain: body.chain,
    currency: body.currency,
    order_type: body.order_type,
    description: optionalString(body, 'description'),
    to_address: identifier(body, 'to_address'),
    attach: optionalString(body, 'attach'),
    locale: optionalString(body, 'locale'),
    notify_url: optionalString(body, 'notify_url', 256),
    return_url: optionalString(body, 'return_url', 256),
  };
  if (fields.locale !== undefined && fields.locale !== 'zh_cn' && fields.locale !== 'en') {
    refuse(PARAM_ERROR, 'locale must be zh_cn or en');
  }
  // C4: a monitor order watches the merchant's own wallet, so it must name it.
  if (fields.order_type === 'merchant_order' && fields.to_address === undefined) {
    refuse(PARAM_ERROR, 'a merchant_order needs to_address');
  }
  // C6: out_trade_no is unique per merchant; a duplicate is refused and changes nothing.
  const existing = byMerchantNo.get(`${app.mchId}\n${outTradeNo}`);
  if (existing) {
    if (!deviating('duplicate-new-prepay-id')) refuse(ALREADY_EXISTS, 'out_trade_no already exists');
    return { prepay_id: hex(32), payment_url: `/pay/order?prepay_id=${hex(32)}` };
  }
  const order = newOrder(app.mchId, fields, now);
  storeOrder(order);
  // C5: the docs' example payment_url is a path on the provider's host.
  return { prepay_id: order.prepayId, payment_url: `/pay/order?prepay_id=${order.prepayId}` };
}

// Orders are private (Q9, X6): only the caller's merchant's orders are found at all, and
// someone else's order is answered exactly like one that does not exist (12002).
function findOrder(app, outTradeNo, transactionId) {
  let order;
  if (transactionId !== undefined) {
    order = byTransactionId.get(transactionId);
    if (order && order.mchId !== app.mchId) order = undefined;
    // Silent: both keys given must name the same order.
    if (order && outTradeNo !== undefined && order.outTradeNo !== outTradeNo) order = undefined;
  } else {
    order = byMerchantNo.get(`${app.mchId}\n${outTradeNo}`);
  }
  if (!order) refuse(NOT_FOUND, 'order does not exist');
  return order;
}

function query(body, app, now, method) {
  // Silent: on GET the parameters come from the query string (merged in by the caller) and
  // mch_id may be left out — the signed Authorization already names the merchant.
  callerMerchant(body, app, method !== 'GET');
  const outTradeNo = identifier(body, 'out_trade_no');
  const transactionId = identifier(body, 'transaction_id');
  // Q2: at least one of the two.
  if (outTradeNo === undefined && transactionId === undefined) {
    refuse(MISSING_PARAM, 'out_trade_no or transaction_id is required');
  }
  return transactionDetail(findOrder(app, outTradeNo, transactionId), now);
}

function close(body, app, now) {
  callerMerchant(body, app, true);
  const transactionId = identifier(body, 'transaction_id');
  // X5: the docs mark transaction_id optional but name no other key, so it is required.
  if (transactionId === undefined) refuse(MISSING_PARAM, 'missing required parameter: transaction_id');
  const order = findOrder(app, undefined, transactionId); // X4, X6
  if (order.state === 'SUCCESS' || order.state === 'REFUND') {
    // X2. Silent: no code is named for "already paid"; 20005 (invalid parameter) — the
    // transaction_id names an order that cannot be closed. Not 11000: retrying will not help.
    refuse(INVALID_PARAM, 'the order is paid and cannot be closed');
  }
  // X3, Silent: closing a closed order again succeeds and keeps its close_time.
  if (order.state === 'NOTPAY') {
    order.state = 'CLOSED';
    order.closeTime = Math.max(now, order.createTime);
  }
  return undefined; // the docs' close answer carries no data
}

const ENDPOINTS = {
  '/v1/transaction/prepayment': { methods: ['POST'], handle: create },
  '/v1/transaction/query': { methods: ['POST', 'GET'], handle: query },
  '/v1/transaction/close': { methods: ['POST'], handle: close },
};

// ---------------------------------------------------------------------------------------------
// Signing (A1, A2, A6)

const aes = (key, text) => {
  const cipher = crypto.createCipheriv('aes-256-ecb', key, null); // PKCS#7 padding by default
  return Buffer.concat([cipher.update(text), cipher.final()]).toString('base64');
};

// A1: `TTPAY-AES-256-ECB app_id=…,mch_id=…,nonce_str=…,timestamp=…,signature=…`.
function parseAuthorization(header) {
  if (!isString(header)) return null;
  const m = /^TTPAY-AES-256-ECB\s+(.+)$/.exec(header.trim());
  if (!m) return null;
  const fields = {};
  for (const part of m[1].split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return null;
    const key = part.slice(0, eq).trim();
    if (Object.hasOwn(fields, key)) return null;
    fields[key] = part.slice(eq + 1).trim(); // the Base64 signature may itself end in '='
  }
  for (const k of ['app_id', 'mch_id', 'nonce_str', 'timestamp', 'signature']) {
    if (!fields[k]) return null;
  }
  return fields;
}

// Silent: a timestamp more than 5 minutes from the server's clock, either way, has expired.
const MAX_SKEW_MS = 5 * 60 * 1000;

function authenticate(req, raw, now, skipSignature) {
  const auth = parseAuthorization(req.headers.authorization);
  if (!auth) refuse(BAD_SIGNATURE, 'missing or unreadable Authorization header');
  const app = apps.get(auth.app_id);
  if (!app) refuse(UNKNOWN_APP, 'application does not exist'); // A5
  if (!skipSignature) {
    // A2: URL is the path plus `?query` exactly as sent; BODY the raw bytes.
    const signed = Buffer.concat([
      Buffer.from(`${req.url}\n${auth.timestamp}\n${auth.nonce_str}\n`, 'utf8'),
      raw,
    ]);
    const expected = Buffer.from(aes(app.key, signed), 'utf8');
    const given = Buffer.from(auth.signature, 'utf8');
    if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
      refuse(BAD_SIGNATURE, 'invalid signature'); // A3
    }
    // A4: replay protection. Silent: only milliseconds are accepted (the docs' text).
    if (!/^\d{1,16}$/.test(auth.timestamp)) refuse(BAD_SIGNATURE, 'timestamp is not Unix ms');
    if (Math.abs(now - Number(auth.timestamp)) > MAX_SKEW_MS) {
      refuse(SIGNATURE_EXPIRED, 'signature expired');
    }
  }
  // Silent: the header's mch_id must be the app's merchant.
  if (auth.mch_id !== app.mchId) refuse(BAD_SIGNATURE, 'mch_id does not belong to app_id');
  return app;
}

// ---------------------------------------------------------------------------------------------
// HTTP

const MAX_BODY = 1024 * 1024; // Silent: bodies beyond 1 MiB are refused (100), read to the end.
// The signature is the whole request encrypted (A2), so the Authorization header grows with the
// body: 4/3 of it in Base64. Node's default 16 KiB header limit would refuse a 12 KiB body.
const MAX_HEADERS = 2 * MAX_BODY;

// Per app_id, the request times of the last second (A7). Off unless --rate-limit N > 0.
const recent = new Map();
function rateLimited(appId, now) {
  if (!opts.rateLimit) return false;
  const times = (recent.get(appId) ?? []).filter((t) => now - t < 1000);
  const over = times.length >= opts.rateLimit;
  if (!over) times.push(now);
  recent.set(appId, times);
  return over;
}

// T3/T4: HTTP 200, application/json, `{code, msg, request_id, data?}`; A6: signed with the
// key of the app the request names, when it names one this server knows.
function reply(res, signingApp, code, msg, data) {
  const envelope = { code, msg, request_id: crypto.randomUUID() };
  if (data !== undefined) envelope.data = data;
  let body = JSON.stringify(envelope).replace(/"\\u0000raw\\u0000(\d+)\\u0000raw\\u0000"/g, '$1');
  if (deviating('trailing-comma')) body = body.replace(/}/g, ',}');
  const headers = { 'Content-Type': 'application/json; charset=utf-8' };
  if (signingApp) {
    const ts = String(Date.now());
    const nonce = randomOf(ALNUM, 32);
    headers['TTPay-Timestamp'] = ts;
    headers['TTPay-Nonce'] = nonce;
    headers['TTPay-Signature'] = aes(signingApp.key, Buffer.from(`${ts}\n${nonce}\n${body}`, 'utf8'));
  }
  const bytes = Buffer.from(body, 'utf8');
  headers['Content-Length'] = bytes.length;
  res.writeHead(200, headers);
  res.end(bytes);
}

// The app a response is signed for: the Authorization's app_id, else the body's (T1).
function signingAppFor(req, parsedBody) {
  const auth = parseAuthorization(req.headers.authorization);
  if (auth) return apps.get(auth.app_id) ?? null; // an unknown app cannot be signed for (A6)
  const appId = parsedBody && isString(parsedBody.app_id) ? parsedBody.app_id : undefined;
  return (appId && apps.get(appId)) || null;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

// T5: not UTF-8, not JSON, not an object → 100, never a crash.
function parseBody(raw) {
  if (raw.length === 0) return {};
  let text;
  try {
    text = utf8.decode(raw);
  } catch {
    refuse(PARAM_ERROR, 'the body is not UTF-8');
  }
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    refuse(PARAM_ERROR, 'the body is not JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    refuse(PARAM_ERROR, 'the body is not a JSON object');
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Payment notifications (N1-N5) and the test hook that pays

function sealResource(key, plain) {
  const nonce = hex(6); // 12 characters, used as their bytes
  const cipher = crypto.createCipheriv('aes-256-gcm', key, Buffer.from(nonce, 'utf8'));
  cipher.setAAD(Buffer.from('transaction', 'utf8'));
  const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  const tag = deviating('notify-without-tag') ? Buffer.alloc(0) : cipher.getAuthTag();
  return {
    original_type: 'transaction',
    algorithm: 'AEAD_AES_256_GCM',
    ciphertext: Buffer.concat([sealed, tag]).toString('base64'),
    nonce,
    associated_data: 'transaction',
  };
}

function notify(order, attempt) {
  if (attempt >= NOTIFY_SCHEDULE.length || !order.notifyUrl) return;
  const app = [...apps.values()].find((a) => a.mchId === order.mchId);
  if (!app) return;
  setTimeout(() => {
    const now = Date.now();
    const body = JSON.stringify({
      app_id: app.appId,
      mch_id: app.mchId,
      create_time: now,
      resource_type: 'encrypt-resource',
      event_type: 'TRANSACTION.SUCCESS',
      resource: sealResource(app.key, JSON.stringify(transactionDetail(order, now))),
    });
    let url;
    try {
      url = new URL(order.notifyUrl);
    } catch {
      return;
    }
    const done = (acknowledged) => {
      order.notifyNum += 1;
      if (!acknowledged) notify(order, attempt + 1);
    };
    const post = http.request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json' }, timeout: 10000 },
      (answer) => {
        let text = '';
        answer.on('data', (chunk) => {
          if (text.length < 1024) text += chunk;
        });
        answer.on('end', () => done(answer.statusCode === 200 && text.trim() === 'success'));
        answer.on('error', () => done(false));
      },
    );
    post.on('timeout', () => post.destroy());
    post.on('error', () => done(false));
    post.end(body);
  }, (NOTIFY_SCHEDULE[attempt] * 1000) / opts.notifySpeedup);
}

// The test hook: GET /_control/health; POST /_control/orders/{out_trade_no|transaction_id}/pay.
function control(req, res, path) {
  const send = (status, value) => {
    const text = JSON.stringify(value);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(text);
  };
  if (path === '/_control/health' && req.method === 'GET') return send(200, { status: 'ok' });
  const m = /^\/_control\/orders\/([^/]+)\/pay$/.exec(path);
  if (!m || req.method !== 'POST') return send(404, { error: 'no such control route' });
  const id = decodeURIComponent(m[1]);
  const order =
    byTransactionId.get(id) || [...byMerchantNo.values()].find((o) => o.outTradeNo === id);
  if (!order) return send(404, { error: 'no such order' });
  if (order.state !== 'NOTPAY') return send(409, { error: 'only a NOTPAY order can be paid' });
  const now = Date.now();
  Object.assign(order, {
    state: 'SUCCESS',
    payTime: now,
    blockTime: now,
    blockNo: 33215221,
    txId: hex(32),
    fromAddress: walletFor(order.chain),
  });
  notify(order, 0);
  return send(200, transactionDetail(order, now));
}

function handle(req, res, raw, tooLarge) {
  const now = Date.now();
  const [path, search = ''] = req.url.split(/\?(.*)/s);
  if (path.startsWith('/_control/')) return control(req, res, path);
  let parsed = null;
  try {
    parsed = tooLarge ? null : parseBody(raw);
  } catch {
    // judged below, after authentication
  }
  const signingApp = signingAppFor(req, parsed);
  try {
    const endpoint = Object.hasOwn(ENDPOINTS, path) ? ENDPOINTS[path] : null;
    // Silent: an unknown path or method is a parameter error — still HTTP 200 JSON (T3).
    if (!endpoint) refuse(PARAM_ERROR, `no such endpoint: ${path}`);
    if (!endpoint.methods.includes(req.method)) {
      refuse(PARAM_ERROR, `${path} takes ${endpoint.methods.join(' or ')}`);
    }
    const isClose = path === '/v1/transaction/close';
    const app = authenticate(req, raw, now, isClose && deviating('close-ignores-signature'));
    if (rateLimited(app.appId, now)) refuse(TOO_FREQUENT, 'too frequent');
    if (tooLarge) refuse(PARAM_ERROR, 'the body is too large');
    const body = parseBody(raw);
    // T2: query parameters may come in the query string (GET, and the docs' table says
    // "query" even for POST); the body's value wins where both give one.
    if (path === '/v1/transaction/query') {
      for (const [k, v] of new URLSearchParams(search)) {
        if (!Object.hasOwn(body, k)) body[k] = v;
      }
    }
    // T1: the body may carry app_id too; if it does, it must be the signer's.
    if (body.app_id !== undefined && body.app_id !== app.appId) {
      refuse(PARAM_ERROR, 'app_id in the body is not the app_id of the Authorization');
    }
    const data = endpoint.handle(body, app, now, req.method);
    reply(res, signingApp, OK, 'success', data);
  } catch (e) {
    if (e instanceof Refusal) {
      reply(res, signingApp, e.code, e.msg);
    } else {
      // T5: an internal error still gets a JSON envelope. 11000 = "operation failed, retry".
      process.stderr.write(`ttpay.js: internal error: ${e && e.stack}\n`);
      reply(res, signingApp, RETRY_LATER, 'operation failed, retry later');
    }
  }
}

const server = http.createServer({ maxHeaderSize: opts.headerLimit || MAX_HEADERS }, (req, res) => {
  const chunks = [];
  let size = 0;
  let tooLarge = false;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size > MAX_BODY) tooLarge = true;
    else chunks.push(chunk);
  });
  req.on('end', () => handle(req, res, Buffer.concat(chunks), tooLarge));
  req.on('error', () => res.destroy());
});

// T5: even a request Node cannot parse as HTTP gets a JSON refusal, not a dropped connection.
server.on('clientError', (err, socket) => {
  if (!socket.writable || err.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  // --header-limit: an HTTP front end's refusal of a head too large, bare and unsigned (T5).
  if (opts.headerLimit && err.code === 'HPE_HEADER_OVERFLOW') {
    socket.end('HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    return;
  }
  const body = JSON.stringify({
    code: PARAM_ERROR,
    msg: 'malformed HTTP request',
    request_id: crypto.randomUUID(),
  });
  socket.end(
    'HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
});

server.listen(opts.port, '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`);
});

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
