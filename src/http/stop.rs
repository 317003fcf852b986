//! Stopping a run: Ctrl-C / SIGTERM ([`interrupt`]) or its deadline passing
//! ([`deadline_passed`]). From then on no request is sent, requests in flight end at once,
//! and nobody waits for a turn to send — so scenarios end quickly and the run reports what
//! finished.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicBool, Ordering};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static PAST_DEADLINE: AtomicBool = AtomicBool::new(false);

/// Wakes whoever waits in [`stopped`].
static STOP: LazyLock<tokio::sync::watch::Sender<bool>> =
    LazyLock::new(|| tokio::sync::watch::channel(false).0);

/// Stops sending: from now on every request fails as [`super::TransportError::Interrupted`]
/// at once, so that scenarios in flight end quickly and the run reports what finished.
pub fn interrupt() {
    INTERRUPTED.store(true, Ordering::SeqCst);
    STOP.send_replace(true);
}

/// Whether [`interrupt`] was called.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// The run's deadline passed (`--deadline`): every request fails as
/// [`super::TransportError::Deadline`] from now on — inconclusive, like any the network kept.
pub fn deadline_passed() {
    PAST_DEADLINE.store(true, Ordering::SeqCst);
    STOP.send_replace(true);
}

/// Whether [`deadline_passed`] was called.
pub fn past_deadline() -> bool {
    PAST_DEADLINE.load(Ordering::SeqCst)
}

/// Whether the run was stopped either way.
pub fn stopping() -> bool {
    interrupted() || past_deadline()
}

/// Returns once the run is stopped either way (at once if it already is).
pub async fn stopped() {
    let mut stop = STOP.subscribe();
    let _ = stop.wait_for(|stopped| *stopped).await;
}

/// Returns at Ctrl-C, or SIGTERM where there is one.
pub async fn signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            },
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
