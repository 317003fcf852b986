//! Who is calling (CONTRACT A1–A5), checked in the provider's order: a readable
//! `Authorization` (else 103), a known `app_id` (else 20000, unsigned), a timestamp within five
//! minutes (else 104), a signature over `URL\nTS\nNONCE\nBODY` (else 103). A refused request
//! has no effect (A3) — unless a fault says otherwise.

use crate::double::server::DoubleRequest;

use super::Fault;
use super::envelope::{Reply, code};
use crate::signer::{Signed, Signer as _};
use crate::ttpay::crypto::{Authorization, MerchantSigner};
use crate::ttpay::{AppSecret, Endpoint, Merchant, TimestampUnit};

/// How far the signature timestamp may be from now.
const WINDOW_MS: u64 = 5 * 60 * 1000;

/// Below this a timestamp is read as seconds (10^11 s is the year 5138; 10^11 ms is 1973).
const SECONDS_BELOW: i64 = 100_000_000_000;

/// The timestamp as Unix ms: in `unit` when one is configured, else told apart by magnitude
/// (A2: deployed integrations send seconds and milliseconds alike).
pub(crate) fn timestamp_ms(unit: Option<TimestampUnit>, value: i64) -> i64 {
    match unit {
        Some(unit) => unit.to_unix_ms(value),
        None if (-SECONDS_BELOW..SECONDS_BELOW).contains(&value) => value.saturating_mul(1000),
        None => value,
    }
}

/// An authenticated caller.
#[derive(Debug)]
pub(crate) struct Caller {
    pub merchant: Merchant,
    /// Whether answers are signed (not for an unknown app served by a fault).
    signed: bool,
    /// The signature was wrong but a fault lets the request act; the answer is still 103.
    pub refuse_after_acting: bool,
}

impl Caller {
    /// The secret answers are signed with.
    pub fn signer(&self) -> Option<&AppSecret> {
        self.signed.then_some(&self.merchant.secret)
    }
}

/// What authentication reads, without the state's lock: the merchants (fixed at start), the
/// timestamp unit and the fault in force when the request came in.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Gate<'a> {
    pub merchants: &'a [Merchant],
    pub timestamp_unit: Option<TimestampUnit>,
    pub fault: Option<Fault>,
}

impl Gate<'_> {
    fn has(&self, fault: Fault) -> bool {
        self.fault == Some(fault)
    }

    fn merchant(&self, app_id: &str) -> Option<&Merchant> {
        self.merchants.iter().find(|m| m.app_id == app_id)
    }
}

/// The gateway's page for a request it cannot authenticate (`html-error-on-bad-authorization`).
const BAD_REQUEST_PAGE: &str = "<html>\r\n<head><title>400 Bad Request</title></head>\r\n<body>\r\n\
    <center><h1>400 Bad Request</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/// The caller of `request`, or the refusal to send.
pub(crate) fn authenticate(
    state: &Gate<'_>,
    endpoint: Endpoint,
    request: &DoubleRequest,
    now: i64,
) -> Result<Caller, Reply> {
    let header = request
        .headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| Authorization::parse(value).ok());
    let Some(auth) = header else {
        if state.has(Fault::HtmlErrorOnBadAuthorization) {
            return Err(Reply::Raw {
                status: 400,
                mime: "text/html",
                body: BAD_REQUEST_PAGE,
            });
        }
        return Err(Reply::refuse(
            code::SIGNATURE,
            "missing or malformed authorization header",
            None,
        ));
    };

    let Some(merchant) = state.merchant(&auth.app_id) else {
        return match state.merchants.first() {
            Some(first) if state.has(Fault::UnknownAppServed) => Ok(Caller {
                merchant: first.clone(),
                signed: false,
                refuse_after_acting: false,
            }),
            _ => Err(Reply::refuse(
                code::NO_APP,
                "application does not exist",
                None,
            )),
        };
    };
    let signer = Some(&merchant.secret);

    let Ok(timestamp) = auth.timestamp.trim().parse::<i64>() else {
        return Err(Reply::refuse(
            code::SIGNATURE,
            "authorization timestamp is not an integer",
            signer,
        ));
    };
    let age = now.abs_diff(timestamp_ms(state.timestamp_unit, timestamp));
    if age > WINDOW_MS && !state.has(Fault::StaleTimestampAccepted) {
        return Err(Reply::refuse(code::EXPIRED, "signature expired", signer));
    }

    let url = match &request.query {
        Some(query) => format!("{}?{query}", request.path),
        None => request.path.clone(),
    };
    let signed = Signed::new(
        request.method.as_str(),
        &url,
        &auth.timestamp,
        &auth.nonce_str,
        &request.body,
    );
    let signed_ok = MerchantSigner::new(merchant).verifies(&signed, &auth.signature);
    let refuse_after_acting = match (signed_ok, endpoint, state.fault) {
        (true, _, _) => false,
        (false, Endpoint::Close, Some(Fault::CloseIgnoresSignature)) => false,
        (false, Endpoint::Close, Some(Fault::RefusedCloseStillCloses))
        | (false, Endpoint::Create, Some(Fault::BadSignatureCreateStored)) => true,
        (false, _, _) => {
            return Err(Reply::refuse(code::SIGNATURE, "invalid signature", signer));
        }
    };
    Ok(Caller {
        merchant: merchant.clone(),
        signed: true,
        refuse_after_acting,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_told_apart_by_magnitude_unless_a_unit_is_set() {
        let ms = 1_764_600_000_000;
        assert_eq!(timestamp_ms(None, ms), ms);
        assert_eq!(timestamp_ms(None, ms / 1000), ms);
        assert_eq!(timestamp_ms(Some(TimestampUnit::Ms), ms / 1000), ms / 1000);
        assert_eq!(
            timestamp_ms(Some(TimestampUnit::S), ms),
            ms.saturating_mul(1000)
        );
        assert_eq!(timestamp_ms(None, i64::MIN), i64::MIN);
    }
}
