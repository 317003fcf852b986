//! Steps every provider's features can use. The generic QA layer ([`generic`]) is written
//! once, against [`ProviderWorld`](crate::world::ProviderWorld), and registered for each
//! provider's world with [`generic_steps!`](crate::generic_steps).

pub mod generic;

pub mod doc;
pub mod generic_docs;
pub mod notify;
