//! Who is calling (CONTRACT A1–A5), checked in the provider's order: a readable
//! `Authorization` (else 103), a known `app_id` (else 20000, unsigned), a timestamp within five
//! minutes (else 104), a signature over `URL\nTS\nNONCE\nBODY` (else 103). A refused request
//! has no effect (A3) — unless a fault says otherwise.

use wiremock::Request;

use super::Fault;
use super::envelope::{Reply, code};
use super::state::State;
use crate::signer::{Signed, Signer as _};
use crate::ttpay::signing::{Authorization, MerchantSigner};
use crate::ttpay::{AppSecret, Endpoint, Merchant};

/// How far the signature timestamp may be from now.
const WINDOW_MS: u64 = 5 * 60 * 1000;

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

/// The gateway's page for a request it cannot authenticate (`html-error-on-bad-authorization`).
const BAD_REQUEST_PAGE: &str = "<html>\r\n<head><title>400 Bad Request</title></head>\r\n<body>\r\n\
    <center><h1>400 Bad Request</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/// The caller of `request`, or the refusal to send.
pub(crate) fn authenticate(
    state: &State,
    endpoint: Endpoint,
    request: &Request,
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
    let age = now.abs_diff(state.timestamp_unit.to_unix_ms(timestamp));
    if age > WINDOW_MS && !state.has(Fault::StaleTimestampAccepted) {
        return Err(Reply::refuse(code::EXPIRED, "signature expired", signer));
    }

    let url = match request.url.query() {
        Some(query) => format!("{}?{query}", request.url.path()),
        None => request.url.path().to_owned(),
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
