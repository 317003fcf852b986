//! WeChat Pay Global (APIv3): close order, and the create and query it needs
//! (`docs/contract-wechatpay.md`). So far: the signing and verification both sides share.

pub mod crypto;
