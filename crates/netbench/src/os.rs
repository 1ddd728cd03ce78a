//! What the network measurement asks of the OS: more file descriptors, CPU pinning, a process's
//! memory, each through rustix or `/proc`.

use std::io;

/// The environment variable that pins a server process (Rust or Python) to CPUs, e.g. `0` or `0,1`.
pub const PIN_VAR: &str = "ROSETTA_NET_CPUS";

/// Raises this process's soft limit on open files towards `want` (up to the hard limit) and returns
/// the limit now in force: a thousand connections need a thousand descriptors on each side, more
/// than the usual soft limit of 1 024 leaves.
pub fn raise_nofile(want: u64) -> u64 {
    use rustix::process::{Resource, getrlimit, setrlimit};

    let limit = getrlimit(Resource::Nofile);
    let current = limit.current.unwrap_or(u64::MAX);
    if current >= want {
        return current;
    }
    let target = limit.maximum.map_or(want, |max| want.min(max));
    let raised = rustix::process::Rlimit {
        current: Some(target),
        maximum: limit.maximum,
    };
    match setrlimit(Resource::Nofile, raised) {
        Ok(()) => target,
        Err(_) => current,
    }
}

/// Parses a list of CPUs, `0` or `0,1`.
///
/// ```
/// assert_eq!(rosetta_netbench::os::parse_cpus("0,1"), Ok(vec![0, 1]));
/// assert!(rosetta_netbench::os::parse_cpus("one").is_err());
/// ```
///
/// # Errors
///
/// A message naming the text and what is valid.
pub fn parse_cpus(text: &str) -> Result<Vec<usize>, String> {
    let cpus = text
        .split(',')
        .map(|part| part.trim().parse::<usize>())
        .collect::<Result<Vec<_>, _>>()
        .ok()
        .filter(|cpus| !cpus.is_empty() && cpus.iter().all(|cpu| *cpu < 1024));
    cpus.ok_or_else(|| format!("`{text}` is not a list of CPU numbers below 1024, e.g. 0 or 0,1"))
}

/// Pins the calling thread, and so every thread it starts after, to `cpus`.
///
/// # Errors
///
/// The OS's refusal (a CPU this process may not use).
pub fn pin(cpus: &[usize]) -> io::Result<()> {
    let mut set = rustix::thread::CpuSet::new();
    for cpu in cpus {
        set.set(*cpu);
    }
    rustix::thread::sched_setaffinity(None, &set).map_err(io::Error::from)
}

/// The CPUs this process may run on, lowest first (its affinity mask); empty where the OS does not
/// say.
pub fn usable_cpus() -> Vec<usize> {
    rustix::thread::sched_getaffinity(None).map_or_else(
        |_| Vec::new(),
        |set| {
            (0..rustix::thread::CpuSet::MAX_CPU)
                .filter(|cpu| set.is_set(*cpu))
                .collect()
        },
    )
}

/// Pins this process to the CPUs [`PIN_VAR`] names, if it is set.
///
/// # Errors
///
/// A message naming the variable's value and why it cannot be used.
pub fn pin_from_env() -> Result<(), String> {
    let Ok(text) = std::env::var(PIN_VAR) else {
        return Ok(());
    };
    let cpus = parse_cpus(&text).map_err(|why| format!("{PIN_VAR}: {why}"))?;
    pin(&cpus).map_err(|error| format!("{PIN_VAR}={text}: cannot pin to those CPUs: {error}"))
}

/// A field of `/proc/<pid>/status` in KiB (`VmHWM`, the peak resident set; `VmRSS`, the current
/// one), where the OS has it.
pub fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        rest.trim().strip_suffix("kB")?.trim().parse().ok()
    })
}

/// This process's CPU time so far, user and system over every thread (`CLOCK_PROCESS_CPUTIME_ID`,
/// to the nanosecond).
pub fn own_cpu() -> std::time::Duration {
    let time = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
    std::time::Duration::new(
        u64::try_from(time.tv_sec).unwrap_or(0),
        u32::try_from(time.tv_nsec).unwrap_or(0),
    )
}

/// A process's CPU time so far, user and system over all its threads (`utime` + `stime` of
/// `/proc/<pid>/stat`), where the OS says.
///
/// The kernel counts these in clock ticks, `sysconf(_SC_CLK_TCK)` a second (100 on Linux): a
/// figure is good to a tick, 10 ms, so a window of 100 ms carries a tenth of error at worst.
pub fn process_cpu(pid: u32) -> Option<std::time::Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name, in parentheses, may hold spaces: the fields are counted after its end.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    // `utime` and `stime` are fields 14 and 15; the state (field 3) is the first after `)`.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    let ticks = rustix::param::clock_ticks_per_second().max(1);
    let total = utime + stime;
    Some(
        std::time::Duration::from_secs(total / ticks)
            + std::time::Duration::from_nanos((total % ticks) * 1_000_000_000 / ticks),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn this_process_may_run_on_a_cpu_it_can_pin_to() {
        let cpus = super::usable_cpus();
        assert!(
            !cpus.is_empty() && cpus.windows(2).all(|w| w[0] < w[1]),
            "{cpus:?}"
        );
        let pinned = std::thread::spawn(move || {
            super::pin(&cpus[..1]).expect("a usable CPU pins");
            super::usable_cpus()
        });
        assert_eq!(
            pinned.join().expect("the thread"),
            [super::usable_cpus()[0]]
        );
    }

    use super::*;

    #[test]
    fn the_descriptor_limit_is_raised_and_this_process_has_a_peak_rss() {
        let limit = raise_nofile(4096);
        assert!(limit >= 1024, "{limit}");
        let peak = status_kib(std::process::id(), "VmHWM").expect("linux has VmHWM");
        assert!(peak > 0);
        assert_eq!(status_kib(std::process::id(), "NoSuchField"), None);
    }

    #[test]
    fn this_process_cpu_time_grows_with_work_it_does() {
        let before = process_cpu(std::process::id()).expect("linux has /proc/self/stat");
        // Spin until the OS has counted a few ticks more: bounded by the count of ticks seen, and
        // by 60 s of wall time in case the clock is not counting.
        let start = std::time::Instant::now();
        let mut spun = 0u64;
        while process_cpu(std::process::id()).expect("still there")
            < before + std::time::Duration::from_millis(30)
            && start.elapsed() < std::time::Duration::from_secs(60)
        {
            spun = std::hint::black_box(spun.wrapping_add(1));
        }
        assert!(process_cpu(std::process::id()).expect("still there") > before);
        // The process's own clock saw at least the ticks' worth, to within a tick.
        assert!(own_cpu() >= before + std::time::Duration::from_millis(20));
        assert_eq!(process_cpu(u32::MAX), None);
    }

    #[test]
    fn bad_cpu_lists_are_refused_with_an_example() {
        for bad in ["", "x", "0,,1", "5000"] {
            let why = parse_cpus(bad).expect_err(bad);
            assert!(why.contains("e.g. 0 or 0,1"), "{why}");
        }
    }
}
