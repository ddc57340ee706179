//! The command line a user meets first.

use std::process::Command;

fn starmon(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_starmon"))
        .args(args)
        .output()
        .expect("starmon runs")
}

#[test]
fn help_lists_the_commands() {
    let out = starmon(&["--help"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for cmd in ["serve", "cluster", "collect"] {
        assert!(text.contains(cmd), "--help mentions {cmd}:\n{text}");
    }
}

#[test]
fn serve_refuses_a_non_loopback_address_with_one_clear_line() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("x.db");
    let out = starmon(&[
        "serve",
        "--db",
        db.to_str().expect("utf8"),
        "--listen",
        "0.0.0.0:8080",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("refusing to listen on 0.0.0.0:8080"), "{err}");
}

#[test]
fn config_prints_a_commented_default_file() {
    let out = starmon(&["config"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("interval_secs = 30")
            && text.contains("detail_days = 7")
            && text.contains("# "),
        "{text}"
    );
}

#[test]
fn a_bad_config_file_names_the_problem() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("starmon.toml");
    std::fs::write(&file, "[collector]\ninterval_secs = \"fast\"\n").expect("write");
    let out = starmon(&["serve", "--config", file.to_str().expect("utf8")]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("interval_secs"), "{err}");
}

#[test]
fn unknown_commands_are_usage_errors() {
    let out = starmon(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
}
