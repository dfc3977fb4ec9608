//! Emits BUDGETQL_BUILD_KEY: a hash of the sources and the bundled documents, so the
//! on-disk cache of the bundled data (see `Session::bundled`) is rebuilt whenever the
//! data or the code that reads it changes.

use std::collections::hash_map::DefaultHasher;
use std::hash::Hasher;
use std::path::Path;

fn walk(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, files);
        } else {
            files.push(p);
        }
    }
}

fn main() {
    let mut files = vec![];
    for d in ["src", "datasets/raw"] {
        println!("cargo:rerun-if-changed={d}");
        walk(Path::new(d), &mut files);
    }
    files.push("Cargo.lock".into());
    println!("cargo:rerun-if-changed=Cargo.lock");
    files.sort();
    let mut h = DefaultHasher::new();
    for f in &files {
        h.write(f.to_string_lossy().as_bytes());
        h.write(&std::fs::read(f).unwrap_or_default());
    }
    h.write(
        std::env::var("CARGO_PKG_VERSION")
            .unwrap_or_default()
            .as_bytes(),
    );
    println!("cargo:rustc-env=BUDGETQL_BUILD_KEY={:016x}", h.finish());
}
