//! The overhead report, `rosetta overhead`: what `cargo bench` measured (criterion's estimates), the
//! paired overhead runs and the Python anchors, set side by side: toolkit ÷ native per runtime, the
//! toolkit queue against the raw channels, timer lateness against its floor. It is the generated block
//! of `docs/methodology.md`.
//!
//! Its data is one [`Overhead`] value, kept beside the page as `docs/methodology/overhead.json`; the
//! block is only ever rendered from it ([`block`]), with [`crate::units`] and the Markdown tables of
//! [`crate::markdown`], the same as `docs/results.md`. So `rosetta overhead --check` (and a test) can
//! tell when the block is stale: when it is not what the recorded data renders to.

mod criterion;
mod model;
mod render;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
pub use criterion::{default_criterion_dir, estimates_path, from_criterion};
pub use model::{
    BLOCK_BEGIN, BLOCK_END, OVERHEAD_TARGET, Overhead, OverheadError, PYTHON_BASELINE, Pair,
    PairedRuns, QUEUE_TARGET, SCHEMA, TIMER_TARGET, Timing,
};
use render::overhead_rows;
pub use render::{block, replace_block};
use rosetta_runtimes::RUNTIMES;
use rosetta_workloads::Workload as Run;

/// The arguments of `rosetta overhead`.
#[derive(Debug, Clone, Args)]
pub struct OverheadArgs {
    /// criterion's output directory [default: target/criterion].
    #[arg(long, value_name = "DIR")]
    pub criterion_dir: Option<PathBuf>,
    /// First run benches/python/baseline.py (asyncio, and uvloop and rloop from the project's venv) into it.
    #[arg(long)]
    pub python: bool,
    /// Also measure the overhead cases now, each toolkit case alternating with its native twin.
    #[arg(long)]
    pub paired: bool,
    /// Runs of each side of a paired case.
    #[arg(long, default_value_t = 201, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub rounds: u64,
    /// Write the data to docs/methodology/overhead.json and the block into docs/methodology.md.
    #[arg(long)]
    pub publish: bool,
    /// Measure nothing: exit 1 if docs/methodology.md's block is not what its recorded data renders to.
    #[arg(long, conflicts_with_all = ["python", "paired", "publish", "rerender"])]
    pub check: bool,
    /// Measure nothing: rewrite docs/methodology.md's block from its recorded data (after a change of
    /// the report's format).
    #[arg(long, conflicts_with_all = ["python", "paired", "publish"])]
    pub rerender: bool,
}

/// `docs/methodology.md` and the data of its block.
fn published_paths() -> (PathBuf, PathBuf) {
    let docs = rosetta_harness::python::repo_root().join("docs");
    (
        docs.join("methodology.md"),
        docs.join("methodology/overhead.json"),
    )
}

/// Answers a fresh-process measurement request (a global runtime's one-time start, which the paired
/// runs measure in children of this program) and returns `true`, or returns `false` at once. A binary
/// that runs `overhead --paired` calls it first thing in `main`.
pub fn serve_child() -> bool {
    rosetta_workloads::fresh::serve_child()
}

/// `rosetta overhead`: exit code 0, 1 if something failed or (with `--check`) the block is stale.
pub fn main(args: &OverheadArgs) -> ExitCode {
    match run(args) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("rosetta overhead: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &OverheadArgs) -> Result<ExitCode, OverheadError> {
    let (page_path, data_path) = published_paths();
    if args.check || args.rerender {
        let data = recorded(&data_path)?;
        let page = read(&page_path)?;
        let rendered = replace_block(&page, &block(&data));
        if args.rerender {
            let page = rendered.ok_or_else(|| no_block(&page_path))?;
            write(&page_path, &page)?;
            println!("Wrote {}", page_path.display());
            return Ok(ExitCode::SUCCESS);
        }
        return Ok(match rendered {
            Some(current) if current == page => ExitCode::SUCCESS,
            Some(_) => {
                eprintln!(
                    "rosetta overhead: {}'s generated block is not what {} renders to: run \
                     `cargo run --release -- overhead --publish` after `cargo bench`",
                    page_path.display(),
                    data_path.display()
                );
                ExitCode::FAILURE
            }
            None => {
                eprintln!(
                    "rosetta overhead: {} has no generated block: put the lines `{BLOCK_BEGIN}` and \
                     `{BLOCK_END}` where it goes",
                    page_path.display()
                );
                ExitCode::FAILURE
            }
        });
    }
    let dir = args
        .criterion_dir
        .clone()
        .unwrap_or_else(default_criterion_dir);
    if args.python {
        let json = dir.join(PYTHON_BASELINE);
        let prepared = crate::python::prepare().map_err(OverheadError::Python)?;
        if let Some(why) = &prepared.not_installed {
            eprintln!(
                "rosetta overhead: uvloop and rloop are not installed, asyncio alone is measured: {why}"
            );
        }
        crate::python::run(
            &prepared,
            &crate::perf::PerfPlan::full(),
            1.0,
            crate::python::Queues::Both,
            &json,
        )
        .map_err(OverheadError::Python)?;
    }
    let mut data = from_criterion(&dir)?;
    if data.criterion.is_empty() {
        // Publishing a report of nothing would overwrite the recorded figures with blanks.
        return Err(OverheadError::File {
            path: dir.display().to_string(),
            why: "no criterion estimate of any planned case: run `cargo bench` first, or give --criterion-dir"
                .to_owned(),
        });
    }
    if args.paired {
        if cfg!(debug_assertions) {
            eprintln!("rosetta overhead: built without optimizations; run it with --release");
        }
        data.paired = Some(measure_paired(
            usize::try_from(args.rounds).unwrap_or(usize::MAX),
        )?);
    }
    let text = block(&data);
    print!("{text}");
    if args.publish {
        let json = serde_json::to_string_pretty(&data).map_err(|error| OverheadError::File {
            path: data_path.display().to_string(),
            why: error.to_string(),
        })?;
        write(&data_path, &format!("{json}\n"))?;
        let page = read(&page_path)?;
        let page = replace_block(&page, &text).ok_or_else(|| no_block(&page_path))?;
        write(&page_path, &page)?;
        println!(
            "\nWrote {} and {}",
            data_path.display(),
            page_path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The data recorded at `path`.
///
/// # Errors
///
/// [`OverheadError::File`] if it cannot be read, or is not of this [`SCHEMA`].
pub fn recorded(path: &Path) -> Result<Overhead, OverheadError> {
    let bad = |why: String| OverheadError::File {
        path: path.display().to_string(),
        why,
    };
    let data: Overhead =
        serde_json::from_str(&read(path)?).map_err(|error| bad(error.to_string()))?;
    if data.schema != SCHEMA {
        return Err(bad(format!("schema {}, not {SCHEMA}", data.schema)));
    }
    Ok(data)
}

fn no_block(page: &Path) -> OverheadError {
    OverheadError::File {
        path: page.display().to_string(),
        why: format!("no generated block: put the lines `{BLOCK_BEGIN}` and `{BLOCK_END}` there"),
    }
}

fn read(path: &Path) -> Result<String, OverheadError> {
    std::fs::read_to_string(path).map_err(|error| OverheadError::File {
        path: path.display().to_string(),
        why: error.to_string(),
    })
}

fn write(path: &Path, text: &str) -> Result<(), OverheadError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|error| OverheadError::File {
            path: dir.display().to_string(),
            why: error.to_string(),
        })?;
    }
    std::fs::write(path, text).map_err(|error| OverheadError::File {
        path: path.display().to_string(),
        why: error.to_string(),
    })
}

/// Measures every overhead comparison now, as paired runs: each toolkit case alternating with its
/// native twin, `rounds` runs each; loop creates run 50 to a run, so that a run is long enough to time.
///
/// # Errors
///
/// Whatever preparing or running a case returns.
pub fn measure_paired(rounds: usize) -> Result<PairedRuns, OverheadError> {
    let mut pairs = Vec::new();
    for info in RUNTIMES {
        for row in overhead_rows(info) {
            let iters = match row.toolkit.workload {
                Run::LoopCreate { .. } => 50,
                _ => 1,
            };
            let toolkit = row.toolkit.bench()?;
            pairs.push(match &row.native {
                Some(native) => {
                    let paired = rosetta_workloads::compare::paired(
                        toolkit,
                        native.bench()?,
                        rounds,
                        iters,
                    )?;
                    Pair {
                        toolkit: Timing::new(&row.toolkit, &paired.a),
                        native: Some(Timing::new(native, &paired.b)),
                    }
                }
                None => Pair {
                    toolkit: Timing::new(
                        &row.toolkit,
                        &rosetta_workloads::compare::alone(toolkit, rounds, iters)?,
                    ),
                    native: None,
                },
            });
        }
    }
    Ok(PairedRuns { rounds, pairs })
}

#[cfg(test)]
mod tests {
    use rosetta_workloads::{Case, OVERHEAD_GATHER_TASKS, Target};

    use super::*;

    fn case(target: Target, workload: Run) -> Case {
        Case::new(target, workload)
    }

    #[test]
    fn criterions_estimates_are_read_and_set_side_by_side() {
        let dir = std::env::temp_dir().join(format!("rosetta-overhead-{}", std::process::id()));
        let gather = Run::Gather {
            tasks: OVERHEAD_GATHER_TASKS,
        };
        let write = |case: &Case, json: &str| {
            let path = estimates_path(&dir, case);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("a temp dir");
            std::fs::write(path, json).expect("written");
        };
        let toolkit = case(Target::Toolkit("smol"), gather);
        let native = case(Target::Native("smol"), gather);
        write(
            &toolkit,
            r#"{"mean": {"point_estimate": 5.0}, "slope": {"point_estimate": 1100.0,
                "confidence_interval": {"lower_bound": 1000.0, "upper_bound": 1200.0}}}"#,
        );
        write(
            &native,
            r#"{"mean": {"point_estimate": 1000.0}, "slope": null}"#,
        );
        let data = from_criterion(&dir).expect("readable");
        std::fs::remove_dir_all(&dir).expect("removed");
        assert_eq!(data.criterion.len(), 2);
        let slope = &data.criterion[0];
        assert_eq!(
            (slope.case.as_str(), slope.median_ns),
            ("gather/smol/10000", 1100.0)
        );
        assert_eq!((slope.min_ns, slope.max_ns), (1000.0, 1200.0));
        assert_eq!(
            data.time(&native),
            Some(1000.0),
            "the mean, without a slope"
        );
        assert_eq!(data.time(&case(Target::Toolkit("tokio"), gather)), None);
        let text = block(&data);
        assert!(
            text.contains("| smol | gather 10000 | 1.1 µs | 1 µs | 1.100 | **no** |"),
            "{text}"
        );
        assert!(text.contains("global runtime: no per-loop cost"), "{text}");
        assert!(text.contains("No Python anchors"), "{text}");
    }

    #[test]
    fn the_block_is_replaced_between_its_markers_only() {
        let page = format!("before\n{BLOCK_BEGIN}\nold\n{BLOCK_END}\nafter\n");
        let new = replace_block(&page, "new\n").expect("markers present");
        assert_eq!(
            new,
            format!("before\n{BLOCK_BEGIN}\n\nnew\n{BLOCK_END}\nafter\n")
        );
        assert_eq!(replace_block(&new, "new\n").as_deref(), Some(new.as_str()));
        assert_eq!(replace_block("no markers", "x"), None);
    }
}
