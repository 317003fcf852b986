//! Variants: ways a provider may answer that are *not* contract violations — a new field, other
//! `msg` texts, the other allowed answer to a repeated close — selectable like faults
//! (`run --variant NAME`, `serve --variant NAME`), so that `diff` can be shown to find them
//! and the selftest to stay green with them. A double declares its catalogue with
//! [`variant_catalogue!`](crate::variant_catalogue): an enum `Variant` with `all()`,
//! `from_name`, `name`, `endpoint`, `description` and `info()`.
//!
//! ```ignore
//! pay_conformance::variant_catalogue! {
//!     DetailExtraField = "detail-extra-field", "/v1/transaction/query",
//!         "adds a `confirmations` field to the TransactionDetail";
//! }
//! ```

use serde::Serialize;

/// One variant of a provider's double, as the engine lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct VariantInfo {
    /// Kebab-case, as `--variant NAME` takes it.
    pub name: &'static str,
    /// The endpoint whose answers it changes (or `*` for every one).
    pub endpoint: &'static str,
    pub description: &'static str,
}

#[macro_export]
macro_rules! variant_catalogue {
    ($($variant:ident = $name:literal, $endpoint:literal, $description:literal;)+) => {
        /// A way of answering the contract allows, chosen by name (`--variant NAME`).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Variant {
            $(#[doc = $description] $variant,)+
        }

        const ALL_VARIANTS: &[Variant] = &[$(Variant::$variant),+];

        impl Variant {
            /// The variant with this kebab-case name.
            pub fn from_name(name: &str) -> Option<Variant> {
                let name = name.trim();
                ALL_VARIANTS.iter().copied().find(|v| v.name() == name)
            }

            /// Every variant, in catalogue order.
            pub fn all() -> &'static [Variant] {
                ALL_VARIANTS
            }

            pub fn name(self) -> &'static str {
                match self {
                    $(Variant::$variant => $name,)+
                }
            }

            /// The endpoint whose answers it changes.
            pub fn endpoint(self) -> &'static str {
                match self {
                    $(Variant::$variant => $endpoint,)+
                }
            }

            pub fn description(self) -> &'static str {
                match self {
                    $(Variant::$variant => $description,)+
                }
            }

            /// The engine's view of it.
            pub fn info(self) -> $crate::double::VariantInfo {
                $crate::double::VariantInfo {
                    name: self.name(),
                    endpoint: self.endpoint(),
                    description: self.description(),
                }
            }
        }
    };
}
