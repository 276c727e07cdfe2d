//! cipherlint: an encryption-compliance linter.
//!
//! Data flows one way: [`walk`] → [`source`] (read once) → [`engine`]
//! (prefilter → parse → match → resolve) → [`finding`] → [`render`].

pub mod cli;
pub mod engine;
pub mod finding;
pub mod lang;
pub mod merge;
pub mod render;
pub mod rules;
pub mod scan;
pub mod source;
pub mod walk;
