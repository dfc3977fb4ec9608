//! The malformed-document corpus (tests/malformed/, derived from the bundled
//! document by tests/malformed/make.py, and the PDF cases written here at test time): each
//! file must be refused with the kind of error and the line that expected.tsv (or
//! [`pdf_cases`]) states, without a panic. Cases made from the real third-party PDFs are
//! in the corpus target (tests/corpus/malformed.rs).

use std::path::Path;

#[test]
fn every_malformed_document_gets_its_error_and_line() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/malformed");
    let expected = std::fs::read_to_string(dir.join("expected.tsv")).unwrap();
    let pdfs = crate::common::scratch("malformed-pdf");
    let mut cases: Vec<(std::path::PathBuf, String, String, String)> = expected
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|row| {
            let f: Vec<&str> = row.split('\t').collect();
            (dir.join(f[0]), f[1].into(), f[2].into(), f[3].into())
        })
        .collect();
    for (name, kind, text, bytes) in pdf_cases() {
        let path = pdfs.join(format!("{name}.pdf"));
        std::fs::write(&path, bytes).unwrap();
        cases.push((path, kind.into(), "-".into(), text.into()));
    }
    let mut failures = vec![];
    let n = cases.len();
    for (path, kind, line, text) in &cases {
        failures.extend(crate::common::refused_as(path, kind, line, text));
    }
    assert!(
        n >= 30,
        "the corpus must hold at least 30 documents, it has {n}"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// PDFs written at test time: (name, kind, the message contains, bytes).
fn pdf_cases() -> Vec<(&'static str, &'static str, &'static str, Vec<u8>)> {
    use crate::common::{minimal_pdf, text_pdf};
    vec![
        // a scan: one page holding an image and no text
        (
            "pdf-scan",
            "pdf",
            "no text on pages 1-1: this looks like a scan (or a damaged file); OCR it first",
            minimal_pdf(
                b"q 595 0 0 842 0 0 cm /Im1 Do Q",
                b"<< /XObject << /Im1 6 0 R >> >>",
                b"",
            ),
        ),
        // a PDF with text that is not a disclosure
        (
            "pdf-not-a-disclosure",
            "document",
            "no budget year found",
            text_pdf("Quarterly newsletter, spring edition"),
        ),
        // the header and nothing a reader can use
        (
            "pdf-header-only",
            "pdf",
            "the PDF cannot be read (truncated or damaged)",
            b"%PDF-1.4\n%%EOF\n".to_vec(),
        ),
        // encrypted with a user password (the standard security handler, RC4 128-bit): the
        // empty password does not open it
        (
            "pdf-encrypted",
            "pdf",
            "the PDF is encrypted with a password",
            encrypted_pdf(),
        ),
    ]
}

/// A one-page PDF whose trailer names the standard security handler with a user password
/// that is not empty: its /U entry is not what the empty password computes, so no reader
/// opens it without asking for the password.
fn encrypted_pdf() -> Vec<u8> {
    let mut enc = b"/Encrypt << /Filter /Standard /V 2 /R 3 /Length 128 /P -3904 /O <".to_vec();
    enc.extend_from_slice(&[b'4'; 64]);
    enc.extend_from_slice(b"> /U <");
    enc.extend_from_slice(&[b'7'; 64]);
    enc.extend_from_slice(
        b"> >> /ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>] ",
    );
    crate::common::minimal_pdf(
        b"BT /F1 12 Tf 72 720 Td (2021) Tj ET",
        b"<< /Font << /F1 5 0 R >> >>",
        &enc,
    )
}

/// Broken PDFs through every door: `ingest --check` and `LOAD` fail cleanly, naming the file.
#[test]
fn broken_pdfs_fail_cleanly_from_the_command_line() {
    use crate::common::*;
    let dir = scratch("broken-pdf");
    for (name, _, _, bytes) in pdf_cases()
        .into_iter()
        .filter(|c| ["pdf-encrypted", "pdf-scan"].contains(&c.0))
    {
        let f = dir.join(format!("{name}.pdf"));
        std::fs::write(&f, bytes).unwrap();
        let f = f.to_str().unwrap();
        let (code, _, err) = run(&["ingest", "--check", f]);
        assert_clean_failure(code, &err);
        assert!(err.contains(f), "{err}");
        let (code, _, err) = run(&["-c", &format!("LOAD '{f}'")]);
        assert_clean_failure(code, &err);
    }
}
