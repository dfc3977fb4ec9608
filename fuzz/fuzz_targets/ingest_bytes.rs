//! Arbitrary bytes into the disclosure ingest: an error is fine, a panic is a bug.
//! An ingested document must also build its contract frames.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(doc) = budgetql::ingest_bytes("fuzz.txt", data) {
        let _ = budgetql::model::frames(&doc);
    }
});
