//! The Parquet warehouse: layout, manifest, re-ingest without duplicates, and
//! queries over it giving the same answers as the in-memory default.

use crate::common::*;

const DOC: &str = "datasets/raw/qinhuangdao-etdz-zhengfawei-2021.txt";

#[test]
fn ingest_into_a_warehouse_and_query_it() {
    let dir = scratch("wh");
    let wh = dir.join("warehouse");
    let out = ok(&["ingest", DOC, "--into", wh.to_str().unwrap()]);
    assert!(
        out.contains("warehouse") && out.contains("1 document"),
        "{out}"
    );
    // hive partitions by year, one file per document
    assert!(wh
        .join("projects/year=2021/qinhuangdao-etdz-zhengfawei-2021@1.parquet")
        .is_file());
    assert!(wh
        .join("three_public/year=2020/qinhuangdao-etdz-zhengfawei-2021@1.parquet")
        .is_file());
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(wh.join("manifest.json")).unwrap()).unwrap();
    let d = &manifest["documents"][0];
    assert_eq!(d["source"], "qinhuangdao-etdz-zhengfawei-2021");
    assert_eq!(d["year"], 2021);
    assert_eq!(d["rows"]["projects"], 49);
    assert_eq!(d["rows"]["indicators"], 320);
    // sha256 of the shipped file, computed independently
    let bytes = std::fs::read(DOC).unwrap();
    let sha = {
        use sha2::Digest;
        format!("{:x}", sha2::Sha256::digest(&bytes))
    };
    assert_eq!(d["sha256"], sha);

    let q = "SELECT unit_code, SUM(budget) FROM projects GROUP BY 1 ORDER BY 1";
    let from_wh = ok(&["--data", wh.to_str().unwrap(), "--format", "csv", "-c", q]);
    assert_eq!(from_wh, ok(&["--format", "csv", "-c", q]));
    assert_eq!(from_wh, "unit_code,budget\n216001,515.82\n216003,90.90\n");

    // the manifest records which columns hold NULLs (a grouped SUM of a column without
    // any skips SQL's test for a group of NULLs); a group of NULLs still sums to NULL
    let nulls = |t: &str| -> Vec<String> {
        d["nulls"][t]
            .as_array()
            .unwrap_or_else(|| panic!("no NULL record for {t}: {d}"))
            .iter()
            .map(|c| c.as_str().unwrap().to_string())
            .collect()
    };
    let procurement = nulls("procurement");
    assert!(
        procurement.contains(&"gov_fund".to_string()),
        "{procurement:?}"
    );
    assert!(
        !procurement.contains(&"year".to_string()),
        "{procurement:?}"
    );
    assert!(!nulls("projects").contains(&"budget".to_string()));
    let q = "SELECT unit_code, SUM(gov_fund) AS g, SUM(project_budget) AS p, SUM(quantity) AS q, COUNT(*) AS n FROM procurement GROUP BY unit_code ORDER BY unit_code";
    let from_wh = ok(&["--data", wh.to_str().unwrap(), "--format", "csv", "-c", q]);
    assert_eq!(from_wh, ok(&["--format", "csv", "-c", q]));
    assert_eq!(from_wh, "unit_code,g,p,q,n\n216001,,349.20,5.00,6\n,,,,1\n");
    let whs = wh.to_str().unwrap();
    let explain = |sql: &str| {
        ok(&[
            "--data",
            whs,
            "--format",
            "csv",
            "-c",
            &format!("EXPLAIN {sql}"),
        ])
    };
    let by_unit = "SELECT unit_code, SUM(budget) AS b FROM projects GROUP BY 1";
    let explained = explain(by_unit);
    // (no guard for a column of NULLs: the sum is Polars' own)
    assert!(
        explained.contains(r#"col(""budget"").sum()"#) && !explained.contains("count() > 0"),
        "{explained}"
    );
    // after a join, NULLs may come from either side: the test stays
    assert!(explain("SELECT unit_code, SUM(budget) AS b FROM projects p JOIN procurement r USING (unit_code) GROUP BY 1")
        .contains("count() > 0"));
    // a manifest written before NULLs were recorded: any column may hold them
    let old = wh.join("manifest.json");
    let mut m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&old).unwrap()).unwrap();
    m["documents"][0].as_object_mut().unwrap().remove("nulls");
    std::fs::write(&old, serde_json::to_string(&m).unwrap()).unwrap();
    let explained = explain(by_unit);
    assert!(explained.contains("count() > 0"), "{explained}");
    assert_eq!(
        ok(&["--data", wh.to_str().unwrap(), "--format", "csv", "-c", q]),
        "unit_code,g,p,q,n\n216001,,349.20,5.00,6\n,,,,1\n"
    );

    // the env variable works like --data
    let o = bin()
        .env("BUDGETQL_DATA", &wh)
        .args([
            "--format",
            "csv",
            "-c",
            "SELECT COUNT(*) AS n FROM indicators",
        ])
        .output()
        .unwrap();
    assert_eq!(decode(o).1, "n\n320\n");

    // ingesting the same document again replaces its rows
    ok(&["ingest", DOC, "--into", wh.to_str().unwrap()]);
    let n = ok(&[
        "--data",
        wh.to_str().unwrap(),
        "--format",
        "csv",
        "-c",
        "SELECT COUNT(*) AS n, SUM(budget) AS b FROM projects",
    ]);
    assert_eq!(n, "n,b\n49,606.72\n");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(wh.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["documents"].as_array().unwrap().len(), 1);
    // the new version replaced the old files in the manifest; the old ones stay on disk
    // for a reader that opened the previous manifest, until the ingest after this one
    let v = |n: u32| {
        wh.join(format!(
            "projects/year=2021/qinhuangdao-etdz-zhengfawei-2021@{n}.parquet"
        ))
    };
    assert!(v(2).is_file() && v(1).is_file());
    // a session that opened the warehouse before an ingest still reads its files
    let mut reader = budgetql::Session::open(&wh).unwrap();
    ok(&["ingest", DOC, "--into", wh.to_str().unwrap()]);
    assert!(v(3).is_file() && v(2).is_file() && !v(1).exists());
    let n = reader.query("SELECT COUNT(*) AS n FROM projects").unwrap();
    assert_eq!(
        n.column("n").unwrap().get(0).unwrap().extract::<i64>(),
        Some(49)
    );

    // every table answers the same from the warehouse as in memory (all bundled documents)
    ingest_all_bundled(&wh);
    for def in budgetql::model::TABLES {
        let t = def.name;
        let cols: Vec<&str> = def.columns.iter().map(|c| c.0).collect();
        let q = format!("SELECT * FROM {t} ORDER BY {}", cols.join(", "));
        let a = ok(&["--data", wh.to_str().unwrap(), "--format", "csv", "-c", &q]);
        let b = ok(&["--format", "csv", "-c", &q]);
        assert_eq!(a, b, "table {t} differs between warehouse and memory");
    }
}

#[test]
fn a_second_document_adds_to_the_warehouse() {
    let dir = scratch("wh2");
    let wh = dir.join("w");
    // the same disclosure under another name and year stands in for a second department
    let other = dir.join("copy-2022.txt");
    std::fs::write(
        &other,
        BUNDLED.replacen(
            "2021年部门预算信息公开情况说明",
            "2022年部门预算信息公开情况说明",
            1,
        ),
    )
    .unwrap();
    ok(&[
        "ingest",
        DOC,
        other.to_str().unwrap(),
        "--into",
        wh.to_str().unwrap(),
    ]);
    let out = ok(&[
        "--data",
        wh.to_str().unwrap(),
        "--format",
        "csv",
        "-c",
        "SELECT year, source, COUNT(*) AS n FROM projects GROUP BY 1, 2 ORDER BY 1",
    ]);
    assert_eq!(
        out,
        "year,source,n\n2021,qinhuangdao-etdz-zhengfawei-2021,49\n2022,copy-2022,49\n"
    );
    assert!(wh.join("projects/year=2022/copy-2022@1.parquet").is_file());
}

#[test]
fn a_warehouse_of_an_older_format_is_refused_clearly() {
    let dir = scratch("wh5");
    std::fs::write(
        dir.join("manifest.json"),
        r#"{"format": 1, "documents": []}"#,
    )
    .unwrap();
    let (code, _, err) = run(&["--data", dir.to_str().unwrap(), "-c", "SELECT 1"]);
    assert_clean_failure(code, &err);
    assert!(
        err.contains("was written by an older budgetql (format 1, this one reads 6)"),
        "{err}"
    );
}

#[test]
fn damaged_manifest_is_named() {
    let dir = scratch("wh3");
    std::fs::write(dir.join("manifest.json"), "{ not json").unwrap();
    let (code, _, err) = run(&["--data", dir.to_str().unwrap(), "-c", "SELECT 1"]);
    assert_clean_failure(code, &err);
    assert!(
        err.contains("manifest.json: the warehouse manifest is damaged"),
        "{err}"
    );
}

/// A damaged Parquet file is named where a query reads its table — the first file of a
/// table (read when the warehouse is opened) or a later one (read when the query runs) —
/// and the other tables stay readable; `--into` a file says it needs a folder.
#[test]
fn damaged_parquet_files_are_named_and_into_a_file_is_refused() {
    let wh = scratch("damaged");
    ingest_all_bundled(&wh);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(wh.join("manifest.json")).unwrap()).unwrap();
    let files: Vec<String> = manifest["documents"][0]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .collect();
    let of = |t: &str| {
        files
            .iter()
            .find(|f| f.starts_with(&format!("{t}/")))
            .unwrap()
            .clone()
    };
    let units = of("units");
    std::fs::write(wh.join(&units), b"not parquet").unwrap();
    let data = wh.to_str().unwrap();
    for sql in [
        "SELECT COUNT(*) FROM units",
        "SELECT u.unit_code FROM projects p JOIN units u USING (unit_code)",
    ] {
        let (code, _, err) = run(&["--data", data, "-c", sql]);
        assert_clean_failure(code, &err);
        assert!(
            err.contains("table `units` cannot be read: ") && err.contains(&units),
            "{err}"
        );
        assert!(err.contains("ingest its documents again"), "{err}");
    }
    // another table still answers
    let out = ok(&[
        "--format",
        "csv",
        "--data",
        data,
        "-c",
        "SELECT COUNT(*) AS n FROM budget_lines",
    ]);
    assert!(out.starts_with("n\n") && out != "n\n0\n", "{out}");
    // a damaged file found only when the query reads it (not a table's first file, whose
    // footer is read when the warehouse is opened): a generated many-year warehouse
    let gen = scratch("damaged-gen");
    ok(&[
        "gen",
        "--years",
        "2020..=2021",
        "--departments",
        "1",
        "--into",
        gen.to_str().unwrap(),
    ]);
    let mut year_files: Vec<_> = std::fs::read_dir(gen.join("projects/year=2021"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    year_files.sort();
    let late = year_files.pop().unwrap();
    let bytes = std::fs::read(&late).unwrap();
    std::fs::write(&late, &bytes[..bytes.len() - 20]).unwrap();
    let (code, _, err) = run(&[
        "--data",
        gen.to_str().unwrap(),
        "-c",
        "SELECT SUM(budget) FROM projects",
    ]);
    assert_clean_failure(code, &err);
    assert!(
        err.contains("1:25: table `projects` cannot be read: ")
            && err.contains(&late.display().to_string()),
        "{err}"
    );
    // --into a file
    let file = wh.join("manifest.json");
    let (code, _, err) = run(&[
        "ingest",
        &format!(
            "{}/datasets/raw/qinhuangdao-etdz-zhengfawei-2021.txt",
            env!("CARGO_MANIFEST_DIR")
        ),
        "--into",
        file.to_str().unwrap(),
    ]);
    assert_clean_failure(code, &err);
    assert!(
        err.contains("this is a file, not a folder; --into takes the warehouse's folder"),
        "{err}"
    );
}

#[test]
fn scans_read_only_the_needed_columns_and_years() {
    let dir = scratch("wh4");
    let wh = dir.join("w");
    ok(&["ingest", DOC, "--into", wh.to_str().unwrap()]);
    // three_public holds year=2020 and year=2021 partitions; a 2020 question must touch one file and two columns
    let plan = ok(&[
        "--data",
        wh.to_str().unwrap(),
        "--format",
        "csv",
        "-c",
        "EXPLAIN SELECT SUM(amount) FROM three_public WHERE year = 2020",
    ]);
    assert!(
        plan.contains("three_public/year=2020/qinhuangdao-etdz-zhengfawei-2021@1.parquet"),
        "{plan}"
    );
    assert!(
        !plan.contains("year=2021"),
        "the 2021 partition was scanned:\n{plan}"
    );
    // two columns of the file are read: amount, and year for the filter
    assert!(plan.contains("PROJECT 2/"), "{plan}");
    let out = ok(&[
        "--data",
        wh.to_str().unwrap(),
        "--format",
        "csv",
        "-c",
        "SELECT SUM(amount) AS total FROM three_public WHERE year = 2020 AND category <> '合计'",
    ]);
    assert_eq!(out, "total\n5.61\n");
}

#[test]
fn a_second_ingest_into_a_busy_warehouse_fails_clearly() {
    let dir = scratch("wh6");
    let wh = dir.join("w");
    ok(&["ingest", DOC, "--into", wh.to_str().unwrap()]);
    // another process holds the lock (a live one: this test's own)
    let me = std::process::id();
    std::fs::write(wh.join(".lock"), format!("{me}\n")).unwrap();
    let (code, _, err) = run(&["ingest", DOC, "--into", wh.to_str().unwrap()]);
    assert_clean_failure(code, &err);
    assert!(
        err.contains("another ingest is writing to this warehouse")
            && err.contains(&format!("process {me}")),
        "{err}"
    );
    // the warehouse is untouched and still answers; after the lock goes, ingest works again
    assert_eq!(
        ok(&[
            "--data",
            wh.to_str().unwrap(),
            "--format",
            "csv",
            "-c",
            "SELECT COUNT(*) AS n FROM projects"
        ]),
        "n\n49\n"
    );
    std::fs::remove_file(wh.join(".lock")).unwrap();
    ok(&["ingest", DOC, "--into", wh.to_str().unwrap()]);
    assert!(!wh.join(".lock").exists(), "the lock is released");
}

#[test]
fn a_lock_left_by_a_dead_process_is_taken_over() {
    let dir = scratch("wh7");
    let wh = dir.join("w");
    ok(&["ingest", DOC, "--into", wh.to_str().unwrap()]);
    // a pid that cannot be running: above the kernel's maximum
    std::fs::write(wh.join(".lock"), "4194305\n").unwrap();
    ok(&["ingest", DOC, "--into", wh.to_str().unwrap()]);
    assert!(!wh.join(".lock").exists());
}

#[test]
fn an_ingest_killed_midway_leaves_the_previous_warehouse_readable_and_consistent() {
    let dir = scratch("kill");
    let wh = dir.join("w");
    ok(&["ingest", DOC, "--into", wh.to_str().unwrap()]);
    // forty more documents make an ingest long enough to be killed in the middle
    let mut docs = vec![DOC.to_string()];
    for k in 0..40 {
        let p = dir.join(format!("copy{k:02}-2021.txt"));
        std::fs::write(&p, BUNDLED).unwrap();
        docs.push(p.to_string_lossy().to_string());
    }
    for delay_ms in [50u64, 150, 300, 600, 1000] {
        let mut args = vec!["ingest".to_string()];
        args.extend(docs.iter().cloned());
        args.extend(["--into".to_string(), wh.to_string_lossy().to_string()]);
        let mut child = bin()
            .args(&args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        // whatever the moment, the warehouse answers, and agrees with its manifest
        let manifest: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(wh.join("manifest.json")).unwrap())
                .unwrap();
        let docs_in: Vec<&serde_json::Value> =
            manifest["documents"].as_array().unwrap().iter().collect();
        let want: u64 = docs_in
            .iter()
            .map(|d| d["rows"]["projects"].as_u64().unwrap())
            .sum();
        let out = ok(&[
            "--data",
            wh.to_str().unwrap(),
            "--format",
            "csv",
            "-c",
            "SELECT COUNT(*) AS n, COUNT(DISTINCT source) AS docs FROM projects",
        ]);
        assert_eq!(
            out,
            format!("n,docs\n{want},{}\n", docs_in.len()),
            "after a kill at {delay_ms} ms"
        );
    }
    // and the next ingest (taking over the dead process's lock) completes
    let mut args = vec!["ingest".to_string()];
    args.extend(docs.iter().cloned());
    args.extend(["--into".to_string(), wh.to_string_lossy().to_string()]);
    let refs: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
    ok(&refs);
    let out = ok(&[
        "--data",
        wh.to_str().unwrap(),
        "--format",
        "csv",
        "-c",
        "SELECT COUNT(*) AS n FROM projects",
    ]);
    assert_eq!(out, format!("n\n{}\n", 41 * 49));
}

/// A user loading many documents learns which were not read whole: each ingested line
/// says its warnings and skipped regions with figures, a last line lists those documents,
/// and `--strict` refuses the whole ingest (nothing written) when one has warnings.
#[test]
fn ingest_says_which_documents_were_partial_and_strict_refuses_warnings() {
    let dir = scratch("partial");
    let text = budgetql::ingest::BUNDLED_TEXT;
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("2021年部门预算收入为"))
        .expect("the income sentence");
    let warned: String = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if i == at {
                l.replacen("2021年", "2019年", 1)
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let file = dir.join("warned.txt");
    std::fs::write(&file, warned).unwrap();
    let wh = dir.join("wh");
    let (code, _, err) = run(&[
        "ingest",
        file.to_str().unwrap(),
        "--into",
        wh.to_str().unwrap(),
        "--strict",
    ]);
    assert_clean_failure(code, &err);
    assert!(
        err.contains("nothing written: 1 document(s) have warnings: ")
            && err.contains("warned.txt (1 warning(s))"),
        "{err}"
    );
    assert!(!wh.exists());
    let out = ok(&[
        "ingest",
        file.to_str().unwrap(),
        "--into",
        wh.to_str().unwrap(),
    ]);
    assert!(
        out.contains("(2021, 714 rows; 1 warning, 1 skipped region with figures) into"),
        "{out}"
    );
    assert!(
        out.contains(
            "1 of 1 document(s) not read whole (warnings, or skipped regions with figures): "
        ) && out.contains("--strict refuses documents with warnings"),
        "{out}"
    );
}
