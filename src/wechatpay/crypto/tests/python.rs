//! Interop with Python's `cryptography` (the library behind wechatpayv3): signatures both ways,
//! keys made by Python, AEAD both ways, certificates both ways, and a certificates answer built by
//! Python. Each test is skipped when `python3` or `cryptography` is missing, saying so in
//! `cargo test`'s output; under `CI=true` it fails instead (as tests/common/skip.rs does).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use super::super::*;
use super::{LOW_SERIAL, PLATFORM_SERIAL, fixtures};

/// Runs `python3 -c script args…`; `None` (after printing why) when Python cannot be used.
fn python(script: &str, args: &[&str]) -> Option<Result<String, String>> {
    static AVAILABLE: OnceLock<Result<(), String>> = OnceLock::new();
    let available = AVAILABLE.get_or_init(|| {
        match Command::new("python3")
            .args(["-c", "import cryptography"])
            .output()
        {
            Ok(out) if out.status.success() => Ok(()),
            Ok(out) => Err(format!(
                "python3 has no cryptography: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )),
            Err(e) => Err(format!("python3 not runnable: {e}")),
        }
    });
    if let Err(reason) = available {
        // libtest names each test's thread after the test.
        let thread = std::thread::current();
        let test = thread.name().unwrap_or("a Python interop test");
        let line = format!(
            "SKIPPED {test}: {reason} — install it: pip install cryptography (.ci/run does)"
        );
        // Under CI a missing tool fails; locally the line goes to stderr uncaptured (a
        // `std::io::Write`, not `eprintln!`, which libtest would hide for a passing test).
        if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
            panic!("{line}\n(CI=true: a test whose tool is missing fails rather than skip)");
        }
        let _ = writeln!(std::io::stderr(), "{line}");
        return None;
    }
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    Some(if out.status.success() {
        Ok(stdout)
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    })
}

/// A file under the temp dir, unique to this process and test.
fn temp_file(name: &str, content: impl AsRef<[u8]>) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wxsign-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

fn path(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

const SIGN_PY: &str = r#"
import sys, base64
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
key = serialization.load_pem_private_key(open(sys.argv[1], 'rb').read(), password=None)
msg = open(sys.argv[2], 'rb').read()
print(base64.b64encode(key.sign(msg, padding.PKCS1v15(), hashes.SHA256())).decode())
"#;

const VERIFY_PY: &str = r#"
import sys, base64
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
key = serialization.load_pem_public_key(open(sys.argv[1], 'rb').read())
key.verify(base64.b64decode(sys.argv[3]), open(sys.argv[2], 'rb').read(), padding.PKCS1v15(), hashes.SHA256())
print('ok')
"#;

#[test]
fn python_signature_verifies_here_and_matches_ours() {
    let key = &fixtures().merchant;
    let message = request_message(
        "POST",
        "/v3/global/transactions/out-trade-no/T%2A1/close",
        1_700_000_000,
        &nonce(),
        b"{\"mchid\": \"1900000109\"}",
    );
    let key_file = temp_file("py-sign.key", key.to_pkcs8_pem());
    let msg_file = temp_file("py-sign.msg", &message);
    let Some(result) = python(SIGN_PY, &[path(&key_file), path(&msg_file)]) else {
        return;
    };
    let theirs = result.unwrap();
    key.public_key().verify(&message, &theirs).unwrap();
    assert_eq!(theirs, key.sign(&message), "PKCS#1 v1.5 is deterministic");
}

#[test]
fn our_signature_verifies_in_python() {
    let key = &fixtures().platform;
    let message = response_message("1700000000", "fdasflkja484w", b"");
    let signature = key.sign(&message);
    let pub_file = temp_file("py-verify.pub", key.public_key().to_pem());
    let msg_file = temp_file("py-verify.msg", &message);
    let Some(result) = python(VERIFY_PY, &[path(&pub_file), path(&msg_file), &signature]) else {
        return;
    };
    assert_eq!(result.unwrap(), "ok");
    let other_file = temp_file("py-verify-other.msg", b"1700000000\nfdasflkja484w\n");
    let refused = python(VERIFY_PY, &[path(&pub_file), path(&other_file), &signature]).unwrap();
    assert!(refused.unwrap_err().contains("InvalidSignature"));
}

#[test]
fn python_made_keys_load_in_both_pem_forms() {
    let script = r#"
from cryptography.hazmat.primitives import serialization as s
from cryptography.hazmat.primitives.asymmetric import rsa
k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
print(k.private_bytes(s.Encoding.PEM, s.PrivateFormat.PKCS8, s.NoEncryption()).decode())
print(k.private_bytes(s.Encoding.PEM, s.PrivateFormat.TraditionalOpenSSL, s.NoEncryption()).decode())
print(k.public_key().public_bytes(s.Encoding.PEM, s.PublicFormat.SubjectPublicKeyInfo).decode())
print(k.public_key().public_bytes(s.Encoding.PEM, s.PublicFormat.PKCS1).decode())
"#;
    let Some(result) = python(script, &[]) else {
        return;
    };
    let out = result.unwrap();
    let pkcs1_at = out.find("-----BEGIN RSA PRIVATE KEY-----").unwrap();
    let pkcs8 = PrivateKey::from_pem(&out[..pkcs1_at]).unwrap();
    let pkcs1 = PrivateKey::from_pem(&out[pkcs1_at..]).unwrap();
    assert_eq!(pkcs8, pkcs1);
    let spki_at = out.find("-----BEGIN PUBLIC KEY-----").unwrap();
    let spki = PublicKey::from_pem(&out[spki_at..]).unwrap();
    let rsa_pub =
        PublicKey::from_pem(&out[out.find("-----BEGIN RSA PUBLIC KEY-----").unwrap()..]).unwrap();
    assert_eq!(spki, pkcs8.public_key());
    assert_eq!(rsa_pub, pkcs8.public_key());
}

const AEAD_PY: &str = r#"
import sys, base64
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
op, key, nonce, aad, data = sys.argv[1:6]
g = AESGCM(key.encode())
if op == 'seal':
    print(base64.b64encode(g.encrypt(nonce.encode(), data.encode(), aad.encode() or None)).decode())
else:
    print(g.decrypt(nonce.encode(), base64.b64decode(data), aad.encode() or None).decode())
"#;

#[test]
fn aead_both_ways() {
    let key_text = "0123456789abcdefghijklmnopqrstuv";
    let key = ApiV3Key::new(key_text).unwrap();
    let plaintext = r#"{"id":"EV-2018022511223320873","trade_state":"SUCCESS"}"#;
    for aad in ["transaction", ""] {
        let nonce = aead_nonce();
        let Some(result) = python(AEAD_PY, &["seal", key_text, &nonce, aad, plaintext]) else {
            return;
        };
        let theirs = result.unwrap();
        assert_eq!(
            aead_decrypt(&key, &nonce, aad, &theirs).unwrap(),
            plaintext.as_bytes()
        );
        let ours = aead_encrypt(&key, &nonce, aad, plaintext.as_bytes()).unwrap();
        assert_eq!(ours, theirs, "GCM is deterministic for one key and nonce");
        let opened = python(AEAD_PY, &["open", key_text, &nonce, aad, &ours])
            .unwrap()
            .unwrap();
        assert_eq!(opened, plaintext);
    }
}

const CERT_PY: &str = r#"
import sys, datetime
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
key = serialization.load_pem_private_key(open(sys.argv[1], 'rb').read(), password=None)
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'Tenpay.com')])
start = datetime.datetime.fromtimestamp(1700000000, datetime.timezone.utc)
cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(int(sys.argv[2], 16)).not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=1825)).sign(key, hashes.SHA256()))
print(cert.public_bytes(serialization.Encoding.PEM).decode())
"#;

const READ_CERT_PY: &str = r#"
import sys
from cryptography import x509
from cryptography.hazmat.primitives import serialization
cert = x509.load_pem_x509_certificate(open(sys.argv[1], 'rb').read())
cert.verify_directly_issued_by(cert)
key = serialization.load_pem_public_key(open(sys.argv[2], 'rb').read())
assert cert.public_key().public_numbers() == key.public_numbers()
print('%X %d %d' % (cert.serial_number, cert.not_valid_before_utc.timestamp(), cert.not_valid_after_utc.timestamp()))
"#;

#[test]
fn python_certificates_parse_here() {
    let key = &fixtures().platform;
    let key_file = temp_file("py-cert.key", key.to_pkcs8_pem());
    for (serial, shown) in [
        (PLATFORM_SERIAL, PLATFORM_SERIAL),
        (LOW_SERIAL, LOW_SERIAL),
        ("9A", "9A"),
        ("ABC", "0ABC"),
    ] {
        let Some(result) = python(CERT_PY, &[path(&key_file), serial]) else {
            return;
        };
        let cert = Certificate::from_pem(&result.unwrap()).unwrap();
        assert_eq!(cert.serial(), shown);
        assert!(cert.serial_matches(serial));
        assert_eq!(cert.not_before(), 1_700_000_000);
        assert_eq!(cert.not_after(), 1_700_000_000 + 1825 * 86_400);
        assert_eq!(cert.public_key(), &key.public_key());
    }
}

#[test]
fn our_certificates_parse_in_python() {
    let f = fixtures();
    let pub_file = temp_file("rc-cert.pub", f.platform.public_key().to_pem());
    for cert in [&f.cert, &f.cert_low] {
        let cert_file = temp_file("rc-cert.pem", cert.pem());
        let Some(result) = python(READ_CERT_PY, &[path(&cert_file), path(&pub_file)]) else {
            return;
        };
        let out = result.unwrap();
        // Python prints the serial without a leading zero digit, like wechatpay-java.
        let expected = format!(
            "{} {} {}",
            cert.serial().trim_start_matches('0'),
            cert.not_before(),
            cert.not_after()
        );
        assert_eq!(out, expected);
    }
}

const CERTS_BODY_PY: &str = r#"
import sys, json, base64
from cryptography import x509
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
pem = open(sys.argv[1], 'rb').read()
cert = x509.load_pem_x509_certificate(pem)
nonce = 'KgYNxF0dSiNm'
ct = AESGCM(sys.argv[2].encode()).encrypt(nonce.encode(), pem, b'certificate')
print(json.dumps({'data': [{'serial_no': '%X' % cert.serial_number,
  'effective_time': '2023-11-15T06:13:20+08:00', 'expire_time': '2028-11-13T06:13:20+08:00',
  'encrypt_certificate': {'algorithm': 'AEAD_AES_256_GCM', 'nonce': nonce,
    'associated_data': 'certificate', 'ciphertext': base64.b64encode(ct).decode()}}]}))
"#;

#[test]
fn certificates_body_built_by_python_reads_here() {
    let f = fixtures();
    let key_text = "Wxpay2024ApiV3KeyForTestsOnly123";
    let key = ApiV3Key::new(key_text).unwrap();
    let cert_file = temp_file("py-body.pem", f.cert_low.pem());
    let Some(result) = python(CERTS_BODY_PY, &[path(&cert_file), key_text]) else {
        return;
    };
    let body: serde_json::Value = serde_json::from_str(&result.unwrap()).unwrap();
    // Python lists the low serial without its leading zero (the Java spelling): still a match.
    assert_eq!(
        body["data"][0]["serial_no"],
        LOW_SERIAL.trim_start_matches('0')
    );
    assert_eq!(
        read_certificates(&body, &key).unwrap(),
        vec![f.cert_low.clone()]
    );
}
