//! Pure security model: Pod Security level, findings, explanations, comparisons.
pub mod pss;
