//! The REPL in a real pseudo-terminal: a two-line query with tab completion, a meta
//! command, markdown mode, Ctrl-C during a running statement (typed, or read by `.read`),
//! Ctrl-D, and the history
//! file in the user's data folder.

use crate::common::scratch;
use rexpect::session::spawn_command;
use std::process::Command;
use std::time::Duration;

/// Let the line editor finish redrawing before the next keys arrive, as a person would.
fn pause() {
    std::thread::sleep(Duration::from_millis(300));
}

#[test]
fn repl_session_end_to_end() {
    let home = scratch("home");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_budgetql"));
    cmd.env("HOME", &home)
        .env_remove("XDG_DATA_HOME")
        .env_remove("BUDGETQL_DATA")
        .env("NO_COLOR", "1")
        .env("TERM", "xterm");
    let mut p = spawn_command(cmd, Some(20_000)).expect("spawn in a pty");
    p.exp_string("loaded qinhuangdao-etdz-zhengfawei-2021 (2021, 49 projects, 320 indicators)")
        .unwrap();
    p.exp_string("budgetql> ").unwrap();

    pause();
    p.send_line(".tables").unwrap();
    p.exp_string("indicators").unwrap();
    p.exp_string("16 rows").unwrap();

    // a two-line query; `bud<TAB>` completes to `budget`
    p.send("SELECT unit_code, SUM(bud").unwrap();
    pause();
    p.send("\t").unwrap();
    p.flush().unwrap();
    pause();
    p.send_line(") AS total").unwrap();
    pause();
    p.send_line("FROM projects GROUP BY 1 ORDER BY 1;").unwrap();
    p.exp_string("515.82").unwrap();
    p.exp_string("90.90").unwrap();
    p.exp_string("2 rows").unwrap();

    pause();
    // budgetql's own statements pass the shell's validator (AUDIT was once rejected as
    // a syntax error there while the engine ran it)
    p.send_line("AUDIT WHERE year = 2021;").unwrap();
    p.exp_string("R6").unwrap();
    p.exp_string("7 rows").unwrap();
    p.exp_string("budgetql> ").unwrap();

    p.send_line(".mode markdown").unwrap();
    pause();
    p.send_line("SELECT COUNT(*) AS n FROM projects;").unwrap();
    p.exp_string("| 49 |").unwrap();

    // Ctrl-C while a (deliberately huge) statement runs returns to the prompt; the session goes on
    pause();
    p.send_line("SELECT COUNT(*) AS n FROM indicators a CROSS JOIN indicators b CROSS JOIN indicators c CROSS JOIN project_goals d;").unwrap();
    std::thread::sleep(Duration::from_millis(800));
    p.send_control('c').unwrap();
    p.exp_string("interrupted").unwrap();
    pause();
    p.send_line("SELECT 7 * 6 AS answer;").unwrap();
    p.exp_string("| 42 |").unwrap();

    // and while a statement of a `.read` file runs (it ran to its end before)
    let slow = home.join("slow.sql");
    std::fs::write(
        &slow,
        "SELECT COUNT(*) AS n FROM indicators a CROSS JOIN indicators b CROSS JOIN indicators c CROSS JOIN project_goals d;\n",
    )
    .unwrap();
    pause();
    p.send_line(&format!(".read {}", slow.display())).unwrap();
    std::thread::sleep(Duration::from_millis(800));
    p.send_control('c').unwrap();
    p.exp_string("interrupted").unwrap();
    pause();
    p.send_line("SELECT 6 * 7 AS answer;").unwrap();
    p.exp_string("| 42 |").unwrap();

    pause();
    p.send_line(".tabels").unwrap();
    p.exp_string("did you mean `.tables`?").unwrap();

    pause();
    p.send_control('d').unwrap();
    p.exp_eof().unwrap();

    let hist = std::fs::read_to_string(home.join(".local/share/budgetql/history"))
        .expect("history written");
    assert!(
        hist.contains("SELECT unit_code, SUM(budget) AS total"),
        "{hist}"
    );
    assert!(hist.contains(".mode markdown"), "{hist}");
}
