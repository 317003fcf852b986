//! What a provider plugs into `pay-conformance explore` ([`Explorer`]): the endpoints whose
//! request schemas the engine generates bodies from, how a body is settled (the ids and the
//! merchant the schema cannot know), signed and sent, what it is followed by (a query that
//! shows whether a refused create made an order anyway), and how each answer is judged — by
//! the same judge as `proxy`, so a verdict of `explore` is a verdict of the contract.
//!
//! A leaf of the engine, like [`crate::judge`]: the `Provider` trait names it; the generator,
//! the shrinker and the reports are [`crate::explore`]'s.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::ConfigError;
use crate::http::Outgoing;
use crate::judge::{Proxied, Verdict};

/// One endpoint explore generates requests for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    /// `create`: what `--endpoint` takes.
    pub name: &'static str,
    /// The request body's schema (`acme/create_request`), bodies are generated from it.
    pub schema: &'static str,
}

/// Who signs a case's request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Who {
    /// The merchant itself, correctly.
    Merchant,
    /// Another merchant of the same provider, correctly (on the first merchant's orders).
    OtherMerchant,
    /// The merchant, with a signature that does not verify: it must be refused, no effect.
    BadSignature,
    /// No `Authorization` header at all: refused as the contract says, no effect.
    Unsigned,
    /// An `Authorization` that is no signature of the provider's scheme: refused likewise.
    Garbled,
}

impl Who {
    /// Who signs what is sent to see a case's effects: the case's signer, but the merchant
    /// itself, correctly, after a bad signature.
    pub fn honest(self) -> Who {
        match self {
            Who::BadSignature | Who::Unsigned | Who::Garbled => Who::Merchant,
            who => who,
        }
    }
}

/// Whom an explorer signs as: the merchant, and another merchant of the same provider when
/// there is one (`M` is the provider's credentials of one merchant).
#[derive(Debug, Clone)]
pub struct Signers<M> {
    pub merchant: M,
    pub other: Option<M>,
}

impl<M> Signers<M> {
    /// The merchants the configuration names (`configured`: the merchant and the other one);
    /// without them, the target being the provider's double, the first two of the double's
    /// built-in ones (`builtin`); else an error that says which credentials to set
    /// (`missing`).
    pub fn resolve<I: IntoIterator<Item = M>>(
        configured: Option<(M, Option<M>)>,
        double: bool,
        builtin: impl FnOnce() -> I,
        missing: &str,
    ) -> Result<Signers<M>, ConfigError> {
        let (merchant, other) = match configured {
            Some(both) => both,
            None if double => {
                let mut builtin = builtin().into_iter();
                let first = builtin.next().ok_or_else(|| {
                    ConfigError::Start("the double has no built-in merchant".into())
                })?;
                (first, builtin.next())
            }
            None => {
                return Err(ConfigError::Invalid {
                    what: format!("explore --base-url needs the merchant's credentials: {missing}"),
                });
            }
        };
        Ok(Signers { merchant, other })
    }

    /// The merchant who signs as `who` says (the merchant itself when there is no other).
    pub fn of(&self, who: Who) -> &M {
        match (who, &self.other) {
            (Who::OtherMerchant, Some(other)) => other,
            _ => &self.merchant,
        }
    }

    /// What the explorer cannot check without another merchant (`hint`: the variables that
    /// name one), for [`Explorer::limits`].
    pub fn limit(&self, hint: &str) -> Option<String> {
        self.other.is_none().then(|| {
            format!(
                "no second merchant ({hint}): the cases of another merchant are the merchant's own"
            )
        })
    }
}

/// One change to a schema-valid body: what makes a case negative.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum Mutation {
    /// The field (a JSON pointer: `/amount`, `/amount/total`) left out.
    Remove { field: String },
    /// The field set to `value` (`what` says why, for people: `negative`, `wrong type`).
    Set {
        field: String,
        value: Value,
        what: String,
    },
    /// The top-level field sent twice: `value` first, then the body's own value.
    Duplicate { field: String, value: Value },
    /// The whole body replaced by `body` (not JSON, not an object, cut short).
    Raw { body: String, what: String },
}

impl Mutation {
    /// The field (a JSON pointer) set to `value`, `what` saying why.
    pub fn set(field: &str, value: Value, what: &str) -> Mutation {
        Mutation::Set {
            field: field.to_owned(),
            value,
            what: what.to_owned(),
        }
    }

    /// The field it is about (`""` for the whole body).
    pub fn field(&self) -> &str {
        match self {
            Mutation::Remove { field }
            | Mutation::Set { field, .. }
            | Mutation::Duplicate { field, .. } => field,
            Mutation::Raw { .. } => "",
        }
    }

    /// One line for people: `/amount: negative (-1)`.
    pub fn describe(&self) -> String {
        match self {
            Mutation::Remove { field } => format!("{field}: left out"),
            Mutation::Set { field, value, what } => format!("{field}: {what} ({value})"),
            Mutation::Duplicate { field, value } => {
                format!("{field}: sent twice, first as {value}")
            }
            Mutation::Raw { body, what } => format!("body: {what} ({body:?})"),
        }
    }
}

/// One generated case: a schema-valid body, the changes that make it negative, who signs it
/// and which of the orders made so far its ids name. It is what `--replay` reads back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    pub endpoint: String,
    /// The body before the changes, its optional fields present or not.
    pub fields: Map<String, Value>,
    pub mutations: Vec<Mutation>,
    pub who: Who,
    /// Which order made so far its ids name: `pick % (orders + 1)`, the last one a made-up id
    /// of no order.
    pub pick: u32,
    /// Another HTTP method than the endpoint's (`PUT`, `TRACE`): it must be refused, no effect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
}

/// The `Authorization` value of a [`Who::Garbled`] case.
pub const GARBLED_AUTHORIZATION: &str = "garbled not-a-signature";

/// The methods the sweep tries on every endpoint instead of its own.
pub const OTHER_METHODS: [&str; 4] = ["PUT", "DELETE", "PATCH", "TRACE"];

impl Case {
    /// `request` (the explorer's, signed) as this case sends it: without its `Authorization`,
    /// with a garbled one, or with another method.
    pub fn alter(&self, request: &mut crate::http::Outgoing) {
        match self.who {
            Who::Unsigned => request
                .headers
                .retain(|(name, _)| !name.eq_ignore_ascii_case("authorization")),
            Who::Garbled => {
                for (name, value) in &mut request.headers {
                    if name.eq_ignore_ascii_case("authorization") {
                        *value = GARBLED_AUTHORIZATION.to_owned();
                    }
                }
            }
            _ => {}
        }
        if let Some(method) = self
            .method
            .as_deref()
            .and_then(|m| http::Method::from_bytes(m.as_bytes()).ok())
        {
            request.method = method;
        }
    }
}

/// A provider's explorer: one per exploration, called on one task, in order.
pub trait Explorer {
    /// The endpoints it explores, in order.
    fn endpoints(&self) -> Vec<Endpoint>;

    /// Changes to try beyond those the schema gives (values only the contract knows to be
    /// wrong: a currency the chain does not offer).
    fn extra_mutations(&self, _endpoint: &str) -> Vec<Mutation> {
        Vec::new()
    }

    /// Settles `body` for `case` before its mutations apply: what a schema cannot know (a
    /// fresh order number, the signer's merchant id, an id of an order made earlier).
    fn settle(&mut self, case: &Case, body: &mut Map<String, Value>);

    /// The request for `case` with `body` (the exact bytes sent), signed as `case.who` says.
    fn request(&mut self, case: &Case, body: &[u8]) -> Outgoing;

    /// The provider's side of one exchange of `case`: the judge's findings, and what only the
    /// explorer knows (an id it made up is no order).
    fn judge(&mut self, case: &Case, exchange: &Proxied) -> Verdict;

    /// What to send after `case`'s answer to see its effects (a query by the order number a
    /// refused create sent: no order may exist), each judged as well.
    fn follow_ups(&mut self, case: &Case, exchange: &Proxied) -> Vec<Outgoing>;

    /// A well-formed request any healthy target answers (a query of an order that does not
    /// exist): tells a connection dropped because of the input from a target that is down.
    fn probe(&mut self) -> Outgoing;

    /// The rule a dropped connection or a 5xx breaks (TTPay's T5).
    fn no_answer_rule(&self) -> &'static str;

    /// The `Authorization` value (and the other headers that go with it) for a request, as the
    /// merchant would sign it now: `pay-conformance sign`, and the curl of a finding.
    fn sign(&self, who: Who, method: &str, path_and_query: &str, body: &[u8]) -> Outgoing;

    /// The body field of `endpoint` that must be new on every request (a create's order
    /// number): a reproduction sends a fresh one.
    fn fresh_field(&self, _endpoint: &str) -> Option<&'static str> {
        None
    }

    /// What it cannot check with what it was given, for the console and the reports.
    fn limits(&self) -> Vec<String> {
        Vec::new()
    }
}

/// What an explorer is built from.
pub struct ExplorerSetup<'a> {
    /// As `proxy` builds its judge: flags, environment, whether the target is the double.
    pub judge: crate::judge::JudgeSetup<'a>,
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base_url: String,
    /// Distinguishes this exploration's order numbers from any other's.
    pub run_id: String,
}

/// A made-up id starts so: no order has it.
pub const MADE_UP: &str = "xpnone";

/// The `pick` of a case that names no order of anyone's (the sweep has one per endpoint;
/// random picks are below 1024).
pub const PICK_MADE_UP: u32 = u32::MAX;

/// Whether `id` is one [`Orders::made_up`] made.
pub fn is_made_up(id: &str) -> bool {
    id.starts_with(MADE_UP)
}

/// The orders an explorer has made, for the cases whose ids name one (bounded, the oldest
/// forgotten first), and the order numbers it makes: fresh ones, and made-up ones of no order.
#[derive(Debug)]
pub struct Orders<T> {
    made: std::collections::VecDeque<T>,
    run_id: String,
    counter: u64,
}

impl<T: PartialEq> Orders<T> {
    /// Orders remembered at most.
    pub const MAX: usize = 256;

    /// No order yet; `run_id` goes into every id made (`ExplorerSetup::run_id`).
    pub fn new(run_id: &str) -> Self {
        Orders {
            made: std::collections::VecDeque::new(),
            run_id: run_id.to_owned(),
            counter: 0,
        }
    }

    /// A new id: `prefix`, the run's tag, a counter.
    pub fn fresh(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!("{prefix}{}{}", self.run_id, self.counter)
    }

    /// An id of no order.
    pub fn made_up(&mut self) -> String {
        self.fresh(MADE_UP)
    }

    /// The order `case` names: `pick % (orders + 1)`, `None` for the made-up one (always for
    /// [`PICK_MADE_UP`]).
    pub fn pick(&self, case: &Case) -> Option<&T> {
        if case.pick == PICK_MADE_UP {
            return None;
        }
        self.made.get(case.pick as usize % (self.made.len() + 1))
    }

    /// Remembers an order seen (once).
    pub fn remember(&mut self, order: T) {
        if self.made.contains(&order) {
            return;
        }
        if self.made.len() >= Self::MAX {
            self.made.pop_front();
        }
        self.made.push_back(order);
    }
}
