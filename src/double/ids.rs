//! Where the double's generated identifiers come from: `transaction_id`, `prepay_id`,
//! `request_id` and the default chain facts of a payment (`tx_id`, `from_address`, `block_no`).
//! One RNG per double, seeded (`serve --seed N`: the same requests give the same ids) or from
//! the operating system.

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};

/// Base58 (Bitcoin / TRON alphabet), for wallet-looking addresses.
const BASE58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// The double's source of identifiers.
#[derive(Debug, Clone)]
pub struct Ids {
    rng: StdRng,
}

impl Ids {
    /// Seeded ids when `seed` is given, else random ones.
    pub fn new(seed: Option<u64>) -> Ids {
        let rng = match seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_rng(&mut rand::rng()),
        };
        Ids { rng }
    }

    /// `len` lowercase hex digits.
    pub fn hex(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| char::from(b"0123456789abcdef"[self.rng.random_range(0..16)]))
            .collect()
    }

    /// A UUID v4 string (a `request_id`).
    pub fn uuid(&mut self) -> String {
        uuid::Builder::from_random_bytes(self.rng.random())
            .into_uuid()
            .to_string()
    }

    /// A TRON-looking wallet address: `T` and 33 Base58 characters.
    pub fn address(&mut self) -> String {
        let tail: String = (0..33)
            .map(|_| char::from(BASE58[self.rng.random_range(0..BASE58.len())]))
            .collect();
        format!("T{tail}")
    }

    /// A plausible recent block number.
    pub fn block_no(&mut self) -> i64 {
        self.rng.random_range(60_000_000..80_000_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_ids() {
        let (mut one, mut two) = (Ids::new(Some(7)), Ids::new(Some(7)));
        assert_eq!(one.hex(32), two.hex(32));
        assert_eq!(one.uuid(), two.uuid());
        assert_eq!(one.address(), two.address());
        assert_ne!(Ids::new(Some(8)).hex(32), Ids::new(Some(7)).hex(32));
        let id = one.uuid();
        assert_eq!(
            uuid::Uuid::parse_str(&id).map(|u| u.get_version_num()),
            Ok(4)
        );
        assert!(one.address().starts_with('T'));
        assert!(one.block_no() > 0);
    }

    #[test]
    fn unseeded_ids_differ() {
        assert_ne!(Ids::new(None).hex(32), Ids::new(None).hex(32));
    }
}
