//! WeChat Pay Global (APIv3): close order, and the create and query it needs
//! (`docs/contract-wechatpay.md`). [`crypto`]: the signing and verification both sides share; [`double`]: the embedded double.

pub mod crypto;
pub mod double;
