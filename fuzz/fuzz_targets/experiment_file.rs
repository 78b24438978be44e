//! Experiment-file reading on arbitrary bytes: the whole file, and the
//! payload decoder alone (random bytes rarely get past gzip's CRC, so the
//! postcard + validation step is also fed directly). A file that reads must
//! write and read back unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigpath::core::share::experiment;

fuzz_target!(|data: &[u8]| {
    if let Ok(file) = experiment::read(data) {
        let bytes = experiment::write(&file).expect("a file that was read can be written");
        assert_eq!(experiment::read(&bytes).expect("a written file reads"), file);
    }
    if let Ok(file) = experiment::decode_payload(data) {
        let bytes = experiment::write(&file).expect("a payload that decoded can be written");
        assert_eq!(experiment::read(&bytes).expect("a written file reads"), file);
    }
});
