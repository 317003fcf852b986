//! Each provider's own flags of a command, by type. The application parses every provider's
//! `clap::Args` (composed in [`crate::providers`]) and hands the provider of the run this bag;
//! the provider takes its own type out of it. So the seam ([`crate::Provider`]) names no
//! provider's flags, and a provider's flags are its own file.

use std::any::Any;

/// The flags of one command, one value per provider's `clap::Args` type.
#[derive(Default)]
pub struct ProviderFlags(Vec<Box<dyn Any + Send + Sync>>);

impl ProviderFlags {
    /// No provider's flags: every provider gets its defaults (the selftest's runs).
    pub fn none() -> ProviderFlags {
        ProviderFlags::default()
    }

    /// These flags added: a provider's parsed `clap::Args`.
    pub fn with<T: Any + Send + Sync>(mut self, flags: T) -> ProviderFlags {
        self.0.push(Box::new(flags));
        self
    }

    /// The flags of type `T`, or their defaults when the command carried none.
    pub fn get<T: Any + Clone + Default>(&self) -> T {
        self.0
            .iter()
            .find_map(|f| f.downcast_ref::<T>())
            .cloned()
            .unwrap_or_default()
    }
}

impl std::fmt::Debug for ProviderFlags {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ProviderFlags({} set)", self.0.len())
    }
}

/// The settings of a provider that has none of its own (no flags, no TOML table, no
/// environment), as `provider_plumbing!` resolves them: `NoSettings::resolve`.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSettings;

impl NoSettings {
    /// Nothing to read; the file section's keys stay unknown. (The environment is a
    /// `provider::Env`, written out: the settings leaf names no seam.)
    pub fn resolve<A>(
        _: &A,
        _: &mut super::FileSection,
        _: &dyn Fn(&str) -> Option<String>,
        _: bool,
    ) -> Result<NoSettings, crate::error::ConfigError> {
        Ok(NoSettings)
    }
}

#[cfg(test)]
mod tests {
    use super::ProviderFlags;

    #[derive(Debug, Clone, Default, PartialEq)]
    struct Acme(u32);
    #[derive(Debug, Clone, Default, PartialEq)]
    struct Other(&'static str);

    #[test]
    fn each_provider_takes_its_own_flags_or_their_defaults() {
        let flags = ProviderFlags::none().with(Acme(7)).with(Other("x"));
        assert_eq!(flags.get::<Acme>(), Acme(7));
        assert_eq!(flags.get::<Other>(), Other("x"));
        assert_eq!(ProviderFlags::none().get::<Acme>(), Acme(0));
    }
}
