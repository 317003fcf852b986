//! Certificates end to end: self-signed with a chosen serial, PEM round trip, the Beijing time
//! form, and the `GET /v3/global/certificates` answer built and read, with each refusal.

use serde_json::json;

use super::super::*;
use super::fixtures;

#[test]
fn self_signed_round_trip() {
    let key = &fixtures().platform;
    let serial = "9A6B2C3D4E5F60718293A4B5C6D7E8F901234567";
    let cert = Certificate::self_signed(
        key,
        &serial.to_lowercase(),
        "Tenpay.com platform",
        1_700_000_000,
        365,
    )
    .unwrap();
    assert_eq!(cert.serial(), serial);
    assert_eq!(cert.not_before(), 1_700_000_000);
    assert_eq!(cert.not_after(), 1_700_000_000 + 365 * 86_400);
    assert_eq!(cert.public_key(), &key.public_key());
    assert_eq!(
        Certificate::from_pem(&format!("junk\n{}junk", cert.pem())).unwrap(),
        cert
    );

    let low = Certificate::self_signed(key, "0A01", "low", 1_700_000_000, 1).unwrap();
    assert_eq!(low.serial(), "0A01");
    assert!(low.serial_matches("A01") && low.serial_matches("0a01") && !low.serial_matches("A02"));
    assert!(!low.serial_matches("PUB_KEY_ID_0A01"));
    assert!(matches!(
        Certificate::from_pem("none"),
        Err(CertError::NoPem)
    ));
}

#[test]
fn beijing_times() {
    assert_eq!(
        beijing_time(1_528_425_296).unwrap(),
        "2018-06-08T10:34:56+08:00"
    );
    assert_eq!(beijing_time(0).unwrap(), "1970-01-01T08:00:00+08:00");
}

#[test]
fn certificates_body_round_trip_and_refusals() {
    let f = fixtures();
    let key = ApiV3Key::new("0123456789abcdefghijklmnopqrstuv").unwrap();
    let body = certificates_body(&[&f.cert, &f.cert_low], &key, aead_nonce).unwrap();
    let entry = &body["data"][0];
    assert_eq!(entry["serial_no"], f.cert.serial());
    assert_eq!(
        entry["effective_time"],
        beijing_time(f.cert.not_before()).unwrap()
    );
    assert_eq!(
        entry["encrypt_certificate"]["associated_data"],
        "certificate"
    );
    assert_eq!(
        entry["encrypt_certificate"]["nonce"]
            .as_str()
            .unwrap()
            .len(),
        12
    );
    assert_eq!(
        read_certificates(&body, &key).unwrap(),
        vec![f.cert.clone(), f.cert_low.clone()]
    );

    let other = ApiV3Key::from([1u8; 32]);
    assert!(matches!(
        read_certificates(&body, &other),
        Err(CertError::Decrypt { index: 0, .. })
    ));
    let mut wrong = body.clone();
    wrong["data"][1]["serial_no"] = json!("ABCDEF");
    assert!(matches!(
        read_certificates(&wrong, &key),
        Err(CertError::SerialMismatch { index: 1, .. })
    ));
    let mut algo = body.clone();
    algo["data"][0]["encrypt_certificate"]["algorithm"] = json!("AES_256_GCM");
    assert!(matches!(
        read_certificates(&algo, &key),
        Err(CertError::Algorithm { index: 0 })
    ));
    let mut gap = body.clone();
    gap["data"][0]["encrypt_certificate"]
        .as_object_mut()
        .unwrap()
        .remove("nonce");
    let err = read_certificates(&gap, &key).unwrap_err();
    assert_eq!(
        err.to_string(),
        "certificates body: /data/0/encrypt_certificate/nonce is not a string"
    );
    assert!(matches!(
        read_certificates(&json!({}), &key),
        Err(CertError::Body { .. })
    ));
    assert!(certificates_body(&[&f.cert], &key, || "short".into()).is_err());
}
