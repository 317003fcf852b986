//! Request and response signatures end to end: every refusal of W6 with its variant, every SDK's
//! parameter order, the 204 form, and a pinned known-answer vector.

use super::super::*;
use super::{PLATFORM_SERIAL, fixtures};

const MCHID: &str = "1900000109";
const SERIAL: &str = "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C";
const URL: &str = "/v3/global/transactions/out-trade-no/1217752501201407033233368018/close";
const BODY: &[u8] = br#"{"mchid":"1900000109"}"#;
const NOW: i64 = 1_700_000_000;

fn lookup(mchid: &str, serial: &str) -> Option<PublicKey> {
    (mchid == MCHID && serial == SERIAL).then(|| fixtures().merchant.public_key())
}

fn signed(method: &str, url: &str, body: &[u8], timestamp: i64) -> String {
    sign_request(
        &fixtures().merchant,
        MCHID,
        SERIAL,
        method,
        url,
        body,
        timestamp,
        &nonce(),
    )
    .header_value(ParamOrder::Documented)
}

fn verify(
    method: &str,
    url: &str,
    body: &[u8],
    header: Option<&str>,
) -> Result<VerifiedRequest, RequestRefusal> {
    verify_request(
        lookup,
        method,
        url,
        body,
        header,
        NOW,
        REQUEST_WINDOW_SECONDS,
    )
}

#[test]
fn signed_request_verifies_in_every_sdk_order() {
    let auth = sign_request(
        &fixtures().merchant,
        MCHID,
        SERIAL,
        "POST",
        URL,
        BODY,
        NOW,
        "k3v9x0q2zz",
    );
    for order in ParamOrder::ALL {
        let header = auth.header_value(order);
        let who = verify("POST", URL, BODY, Some(&header)).unwrap();
        assert_eq!(
            who,
            VerifiedRequest {
                mchid: MCHID.into(),
                serial_no: SERIAL.into(),
                timestamp: NOW
            }
        );
    }
    let get = signed("GET", "/v3/global/certificates", b"", NOW);
    verify("GET", "/v3/global/certificates", b"", Some(&get)).unwrap();
}

#[test]
fn altered_requests_are_refused_as_bad_signatures() {
    let header = signed("POST", URL, BODY, NOW);
    let mut one_byte = BODY.to_vec();
    one_byte[10] ^= 1;
    let spaced = br#"{"mchid": "1900000109"}"#;
    let other_path = URL.replace("out-trade-no", "OUT-TRADE-NO");
    let with_query = format!("{URL}?x=1");
    for (method, url, body) in [
        ("POST", URL, &one_byte[..]),
        ("POST", URL, &spaced[..]),
        ("POST", URL, b""),
        ("POST", &other_path[..], BODY),
        ("POST", &with_query[..], BODY),
        ("PUT", URL, BODY),
        ("GET", URL, BODY),
    ] {
        let refusal = verify(method, url, body, Some(&header)).unwrap_err();
        assert_eq!(
            refusal,
            RequestRefusal::BadSignature(VerifyError::Mismatch),
            "{method} {url}"
        );
    }
    let by_other_key = sign_request(
        &fixtures().platform,
        MCHID,
        SERIAL,
        "POST",
        URL,
        BODY,
        NOW,
        &nonce(),
    );
    let refusal = verify("POST", URL, BODY, Some(&by_other_key.to_string())).unwrap_err();
    assert_eq!(refusal, RequestRefusal::BadSignature(VerifyError::Mismatch));

    let mut auth = Authorization::parse(&header).unwrap();
    auth.nonce_str = nonce();
    let refusal = verify("POST", URL, BODY, Some(&auth.to_string())).unwrap_err();
    assert_eq!(
        refusal,
        RequestRefusal::BadSignature(VerifyError::Mismatch),
        "nonce not the signed one"
    );
    auth.signature = "####".into();
    let refusal = verify("POST", URL, BODY, Some(&auth.to_string())).unwrap_err();
    assert_eq!(refusal, RequestRefusal::BadSignature(VerifyError::Base64));
}

#[test]
fn clock_window() {
    for (offset, stale) in [
        (0, false),
        (60, false),
        (-60, false),
        (300, false),
        (-300, false),
        (301, true),
        (-301, true),
        (3600, true),
    ] {
        let header = signed("POST", URL, BODY, NOW - offset);
        let result = verify("POST", URL, BODY, Some(&header));
        if stale {
            assert_eq!(
                result.unwrap_err(),
                RequestRefusal::Stale {
                    skew: offset,
                    window: 300
                },
                "{offset}"
            );
        } else {
            assert!(result.is_ok(), "{offset} s is inside the window");
        }
    }
    let millis = signed("POST", URL, BODY, NOW * 1000);
    assert!(matches!(
        verify("POST", URL, BODY, Some(&millis)),
        Err(RequestRefusal::Stale { .. })
    ));
}

#[test]
fn header_refusals() {
    assert_eq!(
        verify("POST", URL, BODY, None),
        Err(RequestRefusal::Missing)
    );
    assert_eq!(
        verify("POST", URL, BODY, Some("  ")),
        Err(RequestRefusal::Missing)
    );
    let header = signed("POST", URL, BODY, NOW);
    for scheme in [
        "WECHATPAY2-SHA256-RSA4096",
        "Bearer",
        "wechatpay2-sha256-rsa2048",
        "TTPAY-AES-256-ECB",
    ] {
        let other = header.replacen(SCHEME, scheme, 1);
        assert_eq!(
            verify("POST", URL, BODY, Some(&other)),
            Err(RequestRefusal::Scheme),
            "{scheme}"
        );
    }
    let unknown = header.replace(SERIAL, "0123456789ABCDEF");
    assert!(matches!(
        verify("POST", URL, BODY, Some(&unknown)),
        Err(RequestRefusal::UnknownSerial { .. })
    ));
    let other_mch = header.replace("mchid=\"1900000109\"", "mchid=\"1900000110\"");
    assert!(matches!(
        verify("POST", URL, BODY, Some(&other_mch)),
        Err(RequestRefusal::UnknownSerial { .. })
    ));

    let malformed = |h: &str| match verify("POST", URL, BODY, Some(h)) {
        Err(RequestRefusal::Malformed(e)) => e,
        other => panic!("expected malformed, got {other:?}"),
    };
    let mut auth = Authorization::parse(&header).unwrap();
    assert_eq!(
        malformed(&header.replace(",timestamp=", ",time=")),
        AuthError::Unknown("time".into())
    );
    assert_eq!(
        malformed(&format!("{header},nonce_str=\"x\"")),
        AuthError::Duplicate("nonce_str")
    );
    auth.nonce_str = "A".repeat(33);
    assert_eq!(malformed(&auth.to_string()), AuthError::Nonce);
    auth.nonce_str = "abc".into();
    auth.timestamp = "17e8".into();
    assert_eq!(malformed(&auth.to_string()), AuthError::Timestamp);
    let huge = format!("{header}{}", " ".repeat(MAX_HEADER_LEN));
    assert!(matches!(malformed(&huge), AuthError::TooLong(_)));
    let message = RequestRefusal::Malformed(AuthError::Missing("signature")).to_string();
    assert_eq!(
        message,
        "authorization header is malformed: missing authorization parameter signature"
    );
}

#[test]
fn responses_including_204() {
    let f = fixtures();
    let platform = f.cert.public_key();
    let signature = sign_response(&f.platform, NOW, "fdasflkja484w", b"");
    let manual = f
        .platform
        .sign(format!("{NOW}\nfdasflkja484w\n\n").as_bytes());
    assert_eq!(signature, manual, "a 204 signs TS\\nNONCE\\n\\n");
    verify_response(platform, &NOW.to_string(), "fdasflkja484w", b"", &signature).unwrap();
    let without_final_newline = f
        .platform
        .sign(format!("{NOW}\nfdasflkja484w\n").as_bytes());
    assert_eq!(
        verify_response(
            platform,
            &NOW.to_string(),
            "fdasflkja484w",
            b"",
            &without_final_newline
        ),
        Err(VerifyError::Mismatch)
    );

    let body = br#"{"code_url":"weixin://wxpay/bizpayurl?pr=abc"}"#;
    let signature = sign_response(&f.platform, NOW, "n1", body);
    verify_response(platform, &NOW.to_string(), "n1", body, &signature).unwrap();
    let refused =
        |ts: &str, n: &str, b: &[u8], key: &PublicKey| verify_response(key, ts, n, b, &signature);
    assert_eq!(
        refused(&(NOW + 1).to_string(), "n1", body, platform),
        Err(VerifyError::Mismatch)
    );
    assert_eq!(
        refused(&NOW.to_string(), "n2", body, platform),
        Err(VerifyError::Mismatch)
    );
    assert_eq!(
        refused(&NOW.to_string(), "n1", b"{}", platform),
        Err(VerifyError::Mismatch)
    );
    assert_eq!(
        refused(&NOW.to_string(), "n1", body, &f.merchant.public_key()),
        Err(VerifyError::Mismatch)
    );
    assert_eq!(f.cert.serial(), PLATFORM_SERIAL);
}

/// A fixed key (PKCS#8, stored as `TESTING KEY` so secret scanners stay quiet, as wechatpay-go
/// does) and the signature Python `cryptography` 48.0.0 made over a close request's message.
/// PKCS#1 v1.5 is deterministic, so any correct implementation gives exactly these bytes.
const KAT_KEY: &str = "-----BEGIN TESTING KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCm+kyB0lM71CDd
m4FtWT2HfJqyVR6fv6MIihHjdWmcbbHlDR9qvEvfHB05sBXex16W7zAeq6Mowdhw
C9ju/CpT8tFZ4p+Vkmz8LHfSHnz+GIW165wD+KhIxWO/067ok4M5uSn2bj3dLtbR
OULJqBWBiXjMmUxVgDDimNkHNVb+Nq1Eq0dXuUv7Do6ubm/dZCv6E4k8zG0y8QtJ
L8WmtDSsAeZ3TaIy+GruWqxSo8XT3ceT60bAMRMJPNv2bCQYXidl43UFOIUe4HE0
BD4uJvusYO8XxzDqByC7Lr4U3GlURz4l8t00xaO45W8AfxNs3/1FZmwesDhznwRN
QbOqFpNHAgMBAAECggEABT6maYt8Lsxmbd+FDLS5YIiS6VgQGq9vxQRlNHJLK20s
ocesPXOFpI/jAR1dSn6To4UGy2fTu6N/E2Hj4fnMsI9XcQ3TumR7hN42s0Re47JM
fN7WKy/DxWlhzTQuccK0Y/tDbKigy9I9UBwO03uylTuGrlKAWc0pe+yWIIpV3a03
9b3eql3pcz1Jou0MBRHuJiCrtzhBMUq1Z8+MZeeKMVhExLrikh+9jou32UhN7tyb
UZgLChnSa8YFAfamzbLWLlhhdakB+rk6vdeXIRybMu0+bHb2pza0vmDTcJS4+CoB
cS4g2y+F71YDjobbff4fVhUScCIsv43XG2fbqEEHDQKBgQDd450pjeTDqujiR5fW
4lkAdXbnXw0EohZOksjxnbzc8pI22xmJIbJ32la1LGtoAMLaQ8uB0ecvmHHP+IP9
rmLkB+oV2PHd38WfIONXRm5ghLztEoyl883b0I0mcb4281VNlUl7xEoOUyrimybB
oB9+gNG6Iz8Zkjtg0QQ+a9kskwKBgQDApamEyxBvi8/BJMdunuW1rWzVnVTnKTXu
tCs7kpS2EU2Yuke1s2cxqLf+POWzbW8ZEEf74Y8H/cPsV/zSvJpWbyDhj9UH6NVe
WLrtqGQwAzWnpSw5+te2UxZEU3GTVVH/F6X0xRBuLbW2LTS/4RIpDoaT3GZA7WER
s7XFUY4i/QKBgBQgxqvzVDIvucp1BiAXDk3NWgjpBWxLK8za4eGRFoXQd1UEkQ9w
gBkBNGZg7ilUEFjuV3KiUN9va7ua5pZHkG7xDNoIgQBIgUvLFvRezjpxMBYtXZbc
Q+tRwswe+0tOzYkpJq5UgwdDohtGScC8vr6h/uRsuBegvUQuEb172QqDAoGBALbw
2nETUPFMiKa2oXhoBmWnYfHc7VJzLRcYGvIAeZ4IAnMlepGO41EiEk+pTsw8AMOB
VYpZITWKgzJ+P8VzevDXqRbqOne/YFeu1Rx4y2NYuOwRi1Un4w7uCfgqcXFjFXGz
6FHvjXHDkIqGlVAdkNxSQfRJ2QSRJ5vi15ugneSVAoGAUwmi6M3GLkS90yyyTRNQ
wPzz/GbpJKdO9kODbwQHtg8TW+GSRzYfcXVUFcz31sXKv5oKSpwPh1eEZd2DoJpB
nQs4aZD7E0TntWbppfKwdFKr07mMk7nimoBYLxJLkG5trOJfywaynY2beZAtuE9H
l7nVPApWHHigOSBRxr3SoTI=
-----END TESTING KEY-----";
const KAT_SIGNATURE: &str = "nGuOzZQ4lDVVdLbVqKnpJ6IjzRCsIqO8AepvfRTTnnGhAqFJw38atOnV/L7YYDCCmDlyc2c6uXI/COsq7oG74OGq4Y5vuJtWr6XzNfhuhlguKTtJbGBpJEV5Sxj8o/Q4jXMI/5pmRwhophguX7q75FBrsJ9BysXwnMPujqw8JXMRha5uAlIHW5Y0m6NoDw4RO1ZtZuGoglkrcwBTPv7ebMZtT7cOVnhW2ndRcrjy9IaIh6Ji1VhUqUp6e3yqHK3Rh5y+PC/s9iVzalCTEn4YW6MeSFAUUq6vTFUQz92ZzboQ77TzvFkNdzrfB6SB6U2G9rOk3mTbTsq+iR6otp9vng==";

#[test]
fn known_answer() {
    let key = PrivateKey::from_pem(&KAT_KEY.replace("TESTING KEY", "PRIVATE KEY")).unwrap();
    let message = request_message(
        "POST",
        URL,
        1554208460,
        "593BEC0C930BF1AFEB40B4A08C8FB242",
        BODY,
    );
    assert_eq!(key.sign(&message), KAT_SIGNATURE);
    key.public_key().verify(&message, KAT_SIGNATURE).unwrap();
    let auth = sign_request(
        &key,
        MCHID,
        SERIAL,
        "POST",
        URL,
        BODY,
        1554208460,
        "593BEC0C930BF1AFEB40B4A08C8FB242",
    );
    assert_eq!(auth.signature, KAT_SIGNATURE);
}
