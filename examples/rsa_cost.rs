//! The cost of one RSA operation as the WeChat Pay suite does them (benches/RESULTS.md):
//! `cargo run --release --example rsa_cost [N]` signs and verifies N messages of ~300 bytes with
//! the double's TEST-ONLY platform key and prints the CPU time of each operation.

use std::time::Instant;

use pay_conformance::wechatpay::crypto::PrivateKey;

const KEY: &str = include_str!("../src/wechatpay/double/test_keys/TEST-ONLY-platform.key.pem");

fn cpu_seconds() -> f64 {
    // getrusage through /proc: user + system time of this process, in clock ticks.
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2000);
    let key = PrivateKey::from_pem(KEY).expect("the shipped test key");
    let public = key.public_key();
    let message = vec![b'x'; 300];
    let (wall, cpu) = (Instant::now(), cpu_seconds());
    let mut signature = String::new();
    for _ in 0..n {
        signature = key.sign(&message);
    }
    let sign = (wall.elapsed().as_secs_f64(), cpu_seconds() - cpu);
    let (wall, cpu) = (Instant::now(), cpu_seconds());
    for _ in 0..n {
        public.verify(&message, &signature).expect("verifies");
    }
    let verify = (wall.elapsed().as_secs_f64(), cpu_seconds() - cpu);
    // The pure-Rust `rsa` crate the suite signed with before (the same signature bytes).
    let pure = <rsa::PrivateKey as rsa::pkcs8::DecodePrivateKey>::from_pkcs8_pem(KEY).expect("key");
    let rounds = n.min(200);
    let (wall, cpu) = (Instant::now(), cpu_seconds());
    for _ in 0..rounds {
        let bytes = pure
            .pkcs1v15_sign::<rsa::sha2::Sha256>(&message)
            .expect("signs");
        assert_eq!(
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes),
            signature
        );
    }
    let scale = |(w, c): (f64, f64)| (w * n as f64 / rounds as f64, c * n as f64 / rounds as f64);
    let before = scale((wall.elapsed().as_secs_f64(), cpu_seconds() - cpu));
    let per = |(w, c): (f64, f64)| {
        format!(
            "{:.1} µs wall, {:.1} µs CPU",
            w * 1e6 / n as f64,
            c * 1e6 / n as f64
        )
    };
    println!("{n} signs:    {} each", per(sign));
    println!("{n} verifies: {} each", per(verify));
    println!(
        "{rounds} signs with the rsa crate: {} each (same bytes)",
        per(before)
    );
}
