//! Arbitrary bytes after a `%PDF-` header through the PDF text layer and the ingest:
//! every outcome must be a document or an error, never a panic or a hang.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.extend_from_slice(data);
    let _ = budgetql::text_layer::read(&bytes);
    if let Ok(doc) = budgetql::ingest_bytes("f.pdf", &bytes) {
        let _ = budgetql::model::frames(&doc);
    }
});
