//! Tests across the module: shared fixtures (keys generated once per test binary), request and
//! response round trips with every refusal, a pinned known-answer vector, and interop with
//! Python's `cryptography` ([`python`]).

mod certificates;
mod python;
mod requests;

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::{Certificate, PrivateKey};

/// Keys and certificates shared by every test of the binary.
pub(crate) struct Fixtures {
    /// The merchant's API key.
    pub merchant: PrivateKey,
    /// The platform's key.
    pub platform: PrivateKey,
    /// A platform certificate for `platform`, serial first byte ≥ 0x10.
    pub cert: Certificate,
    /// A platform certificate for `platform` whose serial's first byte is < 0x10.
    pub cert_low: Certificate,
    /// How long generating one 2048-bit key took (the slower of the two).
    pub keygen: Duration,
}

pub(crate) const PLATFORM_SERIAL: &str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
pub(crate) const LOW_SERIAL: &str = "0B9E2F6A1C3D5E7F8091A2B3C4D5E6F708192A3B";

pub(crate) fn fixtures() -> &'static Fixtures {
    static FIXTURES: OnceLock<Fixtures> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let timed = || {
            let start = Instant::now();
            let key = PrivateKey::generate(2048).expect("key generation");
            (key, start.elapsed())
        };
        let (merchant, t1) = timed();
        let (platform, t2) = timed();
        eprintln!("2048-bit rsa key generation: {t1:?}, {t2:?}");
        let cert = Certificate::self_signed(
            &platform,
            PLATFORM_SERIAL,
            "Tenpay.com",
            1_700_000_000,
            1825,
        )
        .expect("platform certificate");
        let cert_low =
            Certificate::self_signed(&platform, LOW_SERIAL, "Tenpay.com", 1_700_000_000, 1825)
                .expect("platform certificate");
        Fixtures {
            merchant,
            platform,
            cert,
            cert_low,
            keygen: t1.max(t2),
        }
    })
}

#[test]
fn keygen_time_is_reported() {
    let f = fixtures();
    eprintln!(
        "slowest 2048-bit key generation in this test binary: {:?}",
        f.keygen
    );
    assert!(f.keygen < Duration::from_secs(60));
}
