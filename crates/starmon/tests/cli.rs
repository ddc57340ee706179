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
fn unimplemented_commands_fail_with_one_clear_line() {
    let out = starmon(&["serve"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not implemented yet"), "{err}");
}

#[test]
fn unknown_commands_are_usage_errors() {
    let out = starmon(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
}
