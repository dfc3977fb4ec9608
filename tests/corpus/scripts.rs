//! Every saved script in queries/ on the many-year warehouse of the real disclosures
//! (Jiangsu 2017–2019, Shanghai Putuo 2024–2026 and the bundled 2021 document) prints
//! exactly what it printed when its output was reviewed; the outputs hold the documents'
//! figures, so tests/corpus/scripts.sha256 keeps their digests only.

#[test]
fn saved_scripts_on_the_real_documents_print_their_reviewed_output() {
    let outputs: Vec<(String, String)> =
        crate::common::saved_script_outputs(&["--data", crate::warehouse()])
            .into_iter()
            .map(|(name, text)| (format!("{name}.csv"), text))
            .collect();
    crate::check_digests("scripts.sha256", &outputs);
}
