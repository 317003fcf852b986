//! What every double's handle answers the same way: [`double_handle!`](crate::double_handle)
//! gives a provider's `Double` (fields `server: Server`, `state: Arc<Mutex<State>>` with
//! `fault` and `orders`, `config`) its `uri`, `config`, `set_fault`, `fault`, `order_count`
//! and `Debug`; the notifier stops with the handle's [`Notifier`](super::notifier::Notifier)
//! field. The provider writes only its control methods (pay, expire, inspect, reset).

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Locks a double's state even if a previous holder panicked (every change is one step, so the
/// data stays consistent).
pub fn lock<T>(state: &Mutex<T>) -> MutexGuard<'_, T> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The common methods of a provider's double handle: `double_handle!(Double, DoubleConfig,
/// Fault)` inside the provider's `double` module.
#[macro_export]
macro_rules! double_handle {
    ($double:ident, $config:ty, $fault:ty) => {
        impl $double {
            /// The base URL, `http://127.0.0.1:PORT` (no trailing slash).
            pub fn uri(&self) -> String {
                self.server.uri()
            }

            /// The configuration the double was started with (its `fault` is the initial one).
            pub fn config(&self) -> &$config {
                &self.config
            }

            /// Puts `fault` in force from the next request on; `None` makes the double conform
            /// again.
            pub fn set_fault(&self, fault: Option<$fault>) {
                $crate::double::lock(&self.state).fault = fault;
            }

            /// The fault in force now.
            pub fn fault(&self) -> Option<$fault> {
                $crate::double::lock(&self.state).fault
            }

            /// How many orders the double holds, the paid fixture included.
            pub fn order_count(&self) -> usize {
                $crate::double::lock(&self.state).orders.len()
            }
        }

        impl ::std::fmt::Debug for $double {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(stringify!($double))
                    .field("uri", &self.uri())
                    .field("config", &self.config)
                    .finish_non_exhaustive()
            }
        }
    };
}
