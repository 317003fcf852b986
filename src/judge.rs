//! What a provider plugs into `pay-conformance proxy` ([`Judge`]): one exchange of a merchant's
//! traffic as it passed ([`Proxied`]), and what was wrong with it ([`Finding`]), on the side it
//! belongs to. A leaf of the engine (the `Provider` trait names it); the proxy itself, which
//! forwards and tallies, is [`crate::proxy`].

use std::time::{Duration, SystemTime};

use crate::findings::{Deviation, Observation};
use bytes::Bytes;
use http::{HeaderMap, Method};
use serde::Serialize;

/// Whose side of the contract a finding is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The merchant's request broke the request side (signature, timestamp, fields, headers).
    Merchant,
    /// The provider's answer broke the response side (envelope, schema, signature, state).
    Provider,
}

impl Side {
    pub fn name(self) -> &'static str {
        match self {
            Side::Merchant => "merchant",
            Side::Provider => "provider",
        }
    }
}

/// A rule broken by one side in one exchange.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub side: Side,
    #[serde(flatten)]
    pub deviation: Deviation,
}

impl Finding {
    /// The merchant's request broke `deviation`'s rule.
    pub fn merchant(deviation: Deviation) -> Finding {
        Finding {
            side: Side::Merchant,
            deviation,
        }
    }

    /// The provider's answer broke `deviation`'s rule.
    pub fn provider(deviation: Deviation) -> Finding {
        Finding {
            side: Side::Provider,
            deviation,
        }
    }
}

/// What a judge says of one exchange.
#[derive(Debug, Default)]
pub struct Verdict {
    pub findings: Vec<Finding>,
    /// Worth knowing, never a failure (a response signature in observe mode).
    pub observations: Vec<Observation>,
    /// The provider's request id of the answer, for the reports.
    pub request_id: Option<String>,
    /// The endpoint as the contract names it (`/v1/transaction/query`), when the judge knows it.
    pub endpoint: Option<String>,
}

impl Verdict {
    pub fn merchant(&mut self, deviation: Deviation) {
        self.findings.push(Finding::merchant(deviation));
    }

    pub fn provider(&mut self, deviation: Deviation) {
        self.findings.push(Finding::provider(deviation));
    }

    pub fn providers(&mut self, deviations: impl IntoIterator<Item = Deviation>) {
        self.findings
            .extend(deviations.into_iter().map(Finding::provider));
    }
}

/// One body as it passed: the bytes kept (at most the proxy's bound), whether there were more.
#[derive(Debug, Clone, Default)]
pub struct Body {
    pub bytes: Bytes,
    /// The body was longer than the bound: `bytes` is its beginning only.
    pub over_cap: bool,
}

/// One exchange of the merchant's traffic, as the proxy forwarded it (unchanged both ways).
#[derive(Debug, Clone)]
pub struct Proxied {
    /// Its number in the proxy's traffic, from 1.
    pub seq: u64,
    pub at: SystemTime,
    pub method: Method,
    /// The raw path, percent-encoding kept (as signed).
    pub path: String,
    /// The raw query without `?`.
    pub query: Option<String>,
    pub request_headers: HeaderMap,
    pub request_body: Body,
    pub status: u16,
    pub response_headers: HeaderMap,
    pub response_body: Body,
    /// From the request's head to the answer's head.
    pub elapsed: Duration,
}

impl Proxied {
    /// The path and `?query` as sent.
    pub fn url(&self) -> String {
        match &self.query {
            Some(query) => format!("{}?{query}", self.path),
            None => self.path.clone(),
        }
    }

    /// A request header as text.
    pub fn request_header(&self, name: &str) -> Option<&str> {
        self.request_headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// A response header as text.
    pub fn response_header(&self, name: &str) -> Option<&str> {
        self.response_headers
            .get(name)
            .and_then(|v| v.to_str().ok())
    }
}

/// A provider's judge of the traffic: which rules each side broke in one exchange. Called once
/// per exchange, in the order the answers completed, on one task: it may keep state (the orders
/// it has seen), bounded.
pub trait Judge: Send + 'static {
    fn judge(&mut self, exchange: &Proxied) -> Verdict;

    /// What it cannot check with what it was given (a missing secret: signatures checked for
    /// form only), for the console and the reports.
    fn limits(&self) -> Vec<String> {
        Vec::new()
    }
}

/// What a provider's judge is built from: its `run` flags, the environment (its credentials,
/// as `run` reads them), and whether the upstream is its own embedded double.
pub struct JudgeSetup<'a> {
    pub flags: &'a crate::settings::ProviderFlags,
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// The upstream is the provider's embedded double (`--upstream double`): its built-in
    /// merchants are the ones to expect when the environment names none.
    pub double: bool,
    /// What a missing or wrong response signature is (`--response-signatures`).
    pub signatures: crate::settings::ResponseSignatures,
}

/// A provider's double started for `proxy --upstream double`: it serves until this is dropped.
pub struct StartedDouble {
    /// `http://127.0.0.1:PORT`.
    pub uri: String,
    /// How to use it (the credentials to export), printed after the proxy's own line.
    pub banner: Vec<String>,
    /// The running double.
    pub keep: Box<dyn std::any::Any>,
}

/// The embedded doubles' control routes (`/_control/…`: paying an order in a test), which a
/// merchant's tests call through the proxy too: not the provider's API, never judged.
pub const CONTROL_PREFIX: &str = "/_control/";

/// A judge in the two halves every provider's has: the merchant's request (its findings, and
/// what the answer needs of it), then the provider's answer.
pub trait Halves {
    /// What the request says, as far as the answer needs it.
    type Request;

    /// The merchant's findings of `exchange` in `out`; `None` when it names no endpoint.
    fn request(&self, exchange: &Proxied, out: &mut Vec<Deviation>) -> Option<Self::Request>;

    /// The endpoint of `request` as the contract names it.
    fn endpoint(request: &Self::Request) -> &'static str;

    /// The provider's findings of `exchange`, as `request` read, in `verdict`.
    fn answer(&mut self, exchange: &Proxied, request: &Self::Request, verdict: &mut Verdict);

    /// As [`Judge::limits`].
    fn limits(&self) -> Vec<String> {
        Vec::new()
    }
}

/// A [`Halves`] judge is a [`Judge`]: [`by_halves`].
impl<J: Halves + Send + 'static> Judge for J {
    fn judge(&mut self, exchange: &Proxied) -> Verdict {
        by_halves(self, exchange)
    }

    fn limits(&self) -> Vec<String> {
        Halves::limits(self)
    }
}

/// The verdict of a [`Halves`] judge on `exchange`: nothing for a control route, else the
/// request's findings as the merchant's, then the answer's.
pub fn by_halves<J: Halves>(judge: &mut J, exchange: &Proxied) -> Verdict {
    let mut verdict = Verdict::default();
    if exchange.path.starts_with(CONTROL_PREFIX) {
        return verdict;
    }
    let mut merchant = Vec::new();
    let request = judge.request(exchange, &mut merchant);
    for deviation in merchant {
        verdict.merchant(deviation);
    }
    if let Some(request) = request {
        verdict.endpoint = Some(J::endpoint(&request).to_owned());
        judge.answer(exchange, &request, &mut verdict);
    }
    verdict
}

/// The [`Halves`] impl of a judge whose halves are its own inherent methods, each in a file of
/// its own: `judge_halves! { AcmeJudge, request::Request, |request| request.route.endpoint() }`
/// inside the provider's `proxy` module, for `request_side(&self, &Proxied, &mut
/// Vec<Deviation>) -> Option<Request>`, `answer_side(&mut self, &Proxied, &Request, &mut
/// Verdict)` and `limits(&self) -> Vec<String>`; the closure names a request's endpoint as the
/// contract does.
#[macro_export]
macro_rules! judge_halves {
    ($judge:ty, $request:ty, |$r:ident| $endpoint:expr) => {
        impl $crate::judge::Halves for $judge {
            type Request = $request;

            fn request(
                &self,
                exchange: &$crate::judge::Proxied,
                out: &mut ::std::vec::Vec<$crate::findings::Deviation>,
            ) -> ::std::option::Option<$request> {
                <$judge>::request_side(self, exchange, out)
            }

            fn endpoint($r: &$request) -> &'static str {
                $endpoint
            }

            fn answer(
                &mut self,
                exchange: &$crate::judge::Proxied,
                request: &$request,
                verdict: &mut $crate::judge::Verdict,
            ) {
                <$judge>::answer_side(self, exchange, request, verdict)
            }

            fn limits(&self) -> ::std::vec::Vec<::std::string::String> {
                <$judge>::limits(self)
            }
        }
    };
}
