//! postcard bytes for the messages between the page and its workers (the
//! WebGPU trainer's, `train::remote`, and the clustering workers', `jobs`);
//! each side wraps the error text in its own error type.

use serde::{Deserialize, Serialize};

/// postcard bytes of a message.
pub fn encode<T: Serialize>(message: &T) -> Result<Vec<u8>, String> {
    postcard::to_allocvec(message).map_err(|e| e.to_string())
}

/// A message from postcard bytes; trailing bytes are refused too.
pub fn decode<'de, T: Deserialize<'de>>(bytes: &'de [u8]) -> Result<T, String> {
    let (message, rest) = postcard::take_from_bytes(bytes).map_err(|e| e.to_string())?;
    if rest.is_empty() { Ok(message) } else { Err(format!("{} bytes after the end of the message", rest.len())) }
}
