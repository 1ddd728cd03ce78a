//! `rosetta compare`, run as a user runs it: bad arguments, the JSON it prints, the tables (as
//! snapshots with the timings redacted), and a failing or hanging scenario reported as data.

use std::path::PathBuf;

use assert_cmd::Command;
use predicates::prelude::*;

fn rosetta() -> Command {
    Command::cargo_bin("rosetta").expect("the rosetta binary is built")
}

/// A fresh output directory for one test, under the target directory.
fn out_dir(test: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("compare-{test}"));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A small, quick comparison: two runtimes, two scenarios, small workloads.
fn small(out: &std::path::Path) -> Vec<String> {
    [
        "compare",
        "--quick",
        "--runtimes",
        "tokio,smol",
        "--scenarios",
        "countasync,wait_for",
        "--sizes",
        "1,10",
        "--items",
        "2000",
        "--rounds",
        "3",
        // The network part has its own test below.
        "--skip",
        "net",
        "--out",
    ]
    .iter()
    .map(|arg| (*arg).to_owned())
    .chain([out.display().to_string()])
    .collect()
}

#[test]
fn bad_arguments_exit_with_2_and_say_what_is_valid() {
    let out = out_dir("bad-arguments");
    let out = out.display().to_string();
    let cases: [(&[&str], &[&str]); 12] = [
        (
            &["--runtimes", "tokoi"],
            &["tokoi", "tokio", "smol-mt", "async-std"],
        ),
        (
            &["--scenarios", "countasync,nope"],
            &["nope", "countasync", "chess"],
        ),
        (&["--sizes", "-5"], &["--sizes", "-5", "positive integer"]),
        (&["--items", "-3"], &["--items", "-3", "positive integer"]),
        (
            &["--sizes", "10,abc"],
            &["--sizes", "abc", "positive integer"],
        ),
        (&["--sizes", "0"], &["--sizes", "positive integer"]),
        (&["--items", "many"], &["--items", "many"]),
        (&["--rounds", "0"], &["--rounds", "positive integer"]),
        (&["--repeat", "11"], &["--repeat", "at most 10"]),
        (&["--timeout", "-1"], &["--timeout", "positive number"]),
        (
            &["--skip", "everything"],
            &["everything", "matrix", "perf", "python"],
        ),
        (&["--quick", "extra"], &["extra"]),
    ];
    for (args, expected) in cases {
        let mut command = rosetta();
        command.arg("compare").args(args).args(["--out", &out]);
        let mut assert = command.assert().code(2).stdout(predicate::str::is_empty());
        for word in expected {
            assert = assert.stderr(predicate::str::contains(*word));
        }
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
    }
}

#[test]
fn an_unwritable_out_exits_with_2_and_names_it() {
    // A regular file where the directory should be.
    let dir = out_dir("unwritable");
    std::fs::create_dir_all(&dir).expect("the test directory");
    let file = dir.join("a-file");
    std::fs::write(&file, "").expect("a file");
    let out = file.join("report");
    rosetta()
        .args(["compare", "--quick", "--out"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--out").and(predicate::str::contains("a-file")));
}

#[test]
fn quick_json_on_two_runtimes_has_every_expected_key() {
    let out = out_dir("json");
    let output = rosetta()
        .args(small(&out))
        .arg("--json")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&output).expect("stdout is JSON");
    for key in [
        "schema",
        "generated_by",
        "generated_at",
        "mode",
        "elapsed_s",
        "machine",
        "versions",
        "runtimes",
        "scenarios",
        "matrix",
        "figures",
        "python",
        "problems",
    ] {
        assert!(json.get(key).is_some(), "no {key} in {json}");
    }
    assert_eq!(json["mode"], "quick");
    for key in ["os", "kernel", "cpu", "cores"] {
        assert!(json["machine"].get(key).is_some(), "no machine.{key}");
    }
    assert!(
        json["versions"]["rustc"]
            .as_str()
            .is_some_and(|v| v.starts_with("rustc"))
    );
    let crates = json["versions"]["crates"].to_string();
    for name in ["tokio", "smol", "async-std"] {
        assert!(crates.contains(name), "no version of {name}: {crates}");
    }
    let ids: Vec<&str> = json["runtimes"]
        .as_array()
        .expect("runtimes is an array")
        .iter()
        .map(|rt| rt["id"].as_str().expect("an id"))
        .collect();
    assert_eq!(ids, ["tokio", "smol"]);
    let cells = json["matrix"].as_array().expect("matrix is an array");
    assert_eq!(cells.len(), 4, "2 scenarios × 2 runtimes");
    for cell in cells {
        for key in [
            "scenario", "runtime", "status", "against", "attempts", "seconds",
        ] {
            assert!(cell.get(key).is_some(), "no {key} in {cell}");
        }
        assert!(
            ["pass", "differs-as-documented"].contains(&cell["status"].as_str().unwrap_or("")),
            "{cell}"
        );
    }
    let figures = json["figures"].as_array().expect("figures is an array");
    for workload in [
        "gather",
        "queue",
        "loop_create",
        "loop_close",
        "timer_sleep",
        "timer_call_later",
        "blocking_stall",
    ] {
        for runtime in ["tokio", "smol"] {
            assert!(
                figures
                    .iter()
                    .any(|f| f["workload"] == workload && f["runner"] == runtime),
                "no {workload} figure on {runtime}"
            );
        }
    }
    for figure in figures {
        // A Python loop's timer can fire before its deadline (uvloop's does, docs/methodology.md):
        // its lateness may be below zero. Every other figure is a time, never negative.
        let early_is_possible = figure["runner"]
            .as_str()
            .is_some_and(|runner| runner.starts_with("python-"))
            && figure["workload"]
                .as_str()
                .is_some_and(|workload| workload.starts_with("timer_"));
        for key in ["median_ns", "min_ns", "max_ns"] {
            assert!(
                figure[key]
                    .as_f64()
                    .is_some_and(|v| v.is_finite() && (v >= 0.0 || early_is_possible)),
                "{key} of {figure}"
            );
        }
        assert!(figure["runs"].as_u64().is_some_and(|runs| runs > 0));
    }
    // The same results were written beside the report and the charts.
    for file in ["results.json", "report.md", "gather.svg", "queue.svg"] {
        assert!(out.join(file).is_file(), "no {file} in {}", out.display());
    }
}

#[test]
fn repeated_measurements_report_how_many_ratios_agree_and_still_succeed() {
    let out = out_dir("repeat");
    let assert = rosetta()
        .args(small(&out))
        .args([
            "--repeat", "2", "--skip", "matrix", "--skip", "python", "--json",
        ])
        .assert()
        .success();
    let json: serde_json::Value =
        serde_json::from_slice(&assert.get_output().stdout).expect("stdout is JSON");
    let repro = &json["reproducibility"];
    assert_eq!(repro["measurements"], 2, "{repro}");
    let ratios = repro["ratios"].as_array().expect("ratios is an array");
    // Two runtimes, neither global, and Python left out: every figure has a ratio.
    let figures = json["figures"].as_array().expect("figures").len();
    assert_eq!(ratios.len(), figures, "{repro}");
    for ratio in ratios {
        assert_eq!(ratio["ratios"].as_array().map(Vec::len), Some(2), "{ratio}");
        assert!(ratio["agrees"].is_boolean(), "{ratio}");
    }
    let spreads = json["spreads"].as_array().expect("spreads is an array");
    assert_eq!(spreads.len(), figures, "a spread per runtime figure");
    let report = std::fs::read_to_string(out.join("report.md")).expect("report.md");
    assert!(report.contains("Reproducibility: "), "{report}");
}

#[test]
fn the_tables_and_matrix_keep_their_shape() {
    let out = out_dir("tables");
    let output = rosetta()
        .args(small(&out))
        .args(["--skip", "python"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let stdout = String::from_utf8(output).expect("UTF-8");
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"\d+(\.\d+)? (ns|µs|ms|s)\b", "[time]");
    settings.add_filter(r"\d+(\.\d+)? ?[kMG]?/s", "[rate]");
    settings.add_filter(r"×\d+\.\d+", "×[ratio]");
    // A figure's spread, and whether it is bimodal, are the machine's doing: one shape for all.
    settings.add_filter(r"±[\d.]+ %|bimodal", "[spread]");
    settings.add_filter(
        r" \(\d+ runs\) or (×)?\[(time|rate|ratio)\] \(\d+ runs\)",
        "",
    );
    settings.add_filter(r"\nBimodal \(runs in two clusters[^\n]*\n", "");
    settings.add_filter(r"Wrote .*", "Wrote [files]");
    // Column widths follow the redacted numbers' real widths.
    settings.add_filter(r"─+", "─");
    settings.add_filter(r"═+", "═");
    settings.add_filter(r" {2,}", " ");
    settings.bind(|| insta::assert_snapshot!(stdout));
}

#[test]
fn a_panicking_and_a_hanging_scenario_are_cells_not_crashes() {
    let out = out_dir("faults");
    let assert = rosetta()
        .args([
            "compare",
            "--quick",
            "--runtimes",
            "tokio,smol",
            "--scenarios",
            "countasync,wait_for",
            "--skip",
            "perf",
            "--skip",
            "python",
            "--timeout",
            "5",
            "--json",
            "--out",
        ])
        .arg(&out)
        .env("ROSETTA_FAULT", "countasync@smol=panic,wait_for@tokio=hang")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("2 cell(s)"));
    let json: serde_json::Value =
        serde_json::from_slice(&assert.get_output().stdout).expect("stdout is JSON");
    let cell = |scenario: &str, runtime: &str| {
        json["matrix"]
            .as_array()
            .expect("matrix")
            .iter()
            .find(|cell| cell["scenario"] == scenario && cell["runtime"] == runtime)
            .cloned()
            .expect("the cell")
    };
    let panicked = cell("countasync", "smol");
    assert_eq!(panicked["status"], "fail");
    assert!(
        panicked["detail"]
            .as_str()
            .is_some_and(|d| d.contains("panicked") && d.contains("countasync on smol panics")),
        "{panicked}"
    );
    let hung = cell("wait_for", "tokio");
    assert_eq!(hung["status"], "timed-out");
    assert!(
        hung["detail"]
            .as_str()
            .is_some_and(|d| d.contains("watchdog"))
    );
    // The other cells ran, and passed.
    assert_eq!(cell("countasync", "tokio")["status"], "pass");
    assert_eq!(cell("wait_for", "smol")["status"], "pass");
}

#[test]
fn a_runtime_whose_io_uring_is_refused_is_marked_unavailable_and_the_run_goes_on() {
    // Every io_uring runtime of the registry, beside one that does not use io_uring.
    let io_uring: Vec<&str> = rosetta_runtimes::RUNTIMES
        .iter()
        .filter(|info| info.driver.starts_with("io_uring"))
        .map(|info| info.id)
        .collect();
    assert!(!io_uring.is_empty(), "the registry has io_uring runtimes");
    let runtimes = format!("tokio,{}", io_uring.join(","));
    let out = out_dir("unavailable");
    let assert = rosetta()
        .args([
            "compare",
            "--quick",
            "--runtimes",
            &runtimes,
            "--scenarios",
            "countasync",
            "--skip",
            "perf",
            "--skip",
            "python",
            "--json",
            "--out",
        ])
        .arg(&out)
        .env(rosetta_runtimes::rosetta_rt::FORCE_NO_IO_URING, "1")
        .assert()
        .success();
    let json: serde_json::Value =
        serde_json::from_slice(&assert.get_output().stdout).expect("stdout is JSON");
    let cell = |runtime: &str| {
        json["matrix"]
            .as_array()
            .expect("matrix")
            .iter()
            .find(|cell| cell["scenario"] == "countasync" && cell["runtime"] == runtime)
            .cloned()
            .expect("the cell")
    };
    for id in &io_uring {
        let refused = cell(id);
        assert_eq!(refused["status"], "unavailable", "{refused}");
        assert!(
            refused["detail"]
                .as_str()
                .is_some_and(|d| d.starts_with("unavailable: io_uring not permitted (")
                    && d.contains(rosetta_runtimes::rosetta_rt::FORCE_NO_IO_URING)),
            "{refused}"
        );
    }
    // Their network servers are cells that say so; tokio's were measured; nothing failed.
    let gaps = json["net_gaps"].as_array().expect("net_gaps");
    for id in &io_uring {
        assert!(
            gaps.iter().any(|gap| gap["workload"] == "echo"
                && gap["runner"] == *id
                && gap["says"] == "unavailable"),
            "no unavailable echo cell for {id}: {json}"
        );
    }
    assert!(
        gaps.iter()
            .all(|gap| gap["says"] == "unavailable"
                && io_uring.iter().any(|id| gap["runner"] == *id)),
        "{json}"
    );
    assert!(
        json["net"]
            .as_array()
            .is_some_and(|net| net.iter().any(|f| f["runner"] == "tokio"))
    );
    assert_eq!(json["problems"], serde_json::json!([]), "{json}");
    assert_eq!(cell("tokio")["status"], "pass");
}

/// Runs `compare --quick` with `args`, the network part alone, writing into `out`; its JSON.
fn network_only(out: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let assert = rosetta()
        .args(["compare", "--quick", "--json"])
        .args(args)
        .args([
            "--skip", "matrix", "--skip", "perf", "--skip", "python", "--out",
        ])
        .arg(out)
        .assert()
        .success();
    serde_json::from_slice(&assert.get_output().stdout).expect("stdout is JSON")
}

#[test]
fn the_network_part_measures_every_server_and_writes_its_figures_tables_and_chart() {
    let out = out_dir("net");
    let json = network_only(&out, &["--runtimes", "smol,tokio-mt"]);
    let net = json["net"].as_array().expect("net figures");
    let cells: Vec<(String, String)> = net
        .iter()
        .map(|f| {
            (
                f["runner"].as_str().unwrap_or_default().to_owned(),
                f["server"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let mut expected = Vec::new();
    for runtime in ["smol", "tokio-mt"] {
        for server in ["streams", "raw", "native"] {
            expected.push((runtime.to_owned(), server.to_owned()));
        }
    }
    expected.push(("floor".to_owned(), "floor".to_owned()));
    expected.push(("floor".to_owned(), "epoll".to_owned()));
    for runtime in ["smol", "tokio-mt"] {
        for server in ["trait", "native"] {
            expected.push((runtime.to_owned(), server.to_owned()));
        }
    }
    assert_eq!(cells, expected, "{json}");
    let workloads: Vec<&str> = net
        .iter()
        .map(|f| f["workload"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        workloads,
        [["echo"; 8].as_slice(), ["http"; 4].as_slice()].concat(),
        "{json}"
    );
    for figure in net {
        assert_eq!(
            (figure["size"].as_u64(), figure["connections"].as_u64()),
            (Some(1024), Some(10))
        );
        assert_eq!(figure["errors"], 0, "{figure}");
        assert!(
            figure["requests"].as_u64().is_some_and(|n| n > 0),
            "{figure}"
        );
        // `--quick` runs each server once.
        assert_eq!(
            figure["runs_per_s"].as_array().map(Vec::len),
            Some(1),
            "{figure}"
        );
        for key in ["requests_per_s", "mean_us", "p50_us", "p99_us", "p999_us"] {
            assert!(
                figure[key].as_f64().is_some_and(|v| v > 0.0),
                "{key}: {figure}"
            );
        }
        assert!(
            figure["peak_rss_kib"].as_u64().is_some_and(|kib| kib > 0),
            "{figure}"
        );
        assert!(figure["relative_spread"].is_number() && figure["bimodal"].is_boolean());
        // Who was busy: the server's CPU per request (whole clock ticks, so possibly 0 over a
        // short run) and the generator's engine and busiest run.
        for key in ["server_cpu_us_per_request", "generator_busy"] {
            assert!(
                figure[key].as_f64().is_some_and(|v| v >= 0.0),
                "{key}: {figure}"
            );
        }
        assert_eq!(
            (
                figure["generator_engine"].as_str(),
                figure["generator_threads"].as_u64()
            ),
            (Some("epoll"), Some(1)),
            "{figure}"
        );
    }
    assert_eq!(json["problems"], serde_json::json!([]), "{json}");
    let report = std::fs::read_to_string(out.join("report.md")).expect("report.md");
    assert!(
        report.contains("## Network: echo and HTTP servers under load"),
        "{report}"
    );
    assert!(report.contains("at 1 KiB × 10 connections"), "{report}");
    assert!(report.contains("| server CPU/req |"), "{report}");
    assert!(
        report.contains("generator: epoll, 1 thread; at most "),
        "{report}"
    );
    assert!(report.contains("toolkit ÷ native"), "{report}");
    assert!(
        report.contains("HTTP/1.1 keep-alive GET (a 1 KiB body) at 1 KiB × 10 connections"),
        "{report}"
    );
    assert!(out.join("echo-latency.svg").is_file());
}

#[test]
fn repeated_network_measurements_compare_each_rust_figures_ratio_across_them() {
    let out = out_dir("net-repeat");
    let json = network_only(&out, &["--runtimes", "tokio,smol-mt", "--repeat", "2"]);
    let repro = &json["reproducibility"];
    assert_eq!(repro["measurements"], 2, "{repro}");
    // No workload was measured, so no workload ratio; every network figure is Rust or a floor.
    assert_eq!(repro["ratios"], serde_json::json!([]), "{repro}");
    let figures = json["net"].as_array().expect("net figures").len();
    let ratios = repro["net"].as_array().expect("network ratios");
    assert_eq!(ratios.len(), figures, "a ratio per figure: {repro}");
    assert_eq!(
        figures,
        8 + 4,
        "six echo servers, two floors, four HTTP servers"
    );
    for ratio in ratios {
        let both = ratio["ratios"].as_array().expect("one per measurement");
        assert_eq!(both.len(), 2, "{ratio}");
        // A ratio is the best Rust requests/s over the figure's: at least 1 for a runtime's server
        // (the best's exactly), any positive value for a floor.
        let least = if ratio["runner"] == "floor" { 0.0 } else { 1.0 };
        assert!(
            both.iter()
                .all(|r| r.as_f64().is_some_and(|r| r > 0.0 && r >= least)),
            "{ratio}"
        );
        assert!(ratio["agrees"].is_boolean(), "{ratio}");
        let workload = ratio["workload"].as_str().unwrap_or_default();
        assert!(["echo", "http"].contains(&workload), "{ratio}");
    }
    assert_eq!(json["problems"], serde_json::json!([]), "{json}");
    let report = std::fs::read_to_string(out.join("report.md")).expect("report.md");
    let line =
        format!("of {figures} \"× best Rust\" ratios agree within ±10 % across 2 measurements.");
    assert!(report.contains(&line), "{report}");
    assert!(!report.contains("Reproducibility: 0 of 0"), "{report}");
}
