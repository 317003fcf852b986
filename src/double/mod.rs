//! What every provider's embedded double is built from: the generated identifiers ([`Ids`]:
//! seeded for reproducible runs, random otherwise), a sliding-window [`RateLimiter`], the
//! common methods of a double's handle ([`double_handle!`](crate::double_handle)), the macro
//! that declares a fault catalogue ([`fault_catalogue!`](crate::fault_catalogue)), and the one
//! that declares the variants the contract allows
//! ([`variant_catalogue!`](crate::variant_catalogue)).
//!
//! [`server`] is the bounded HTTP/1.1 server (hyper) a double answers on: a provider's double
//! implements [`server::Handler`] once. TTPay's double runs on it both embedded (`run`) and
//! long-running (`serve`), and so does WeChat Pay's — one server, so the suite tests what
//! `serve` users get.
//!
//! [`callback::client`] delivers their notifications (header names in canonical case);
//! [`notifier`] runs them: schedule, attempts, bounds, with hooks for the provider's form.
//!
//! A provider's double contributes its endpoints, validation, envelope and faults.

pub mod callback;
mod catalogue;
mod handle;
mod ids;
pub mod notifier;
mod rate;
pub mod server;
mod trade;
mod variants;

pub use catalogue::FaultInfo;
pub use handle::lock;
pub use ids::Ids;
pub use rate::RateLimiter;
pub use trade::TradeState;
pub use variants::VariantInfo;

/// The line `serve` and `proxy --upstream double` print for the fault in force.
pub fn fault_line(name: &str, rules: &[&str]) -> String {
    format!("fault in force: {name} (breaks {})", rules.join(", "))
}

/// What `serve` does once a provider's double is started: prints `lines` (where it listens,
/// how to use it), then serves until Ctrl-C — the double runs for as long as the caller holds
/// it, across this call.
pub async fn until_ctrl_c(
    lines: impl IntoIterator<Item = String>,
) -> Result<i32, crate::error::ConfigError> {
    for line in lines {
        println!("{line}");
    }
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| crate::error::ConfigError::Start(format!("cannot wait for Ctrl-C: {e}")))?;
    Ok(crate::error::exit::CONFORMING)
}

/// `text` as one word of a POSIX shell, for the `export` lines `serve` prints: as it is when
/// every byte is plain (an ASCII letter or digit, one of `-_./:@%+,`, or one of `also_plain`),
/// else single-quoted.
pub fn shell_word(text: &str, also_plain: &[u8]) -> String {
    let plain =
        |b: u8| b.is_ascii_alphanumeric() || b"-_./:@%+,".contains(&b) || also_plain.contains(&b);
    match !text.is_empty() && text.bytes().all(plain) {
        true => text.to_owned(),
        false => format!("'{}'", text.replace('\'', "'\\''")),
    }
}

#[cfg(test)]
mod tests {
    use super::shell_word;

    #[test]
    fn a_shell_word_is_plain_or_quoted() {
        assert_eq!(shell_word("abc-1", b""), "abc-1");
        assert_eq!(shell_word("", b""), "''");
        assert_eq!(shell_word("a b'c", b""), "'a b'\\''c'");
        assert_eq!(shell_word("a=b", b""), "'a=b'");
        assert_eq!(shell_word("a=b", b"="), "a=b");
    }
}
