//! Share-link decoding on arbitrary text. A link that decodes must be valid
//! and survive encode -> decode unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigpath::core::share::link;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match link::decode(text) {
        Ok(state) => {
            assert!(state.validate().is_ok());
            let again = link::decode(&link::encode(&state)).expect("an encoded valid state decodes");
            assert_eq!(again, state);
        }
        Err(error) => {
            let message = error.to_string();
            assert!(!message.chars().any(char::is_control));
        }
    }
});
