//! Panics redacted too: the hook that prints a panic's message through [`redact`], and
//! [`QuietPanics`], which silences it while the run reports a failing step itself.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::redact;

/// Installs a panic hook that prints panic messages redacted, so that not even a bug leaks a
/// secret.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        if QUIET.load(Ordering::SeqCst) > 0 {
            return;
        }
        let payload = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("(no message)");
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "pay-conformance: internal error{location}: {}",
            redact(payload)
        );
    }));
}

static QUIET: AtomicUsize = AtomicUsize::new(0);

/// While one lives, the panic hook stays silent: cucumber turns a failing step into a panic,
/// and the run reports it itself (redacted) instead of the hook printing it.
#[derive(Debug)]
pub struct QuietPanics(());

impl QuietPanics {
    pub fn new() -> Self {
        QUIET.fetch_add(1, Ordering::SeqCst);
        Self(())
    }
}

impl Default for QuietPanics {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for QuietPanics {
    fn drop(&mut self) {
        QUIET.fetch_sub(1, Ordering::SeqCst);
    }
}
