//! TTPay's cryptography: what the suite's signed client and the double share.
//!
//! - [`signing`]: `TTPAY-AES-256-ECB`, the request signature (CONTRACT A1, A2) and the
//!   response signature (A6) — [`AppSecret`], [`MerchantSigner`], [`Authorization`].
//! - [`encrypt_resource`], [`decrypt_notification`]: a notification's `resource`,
//!   AES-256-GCM with the app secret (CONTRACT 1, "Callbacks").

mod aead;
pub mod signing;

pub use aead::{NotificationError, decrypt_notification, encrypt_resource};
pub use signing::{
    AppSecret, Authorization, AuthorizationError, MerchantSigner, SCHEME, SecretLengthError, nonce,
    response_message,
};
