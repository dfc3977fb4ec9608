//! The real disclosures are never part of this repository, so the tests that read them
//! are in a target of their own (tests/corpus/, `test = false` in Cargo.toml), which a
//! plain `cargo nextest run` leaves out; this says how many it left and how to run them.

#[test]
fn tests_reading_the_real_documents_run_in_their_own_target() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    for e in std::fs::read_dir(root.join("tests/corpus"))
        .unwrap()
        .flatten()
    {
        if e.path().extension().is_some_and(|x| x == "rs") {
            let src = std::fs::read_to_string(e.path()).unwrap();
            n += src.lines().filter(|l| l.trim() == "#[test]").count();
        }
    }
    assert!(n > 0, "tests/corpus holds the corpus tests");
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains("name = \"corpus\"\npath = \"tests/corpus/main.rs\"\ntest = false"),
        "the corpus target is declared with test = false"
    );
    let corpus = std::env::var_os("BUDGETQL_CORPUS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/corpus"));
    println!(
        "{n} tests that read the real disclosures were left to the corpus target: run \
         `cargo nextest run --test corpus` ({} {})",
        corpus.display(),
        if corpus.is_dir() {
            "is here"
        } else {
            "is missing: put the shared corpus there or set BUDGETQL_CORPUS=DIR"
        }
    );
}
