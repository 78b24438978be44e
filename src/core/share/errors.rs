//! What can go wrong when reading a share link or an experiment file.
//!
//! Messages are plain sentences (lowercase, like the rest of the core's
//! errors) that the page can show as they are before falling back to the
//! defaults. They never echo more than a short, already-checked piece of the
//! input, so a hostile link cannot put arbitrary text in the page.

use thiserror::Error;

use crate::core::config::ConfigError;

/// Errors raised while decoding a share link or reading/writing an experiment file.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum ShareError {
    // --- share links ---
    #[error("the link holds no settings")]
    EmptyLink,
    #[error("the link is longer than {limit} characters, so it cannot be a sigpath link")]
    LinkTooLong { limit: usize },
    #[error("the link holds %-encoded characters, which sigpath links never use")]
    PercentEncoded,
    #[error("the link holds a character sigpath links never use (character {position})")]
    BadCharacter { position: usize },
    #[error("part {part} of the link is not of the form name=value")]
    Malformed { part: usize },
    #[error("the link does not say which version of sigpath made it (v=1)")]
    MissingVersion,
    #[error("the link was made by a version of sigpath this page does not know (v={found})")]
    UnknownVersion { found: String },
    #[error("the setting '{key}' appears more than once in the link")]
    DuplicateKey { key: String },
    #[error("the link holds a setting sigpath does not know ('{key}')")]
    UnknownKey { key: String },
    #[error("the link's '{key}' setting is not valid: expected {expected}")]
    BadValue { key: &'static str, expected: &'static str },
    #[error("the link's settings cannot be used: {0}")]
    Config(ConfigError),

    // --- experiment files ---
    #[error("this is not a sigpath experiment file")]
    NotExperimentFile,
    #[error("the experiment file is cut short")]
    Truncated,
    #[error("the experiment file has format version {found}; this page reads version {supported}")]
    UnsupportedVersion { found: u32, supported: u32 },
    #[error("the experiment file is larger than {limit_bytes} bytes")]
    FileTooLarge { limit_bytes: usize },
    #[error("the experiment is larger than {limit_bytes} bytes once unpacked, which is too large")]
    PayloadTooLarge { limit_bytes: usize },
    /// The decoder's own words are kept for debugging, not shown: they mean nothing to a visitor.
    #[error("the experiment file is damaged: its compressed data cannot be read")]
    CorruptCompression(String),
    #[error("the experiment file is damaged: its contents cannot be decoded")]
    CorruptPayload(String),
    #[error("the experiment file holds extra bytes after its end")]
    TrailingBytes,
    #[error("the experiment file does not hold together: {0}")]
    Inconsistent(String),
    #[error("the experiment could not be saved: {0}")]
    Encode(String),
}
