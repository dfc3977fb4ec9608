//! Links budgetql's executables for a small resident size (see `link_layout`).

use std::path::Path;

/// Link budgetql's executables so a run maps as little of them as it can (the larger part
/// of a small query's peak memory is the executable's own pages, not data):
///
/// - not position-independent (`-no-pie`, as DuckDB's shell is): a PIE's loader rewrites
///   every pointer in its 4 MB of relocated read-only data at start-up and reads 6 MB of
///   relocations to do so (−12 MiB resident, measured); the executable then loads at a
///   fixed address (shared libraries, heap and stack are still randomised);
/// - its functions in the order `link/symbol-order.txt` lists (written by
///   `link/profile.py`: the functions ordinary runs execute), so the 2–4 MB of code a
///   query runs sits together instead of spread over ~100 MB.
///
/// Each is asked of the linker only if a probe program links with it (LLD, Rust's default
/// linker on x86_64 Linux since 1.90, takes both; GNU ld does not know the ordering file),
/// so a build elsewhere links as before, with a warning.
fn link_layout() {
    let order = Path::new("link/symbol-order.txt");
    println!("cargo:rerun-if-changed={}", order.display());
    let target = std::env::var("TARGET").unwrap_or_default();
    if !target.contains("-linux-") {
        return;
    }
    let mut wanted = vec![vec!["-no-pie".to_string()]];
    if std::env::var("PROFILE").as_deref() == Ok("release") && order.exists() {
        let abs = std::fs::canonicalize(order).unwrap_or_else(|_| order.to_path_buf());
        wanted.push(vec![
            format!("-Wl,--symbol-ordering-file={}", abs.display()),
            "-Wl,--no-warn-symbol-ordering".to_string(),
        ]);
    }
    let mut chosen: Vec<String> = vec![];
    for args in wanted {
        let mut trial = chosen.clone();
        trial.extend(args.iter().cloned());
        if links_with(&target, &trial) {
            chosen = trial;
        } else {
            println!(
                "cargo:warning=the linker does not take {}; budgetql links without it (a larger resident size, same behaviour)",
                args.join(" ")
            );
        }
    }
    for a in chosen {
        println!("cargo:rustc-link-arg-bins={a}");
    }
}

/// Whether rustc, as cargo runs it for this build, links an empty program with `args`.
fn links_with(target: &str, args: &[String]) -> bool {
    let (Ok(rustc), Ok(out)) = (std::env::var("RUSTC"), std::env::var("OUT_DIR")) else {
        return false;
    };
    let dir = Path::new(&out).join("link-probe");
    if std::fs::create_dir_all(&dir).is_err()
        || std::fs::write(dir.join("probe.rs"), "fn main() {}\n").is_err()
    {
        return false;
    }
    let mut cmd = std::process::Command::new(rustc);
    cmd.arg("--target")
        .arg(target)
        .arg("--crate-type")
        .arg("bin");
    if let Ok(flags) = std::env::var("CARGO_ENCODED_RUSTFLAGS") {
        cmd.args(flags.split('\x1f').filter(|f| !f.is_empty()));
    }
    for a in args {
        cmd.arg("-C").arg(format!("link-arg={a}"));
    }
    cmd.arg("-o")
        .arg(dir.join("probe"))
        .arg(dir.join("probe.rs"));
    cmd.stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    cmd.status().map(|s| s.success()).unwrap_or(false)
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    link_layout();
}
