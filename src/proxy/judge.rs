//! What the proxy reads of a [`Proxied`] exchange: its bodies as strict JSON, and the
//! [`Exchange`] the providers' response checks take.

use serde_json::Value;

use crate::exchange::{Exchange, Parts, SignatureCheck};
use crate::judge::Proxied;

/// The request body, and the exchange as the response checks see it.
pub trait ProxiedExt {
    /// The request body as strict JSON, or why not.
    fn request_json(&self) -> Result<Value, String>;

    /// The exchange as the providers' response checks take it: `endpoint` as the contract
    /// names it, what the provider's client would have read of the answer.
    fn exchange(
        &self,
        endpoint: &str,
        request_id: Option<String>,
        signature: SignatureCheck,
    ) -> Exchange;
}

impl ProxiedExt for Proxied {
    /// The request body as strict JSON, or why not.
    fn request_json(&self) -> Result<Value, String> {
        if self.request_body.over_cap {
            return Err("the body is over the proxy's bound; not read".to_owned());
        }
        crate::checks::json::parse(&self.request_body.bytes)
    }

    /// The exchange as the providers' response checks take it: `endpoint` as the contract
    /// names it, what the provider's client would have read of the answer.
    fn exchange(
        &self,
        endpoint: &str,
        request_id: Option<String>,
        signature: SignatureCheck,
    ) -> Exchange {
        let sent = match self.request_json() {
            Ok(json) => json,
            Err(_) => Value::String(String::from_utf8_lossy(&self.request_body.bytes).into()),
        };
        let json = if self.response_body.over_cap {
            Err("the body is over the proxy's bound; not read".to_owned())
        } else {
            crate::checks::json::parse(&self.response_body.bytes)
        };
        let parts = Parts {
            endpoint: endpoint.to_owned(),
            url: self.url(),
            sent,
            json,
            request_id,
            signature,
        };
        Exchange {
            endpoint: parts.endpoint,
            method: self.method.clone(),
            url: parts.url,
            request_headers: self
                .request_headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            sent: parts.sent,
            status: self.status,
            headers: self.response_headers.clone(),
            body: self.response_body.bytes.to_vec(),
            json: parts.json,
            request_id: parts.request_id,
            signature: parts.signature,
            elapsed: self.elapsed,
        }
    }
}
