//! The plumbing every provider writes alike, as macros:
//! [`provider_plumbing!`](crate::provider_plumbing) (its `Provider` methods) and
//! [`configured_plumbing!`](crate::configured_plumbing) (its `Configured` impl).

/// The [`Provider`](crate::Provider) methods every provider writes the same way, for a
/// provider laid out as `docs/adding-a-provider.md` says (`rules::RULES`, `double::Fault`,
/// `double::serve::{serve, HELP}`, `steps::docs::DOCS`, `world::KNOWN`,
/// `suite::load_features`): inside its `impl Provider`, `provider_plumbing!(World, Args,
/// Settings, Run, ServeArgs);` writes `rules`, `faults`, `steps`, `step_docs`,
/// `known_variables`, `load_features`, `configure` (the provider's `Settings::resolve(&args,
/// file, env, remote)` then `Run::new(run, settings)`), `serve`, `serve_help` and
/// `start_double` (`double::serve::start`, which `proxy --upstream double` uses). What is its
/// own (name, title, tags, contract…) it writes itself. Without `ServeArgs`
/// (`provider_plumbing!(World, Args, Settings, Run);`) it writes neither `serve` nor
/// `serve_help`: the provider has no double to serve on its own. After them, `judge = Judge`
/// writes `proxy_judge` and `explorer = Explorer` writes `explorer` (each `Ok(Box::new(
/// T::new(setup)?))`, for a type with `fn new(&Setup) -> Result<Self, ConfigError>`); without
/// them the provider has none.
#[macro_export]
macro_rules! provider_plumbing {
    (@core $world:ty, $args:ty, $settings:ty, $run:ty
        $(, judge = $judge:ty)? $(, explorer = $explorer:ty)?) => {
        $(
            fn proxy_judge(
                &self,
                setup: &$crate::judge::JudgeSetup<'_>,
            ) -> Result<Box<dyn $crate::judge::Judge>, $crate::error::ConfigError> {
                Ok(Box::new(<$judge>::new(setup)?))
            }
        )?

        $(
            fn explorer(
                &self,
                setup: &$crate::explorer::ExplorerSetup<'_>,
            ) -> Result<Box<dyn $crate::explorer::Explorer>, $crate::error::ConfigError> {
                Ok(Box::new(<$explorer>::new(setup)?))
            }
        )?

        fn rules(&self) -> &'static [$crate::provider::Rule] {
            super::rules::RULES
        }

        fn faults(&self) -> Vec<$crate::provider::FaultInfo> {
            super::double::Fault::all()
                .iter()
                .map(|f| f.info())
                .collect()
        }

        fn steps(&self) -> Vec<$crate::provider::StepInfo> {
            $crate::world::step_patterns::<$world>()
        }

        fn step_docs(&self) -> &'static [$crate::steps::doc::StepDoc] {
            super::steps::docs::DOCS
        }

        fn known_variables(&self) -> &'static [&'static str] {
            super::world::KNOWN
        }

        fn load_features(
            &self,
            extra: &[::std::path::PathBuf],
        ) -> Result<Vec<::cucumber::gherkin::Feature>, $crate::error::ConfigError> {
            super::suite::load_features(extra)
        }

        fn configure(
            &self,
            run: &$crate::settings::RunSettings,
            flags: &$crate::settings::ProviderFlags,
            file: &mut $crate::settings::FileSection,
            env: $crate::provider::Env<'_>,
        ) -> Result<Box<dyn $crate::provider::Configured>, $crate::error::ConfigError> {
            let own = <$settings>::resolve(&flags.get::<$args>(), file, env, run.is_remote())?;
            Ok(Box::new(<$run>::new(run.clone(), own)?))
        }
    };
    ($world:ty, $args:ty, $settings:ty, $run:ty, $serve_args:ty
        $(, judge = $judge:ty)? $(, explorer = $explorer:ty)? $(,)?) => {
        $crate::provider_plumbing!(@core $world, $args, $settings, $run
            $(, judge = $judge)? $(, explorer = $explorer)?);

        fn serve<'a>(
            &'a self,
            common: &'a $crate::settings::ServeSettings,
            flags: &'a $crate::settings::ProviderFlags,
        ) -> ::futures::future::LocalBoxFuture<'a, Result<i32, $crate::error::ConfigError>> {
            use ::futures::FutureExt as _;
            async move { super::double::serve::serve(common, &flags.get::<$serve_args>()).await }
                .boxed_local()
        }

        fn serve_help(&self) -> &'static str {
            super::double::serve::HELP
        }

        fn start_double<'a>(
            &'a self,
            common: &'a $crate::settings::ServeSettings,
            flags: &'a $crate::settings::ProviderFlags,
        ) -> ::futures::future::LocalBoxFuture<
            'a,
            Result<$crate::judge::StartedDouble, $crate::error::ConfigError>,
        > {
            use ::futures::FutureExt as _;
            async move {
                let args = flags.get::<$serve_args>();
                let (double, banner) = super::double::serve::start(common, &args).await?;
                Ok($crate::judge::StartedDouble {
                    uri: double.uri(),
                    banner,
                    keep: Box::new(double),
                })
            }
            .boxed_local()
        }
    };
    ($world:ty, $args:ty, $settings:ty, $run:ty
        $(, judge = $judge:ty)? $(, explorer = $explorer:ty)? $(,)?) => {
        $crate::provider_plumbing!(@core $world, $args, $settings, $run
            $(, judge = $judge)? $(, explorer = $explorer)?);
    };
}

/// The [`Configured`](crate::Configured) impl every provider writes alike:
/// `configured_plumbing!(AcmeRun);` for a
/// run type with inherent `async fn run(&self, features)`, `async fn run_with_fault(&self,
/// features, fault: Option<&str>)` (both `Result<RunReport, ConfigError>`) and `fn
/// settings(&self) -> serde_json::Value`; `configured_plumbing!(AcmeRun, preflight)` forwards
/// its inherent `async fn preflight(&self) -> Result<(), ConfigError>` too.
#[macro_export]
macro_rules! configured_plumbing {
    ($run:ty $(, $preflight:ident)?) => {
        impl $crate::provider::Configured for $run {
            fn run(
                &self,
                features: Vec<::cucumber::gherkin::Feature>,
            ) -> ::futures::future::LocalBoxFuture<
                '_,
                Result<$crate::outcome::RunReport, $crate::error::ConfigError>,
            > {
                ::std::boxed::Box::pin(<$run>::run(self, features))
            }

            fn run_with_fault<'a>(
                &'a self,
                features: Vec<::cucumber::gherkin::Feature>,
                fault: Option<&'a str>,
            ) -> ::futures::future::LocalBoxFuture<
                'a,
                Result<$crate::outcome::RunReport, $crate::error::ConfigError>,
            > {
                ::std::boxed::Box::pin(<$run>::run_with_fault(self, features, fault))
            }

            $(
                fn $preflight(
                    &self,
                ) -> ::futures::future::LocalBoxFuture<'_, Result<(), $crate::error::ConfigError>>
                {
                    ::std::boxed::Box::pin(<$run>::$preflight(self))
                }
            )?

            fn settings(&self) -> ::serde_json::Value {
                <$run>::settings(self)
            }
        }
    };
}
