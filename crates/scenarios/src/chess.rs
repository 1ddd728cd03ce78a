//! Mirrors the simultaneous exhibition of seed 001 (`chess.py`): a chess master plays 24 amateurs, 30
//! moves a game, 5 seconds per move for the master and 55 for each opponent. One board at a time that is
//! 24 × 30 × (5 + 55) s = 12 hours; moving at each board in turn while the opponents think, it is
//! 30 × 24 × 5 s = 1 hour. Both versions run, at the time scale (0.00005 plays the 12 h in about 2 s).
//!
//! Both sleep until each step's scheduled end rather than for the step's length, as the reference does:
//! over the master's 720 consecutive moves, timer lateness would otherwise add up to hours at tiny
//! scales (a relative sleep on tokio's 1 ms wheel is at least 20 logical seconds at 0.00005).

use std::time::Instant;

use clap::Parser;
use rosetta_asyncio::{Queue, Runtime, create_task};

use crate::{Ctx, ScenarioError, ScenarioInfo};

/// This scenario.
pub const INFO: ScenarioInfo = ScenarioInfo {
    id: "chess",
    mirrors: "the simultaneous chess exhibition, seed 001",
    summary: "24 boards × 30 moves: about 12 h one board at a time, about 1 h async",
    // A master move (5 s) lasts 2 ms at this scale: longer than tokio's 1 ms timer slot, under which the
    // asynchronous exhibition would be measured hours long. The synchronous one is plain arithmetic.
    test_scale: 0.0004,
    seeded: false,
    args: <Args as clap::CommandFactory>::command,
    test_args: &["--mode", "async"],
    expect: crate::same_everywhere,
    verify,
};

/// The story's figures: about 12 hours one board at a time, about 1 hour async (24 × 30 × 5 s + the last
/// reply), whichever exhibitions ran.
fn verify(lines: &[String]) -> Result<(), String> {
    let hours = |prefix: &str| {
        lines.iter().find_map(|line| {
            let rest = line.strip_prefix(prefix)?;
            rest.split(" games in ").nth(1)?.strip_suffix(" hours")?.parse::<f64>().ok()
        })
    };
    if let Some(sync) = hours("Synchronous exhibition: ")
        && !(11.9..=12.5).contains(&sync)
    {
        return Err(format!("the synchronous exhibition took {sync} hours, not about 12"));
    }
    match hours("Asynchronous exhibition: ") {
        Some(h) if (0.95..=1.2).contains(&h) => Ok(()),
        Some(h) => Err(format!("the asynchronous exhibition took {h} hours, not about 1")),
        None if lines.iter().any(|line| line.starts_with("Asynchronous")) => {
            Err("the asynchronous exhibition printed no total".into())
        }
        None => Ok(()),
    }
}

const HOUR: f64 = 3600.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Mode {
    Sync,
    Async,
    Both,
}

/// `chess.py [--mode sync|async|both] [--boards N] [--moves N] [--master S] [--opponent S]`.
#[derive(Debug, Parser)]
struct Args {
    /// Which exhibitions to play.
    #[arg(long, value_enum, default_value_t = Mode::Both)]
    mode: Mode,
    /// The boards (amateurs), from 1 to 100.
    #[arg(long, default_value_t = 24, value_parser = clap::value_parser!(u32).range(1..=100))]
    boards: u32,
    /// The moves of a game, from 1 to 100.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=100))]
    moves: u32,
    /// The master's seconds per move, from 0 to 3600.
    #[arg(long, default_value_t = 5.0, value_parser = seconds)]
    master: f64,
    /// Each opponent's seconds per move, from 0 to 3600.
    #[arg(long, default_value_t = 55.0, value_parser = seconds)]
    opponent: f64,
}

/// The longest move, in logical seconds: an hour.
const MAX_MOVE: f64 = 3600.0;

fn seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(value) if (0.0..=MAX_MOVE).contains(&value) => Ok(value),
        Ok(_) => Err(format!("{text} is not in 0..={MAX_MOVE} seconds")),
        Err(_) => Err(format!("not a number of seconds: {text:?}")),
    }
}

fn sync_exhibition(ctx: &Ctx, args: &Args) {
    ctx.say(format!("Synchronous exhibition: the master plays {} boards one after the other", args.boards));
    let start = Instant::now();
    let game = f64::from(args.moves) * (args.master + args.opponent);
    for board in 1..=args.boards {
        // One sleep per game: nothing else runs meanwhile, so the game is the same as move by move.
        ctx.block_until(ctx.at(start, f64::from(board) * game));
        ctx.say(format!(
            "Board {board}: game over after {} moves, at {:.2} hours",
            args.moves,
            ctx.out.since(start) / HOUR
        ));
    }
    ctx.say(format!("Synchronous exhibition: {} games in {:.1} hours", args.boards, ctx.out.since(start) / HOUR));
}

async fn opponent_reply<R: Runtime>(ctx: Ctx, opponent: f64, moved_at: f64, replies: Queue<f64>, start: Instant) {
    ctx.sleep_until::<R>(ctx.at(start, moved_at + opponent)).await;
    // Unbounded and never shut down: put cannot fail.
    let _ = replies.put(ctx.out.since(start)).await;
}

async fn async_exhibition<R: Runtime>(ctx: &Ctx, args: &Args) -> Result<(), ScenarioError> {
    ctx.say(format!("Asynchronous exhibition: the master moves at each of {} boards in turn", args.boards));
    let start = Instant::now();
    let boards = args.boards as usize;
    let replies: Vec<Queue<f64>> = (0..boards).map(|_| Queue::unbounded()).collect();
    let mut thinking = Vec::new();
    // The master's schedule: when the current move ends, and when the master last moved at each board.
    let mut clock = 0.0_f64;
    let mut moved_at = vec![0.0_f64; boards];
    let shut = |_| ScenarioError::Failed("a board's queue was shut down".into());
    for mv in 1..=args.moves {
        for board in 0..boards {
            if mv > 1 {
                // The master cannot move before the opponent has replied to the previous move.
                replies[board].get().await.map_err(shut)?;
                clock = clock.max(moved_at[board] + args.opponent);
            }
            clock += args.master;
            ctx.sleep_until::<R>(ctx.at(start, clock)).await;
            moved_at[board] = clock;
            thinking.push(create_task::<R, _>(opponent_reply::<R>(
                ctx.clone(),
                args.opponent,
                clock,
                replies[board].clone(),
                start,
            )));
        }
    }
    // Each game ends with its opponent's last reply; the master reports them in board order.
    for (board, queue) in replies.iter().enumerate() {
        let ended_at = queue.get().await.map_err(shut)?;
        ctx.say(format!("Board {}: game over after {} moves, at {:.2} hours", board + 1, args.moves, ended_at / HOUR));
    }
    for task in thinking {
        task.await?;
    }
    ctx.say(format!("Asynchronous exhibition: {} games in {:.1} hours", args.boards, ctx.out.since(start) / HOUR));
    Ok(())
}

/// Runs the program.
///
/// # Errors
///
/// Invalid arguments, a loop that cannot be created, or a failed task.
pub fn run<R: Runtime>(ctx: &Ctx) -> Result<(), ScenarioError> {
    let args: Args = ctx.parse_args("chess.py")?;
    if matches!(args.mode, Mode::Sync | Mode::Both) {
        sync_exhibition(ctx, &args);
    }
    if matches!(args.mode, Mode::Async | Mode::Both) {
        ctx.asyncio_run::<R, _>(async_exhibition::<R>(ctx, &args))??;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::verify;

    fn lines(text: &[&str]) -> Vec<String> {
        text.iter().map(|line| (*line).to_owned()).collect()
    }

    #[test]
    fn the_figures_of_the_story_are_checked() {
        let good = lines(&["Synchronous exhibition: 24 games in 12.0 hours", "Asynchronous exhibition: 24 games in 1.0 hours"]);
        assert_eq!(verify(&good), Ok(()));
        // What tokio measures when a master move is shorter than its 1 ms timer slot.
        let slow = lines(&["Asynchronous exhibition: 24 games in 4.5 hours"]);
        assert!(verify(&slow).unwrap_err().contains("4.5 hours"));
        let serial = lines(&["Synchronous exhibition: 24 games in 9.0 hours"]);
        assert!(verify(&serial).is_err());
    }
}
