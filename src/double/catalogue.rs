//! The declaration of a double's fault catalogue: one line per fault — its name, the rules it
//! breaks (the one it is about first) and what a provider with it does wrong — becomes an enum
//! `Fault` with `all()`, `from_name`, `name`, `rules`, `description` and `info()`.
//!
//! ```ignore
//! pay_conformance::fault_catalogue! {
//!     CloseIgnoresSignature = "close-ignores-signature", ["A3"],
//!         "closes the order whatever the signature says";
//! }
//! ```

use serde::Serialize;

/// One fault of a provider's double: a realistic way of breaking the rules it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FaultInfo {
    /// Kebab-case, as `--fault NAME` takes it.
    pub name: &'static str,
    /// The rules it breaks, the one it is about first.
    pub rules: &'static [&'static str],
    pub description: &'static str,
}

#[macro_export]
macro_rules! fault_catalogue {
    ($($variant:ident = $name:literal, [$($rule:literal),+], $description:literal;)+) => {
        /// One way of breaking the contract, chosen by name (`--fault close-ignores-signature`).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Fault {
            $(#[doc = $description] $variant,)+
        }

        const ALL_FAULTS: &[Fault] = &[$(Fault::$variant),+];

        impl Fault {
            /// The fault with this kebab-case name.
            pub fn from_name(name: &str) -> Option<Fault> {
                let name = name.trim();
                ALL_FAULTS.iter().copied().find(|f| f.name() == name)
            }

            /// The engine's view of it.
            pub fn info(self) -> $crate::double::FaultInfo {
                $crate::double::FaultInfo {
                    name: self.name(),
                    rules: self.rules(),
                    description: self.description(),
                }
            }

            /// Every fault, in catalogue order (by the first rule each breaks).
            pub fn all() -> &'static [Fault] {
                ALL_FAULTS
            }

            /// The kebab-case name, e.g. `close-ignores-signature`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Fault::$variant => $name,)+
                }
            }

            /// The rule ids this fault breaks, the one it is about first.
            pub fn rules(self) -> &'static [&'static str] {
                match self {
                    $(Fault::$variant => &[$($rule),+],)+
                }
            }

            /// One line: what a provider with this fault does wrong.
            pub fn description(self) -> &'static str {
                match self {
                    $(Fault::$variant => $description,)+
                }
            }
        }

        impl ::std::fmt::Display for Fault {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}
