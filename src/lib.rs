//! cipherlint: an encryption-compliance linter.
//!
//! Data flows one way: [`walk`] → [`source`] (read once) → [`engine`]
//! (prefilter → parse → match → resolve) → [`finding`] → [`render`].
//! Around that core: [`suppress`] (inline ignores, per file), [`config`]
//! (`.cipherlint.yaml`), [`baseline`] (known findings) and [`git`]
//! (diff-aware and staged scans).

pub mod baseline;
pub mod cli;
pub mod code_view;
pub mod config;
pub mod deps;
pub mod engine;
pub mod finding;
pub mod git;
pub mod if_conditions;
pub mod inventory;
pub mod lang;
pub mod memory;
pub mod merge;
pub mod policy;
pub mod render;
pub mod rules;
pub mod scan;
pub mod source;
pub mod suppress;
pub mod walk;
