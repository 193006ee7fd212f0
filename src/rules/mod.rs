//! Rules that `msgen validate` and the generated service must apply alike. Each lives in a
//! file of plain Rust that msgen compiles and also copies, word for word, into the service it
//! generates, so that the two cannot disagree.

mod email;
mod url;

pub use self::url::is_url;
pub use email::is_email;

/// The source of [`is_email`] and its test table, as the generated service embeds it.
pub const EMAIL_RULE: &str = include_str!("email.rs");

/// The source of [`is_url`] and its test table, as the generated service embeds it.
pub const URL_RULE: &str = include_str!("url.rs");
