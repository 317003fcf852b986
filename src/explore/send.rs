//! One case on the wire: sent (paced, over a connection of its own when the explorer asks),
//! judged by the provider's judge, followed up (a query that shows whether a refused request
//! had an effect), and, when it breaks a rule, shrunk by proptest to the simplest case that
//! still breaks it at the same place.

use std::collections::BTreeSet;
use std::time::SystemTime;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue};
use proptest::strategy::ValueTree;

use super::{Found, Ran, Session};
use crate::explorer::Case;
use crate::findings::Deviation;
use crate::http::{Incoming, Outgoing, TransportError};
use crate::judge::{Body, Proxied, Side};

impl Session<'_> {
    /// proptest's shrinking of a failing case: simpler while it still breaks the same rule at
    /// the same place, back when it does not.
    pub(super) async fn shrink(
        &mut self,
        mut tree: Box<dyn ValueTree<Value = Case>>,
        case: &Case,
        deviation: &Deviation,
        ran: &Ran,
        max: u32,
    ) -> Found {
        let key = key_of(deviation);
        let mut best = found_of(case, deviation, ran, 0);
        let mut runs = 0;
        if tree.simplify() {
            while runs < max {
                runs += 1;
                let candidate = tree.current();
                let ran = self.run(&candidate).await;
                if ran.stop {
                    break;
                }
                let same = ran.findings.iter().find(|d| key_of(d) == key);
                match same {
                    Some(d) => {
                        best = found_of(&candidate, d, &ran, runs);
                        if !tree.simplify() {
                            break;
                        }
                    }
                    None => {
                        if !tree.complicate() {
                            break;
                        }
                    }
                }
            }
        }
        best.shrink_runs = runs;
        best.cases = 1;
        best
    }

    /// One run of `case`: settled, sent, judged, followed up.
    pub(super) async fn run(&mut self, case: &Case) -> Ran {
        let mut ran = Ran::default();
        let mut body = case.fields.clone();
        self.explorer.settle(case, &mut body);
        let bytes = super::mutations::body(case, body);
        let mut request = self.explorer.request(case, &bytes);
        case.alter(&mut request);
        ran.request = Some(request.clone());
        let exchange = match self.send(&request).await {
            Ok(exchange) => exchange,
            Err(TransportError::Interrupted | TransportError::Deadline) => {
                ran.stop = true;
                return ran;
            }
            Err(e) => {
                // No answer. The input's doing only if the target answers a well-formed
                // request at once, on a connection of its own.
                let probe = self.explorer.probe();
                match self.send(&probe).await {
                    Ok(_) => ran.findings.push(Deviation::new(
                        self.explorer.no_answer_rule(),
                        path_of(&request.url),
                        "(connection)",
                        "an answer (a JSON refusal of the input)",
                        format!("no answer: {e}"),
                    )),
                    Err(again) => {
                        ran.inconclusive = Some(format!(
                            "{} {}: {e}; a well-formed request then: {again}",
                            request.method, request.url
                        ))
                    }
                }
                return ran;
            }
        };
        ran.answer = Some((
            exchange.status,
            String::from_utf8_lossy(
                &exchange.response_body.bytes[..exchange.response_body.bytes.len().min(2048)],
            )
            .into_owned(),
        ));
        ran.findings
            .extend(provider_findings(self.explorer.judge(case, &exchange)));
        for next in self.explorer.follow_ups(case, &exchange) {
            match self.send(&next).await {
                Ok(followed) => ran
                    .findings
                    .extend(provider_findings(self.explorer.judge(case, &followed))),
                Err(TransportError::Interrupted | TransportError::Deadline) => {
                    ran.stop = true;
                    break;
                }
                Err(e) => {
                    ran.inconclusive = Some(format!("{} {}: {e}", next.method, next.url));
                    break;
                }
            }
        }
        dedupe(&mut ran.findings);
        ran
    }

    /// Sends one request (paced, never retried: a create may have taken effect), and gives the
    /// exchange as the judge reads it.
    async fn send(&mut self, request: &Outgoing) -> Result<Proxied, TransportError> {
        let ticket = self.pacer.wait("explore").await;
        let at = SystemTime::now();
        self.requests += 1;
        let answer = self.transport.send_once(request).await;
        self.pacer.answered(ticket);
        let answer: Incoming = answer?;
        self.seq += 1;
        Ok(proxied(self.seq, at, request, answer))
    }
}

pub(super) fn provider_findings(verdict: crate::judge::Verdict) -> impl Iterator<Item = Deviation> {
    verdict
        .findings
        .into_iter()
        .filter(|f| f.side == Side::Provider)
        .map(|f| f.deviation)
}

pub(super) fn dedupe(findings: &mut Vec<Deviation>) {
    let mut seen = BTreeSet::new();
    findings.retain(|d| seen.insert(key_of(d)));
}

/// What makes two findings the same: rule, endpoint, pointer.
pub(super) fn key_of(d: &Deviation) -> (String, String, String) {
    (d.rule.to_string(), d.endpoint.clone(), d.pointer.clone())
}

pub(super) fn found_of(case: &Case, deviation: &Deviation, ran: &Ran, shrink_runs: u32) -> Found {
    let (method, url, headers, body) = match &ran.request {
        Some(r) => (
            r.method.to_string(),
            r.url.clone(),
            r.headers
                .iter()
                .filter(|(n, _)| !n.eq_ignore_ascii_case("authorization"))
                .map(|(n, v)| ((*n).to_owned(), v.clone()))
                .collect(),
            String::from_utf8_lossy(&r.body).into_owned(),
        ),
        None => Default::default(),
    };
    Found {
        deviation: deviation.clone(),
        explored: case.endpoint.clone(),
        case: case.clone(),
        method,
        url,
        headers,
        fresh: None,
        body,
        status: ran.answer.as_ref().map(|a| a.0),
        answer: ran.answer.as_ref().map(|a| a.1.clone()).unwrap_or_default(),
        shrink_runs,
        requests_before: 0,
        cases: 1,
    }
}

/// `/v1/x` of `http://host/v1/x?q`.
pub(super) fn path_of(url: &str) -> String {
    let path = crate::signer::path_and_query(url);
    path.split('?').next().unwrap_or("").to_owned()
}

/// The exchange as a judge reads it.
pub(super) fn proxied(seq: u64, at: SystemTime, request: &Outgoing, answer: Incoming) -> Proxied {
    let target = crate::signer::path_and_query(&request.url);
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
        None => (target.clone(), None),
    };
    let mut headers = HeaderMap::new();
    for (name, value) in &request.headers {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
    Proxied {
        seq,
        at,
        method: request.method.clone(),
        path,
        query,
        request_headers: headers,
        request_body: Body {
            bytes: Bytes::from(request.body.clone()),
            over_cap: false,
        },
        status: answer.status,
        response_headers: answer.headers,
        response_body: Body {
            bytes: Bytes::from(answer.body),
            over_cap: answer.over_cap,
        },
        elapsed: answer.elapsed,
    }
}

/// The 32 bytes of the generator's seed for the `index`th endpoint.
pub(super) fn seed_bytes(seed: u64, index: usize) -> [u8; 32] {
    let mut out = [0u8; 32];
    out[..8].copy_from_slice(&seed.to_le_bytes());
    out[8..16].copy_from_slice(&(index as u64).to_le_bytes());
    out[16..].copy_from_slice(b"pay-conformance!");
    out
}
