//! The host checks behind `gridhil rt check`: one module per topic, each with pure
//! parsers and pure check functions; [`check_host`] reads the host and feeds them.

pub mod cpufreq;
pub mod cpus;
pub mod isolation;
pub mod kernel;
pub mod limits;
pub mod sched;
pub mod smt;

use crate::cpu_list::parse_cpu_list;
use crate::host::{FileFacts, ProcessFacts};
use crate::Check;
use limits::{has_capability, CAP_IPC_LOCK, CAP_SYS_NICE};
use std::path::Path;

/// Names of the checks [`check_host`] returns, in its order.
pub const CHECK_NAMES: [&str; 12] = [
    kernel::NAME,
    cpus::NAME,
    isolation::ISOLCPUS,
    isolation::NOHZ_FULL,
    smt::NAME,
    cpufreq::NAME,
    sched::RT_THROTTLING,
    limits::RTPRIO,
    limits::MEMLOCK,
    limits::SYS_NICE,
    limits::IPC_LOCK,
    sched::TIMER_SLACK,
];

/// Runs every host check for the given CPUs (those the config pins threads to; empty =
/// none configured). Reads `/proc` and `/sys` and queries the calling thread; never
/// panics: anything unreadable becomes a warning or an ok "unknown".
pub fn check_host(cpus: &[usize]) -> Vec<Check> {
    let process = ProcessFacts::gather();
    let release = process.kernel_release.as_deref().ok();
    let files = FileFacts::gather(Path::new("/"), cpus, release);
    evaluate(&files, &process, cpus)
}

/// Parses a file's text with `parse`, turning read and parse errors into a reason.
fn parsed<T, E: std::fmt::Display>(
    text: &Result<String, String>,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, String> {
    match text {
        Ok(text) => parse(text).map_err(|e| e.to_string()),
        Err(reason) => Err(reason.clone()),
    }
}

/// The isolated set: the sysfs file, else `isolcpus=` on the kernel command line.
fn isolated_cpus(files: &FileFacts) -> Result<Vec<usize>, String> {
    if files.isolated.is_ok() {
        return parsed(&files.isolated, parse_cpu_list);
    }
    match &files.cmdline {
        Ok(cmdline) => match isolation::kernel_param(cmdline, "isolcpus") {
            Some(value) => isolation::parse_isolcpus_value(value).map_err(|e| e.to_string()),
            None => Ok(Vec::new()),
        },
        Err(_) => parsed(&files.isolated, parse_cpu_list),
    }
}

/// The nohz_full set; `Ok(None)` when sysfs is there but the kernel has no NO_HZ_FULL.
fn nohz_full_cpus(files: &FileFacts) -> Result<Option<Vec<usize>>, String> {
    match &files.nohz_full {
        Ok(text) => isolation::parse_nohz_full(text)
            .map(Some)
            .map_err(|e| e.to_string()),
        Err(_) if files.cpu_sysfs_present => Ok(None),
        Err(reason) => Err(reason.clone()),
    }
}

/// Runs every check on facts already read.
pub(crate) fn evaluate(
    files: &FileFacts,
    process: &ProcessFacts,
    configured: &[usize],
) -> Vec<Check> {
    let config_rt = files
        .kernel_config
        .as_deref()
        .ok()
        .and_then(kernel::parse_config_preempt_rt);
    let model = kernel::classify(
        files.realtime_flag.as_deref().ok(),
        config_rt,
        process.kernel_version.as_deref().ok(),
        files.debug_preempt.as_deref().ok(),
    );
    let isolated = isolated_cpus(files);
    let siblings: Vec<smt::Siblings> = files
        .siblings
        .iter()
        .map(|(cpu, text)| (*cpu, parsed(text, parse_cpu_list)))
        .collect();
    let governors: Vec<(usize, Option<String>)> = files
        .governors
        .iter()
        .map(|(cpu, text)| (*cpu, text.as_deref().ok().and_then(cpufreq::parse_governor)))
        .collect();
    let cap_eff = parsed(&files.proc_status, limits::parse_cap_eff);
    let cap = |bit| cap_eff.as_ref().ok().map(|&mask| has_capability(mask, bit));
    let rtprio = process.rtprio.clone();
    let memlock = process.memlock.clone();

    vec![
        kernel::check(&model),
        cpus::check(
            configured,
            parsed(&files.online, parse_cpu_list),
            process.allowed.clone(),
        ),
        isolation::check_isolcpus(configured, isolated.clone()),
        isolation::check_nohz_full(configured, nohz_full_cpus(files)),
        smt::check(configured, &siblings, isolated.as_deref().ok()),
        cpufreq::check(&governors),
        sched::check_rt_throttling(
            parsed(&files.rt_runtime_us, sched::parse_sched_us),
            parsed(&files.rt_period_us, sched::parse_sched_us).ok(),
        ),
        limits::check_rtprio(rtprio.clone(), cap(CAP_SYS_NICE), process.euid),
        limits::check_memlock(memlock.clone(), cap(CAP_IPC_LOCK), process.euid),
        limits::check_cap_sys_nice(cap_eff.clone(), rtprio.ok()),
        limits::check_cap_ipc_lock(cap_eff.clone(), memlock.ok()),
        sched::check_timer_slack(process.timer_slack_ns.clone()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::limits::Rlimit;
    use crate::CheckStatus;

    fn rt_lab_host() -> (FileFacts, ProcessFacts) {
        let text = |s: &str| Ok(s.to_string());
        let files = FileFacts {
            realtime_flag: text("1\n"),
            kernel_config: Err("absent".into()),
            debug_preempt: Err("absent".into()),
            cmdline: text("ro isolcpus=2-3 nohz_full=2-3 rcu_nocbs=2-3"),
            isolated: text("2-3\n"),
            nohz_full: text("2-3\n"),
            cpu_sysfs_present: true,
            online: text("0-3\n"),
            governors: vec![(2, text("performance\n")), (3, text("performance\n"))],
            siblings: vec![(2, text("2\n")), (3, text("3\n"))],
            proc_status: text("Name:\tgridhil\nCapEff:\t0000000000804000\n"),
            rt_runtime_us: text("-1\n"),
            rt_period_us: text("1000000\n"),
        };
        let process = ProcessFacts {
            kernel_release: Ok("6.1.0-rt-amd64".into()),
            kernel_version: Ok("#1 SMP PREEMPT_RT Debian 6.1.115-1".into()),
            allowed: Ok(vec![0, 1, 2, 3]),
            rtprio: Ok(Rlimit {
                soft: Some(0),
                hard: Some(0),
            }),
            memlock: Ok(Rlimit {
                soft: Some(65536),
                hard: Some(65536),
            }),
            euid: 1000,
            timer_slack_ns: Ok(1),
        };
        (files, process)
    }

    #[test]
    fn a_well_set_up_host_is_all_ok() {
        let (files, process) = rt_lab_host();
        let checks = evaluate(&files, &process, &[2, 3]);
        let names: Vec<&str> = checks.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, CHECK_NAMES);
        for check in &checks {
            assert_eq!(check.status, CheckStatus::Ok, "{check:?}");
        }
    }

    #[test]
    fn a_default_desktop_warns_where_expected() {
        let (mut files, mut process) = rt_lab_host();
        files.realtime_flag = Err("absent".into());
        files.isolated = Ok("\n".into());
        files.cmdline = Ok("ro quiet".into());
        files.nohz_full = Ok("(null)\n".into());
        files.governors = vec![(0, Ok("powersave\n".into()))];
        files.siblings = vec![(0, Ok("0,4\n".into()))];
        files.proc_status = Ok("CapEff:\t0000000000000000\n".into());
        files.rt_runtime_us = Ok("950000\n".into());
        process.kernel_version = Ok("#1 SMP PREEMPT_DYNAMIC".into());
        process.timer_slack_ns = Ok(50_000);
        let checks = evaluate(&files, &process, &[0]);
        let warned: Vec<&str> = checks
            .iter()
            .filter(|c| !c.is_ok())
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(
            warned,
            [
                "kernel_preemption",
                "isolcpus",
                "nohz_full",
                "smt_siblings",
                "cpu_governor",
                "rt_throttling",
                "rlimit_rtprio",
                "rlimit_memlock",
                "cap_sys_nice",
                "cap_ipc_lock",
                "timer_slack"
            ]
        );
        assert!(checks.iter().all(|c| c.is_ok() == c.fix.is_none()));
    }

    #[test]
    fn unreadable_host_never_panics() {
        let gone = || Err::<String, String>("cannot read".into());
        let files = FileFacts {
            realtime_flag: gone(),
            kernel_config: gone(),
            debug_preempt: gone(),
            cmdline: gone(),
            isolated: gone(),
            nohz_full: gone(),
            cpu_sysfs_present: false,
            online: gone(),
            governors: vec![(0, gone())],
            siblings: vec![(0, gone())],
            proc_status: gone(),
            rt_runtime_us: gone(),
            rt_period_us: gone(),
        };
        let process = ProcessFacts {
            kernel_release: Err("x".into()),
            kernel_version: Err("x".into()),
            allowed: Err("x".into()),
            rtprio: Err("x".into()),
            memlock: Err("x".into()),
            euid: 0,
            timer_slack_ns: Err("x".into()),
        };
        let checks = evaluate(&files, &process, &[0]);
        assert_eq!(checks.len(), CHECK_NAMES.len());
        for check in checks {
            assert!(
                !check.is_ok()
                    || check.detail.contains("unknown")
                    || check.detail.contains("no cpufreq"),
                "{check:?}"
            );
        }
    }

    #[test]
    fn isolation_falls_back_to_the_command_line() {
        let (mut files, process) = rt_lab_host();
        files.isolated = Err("absent".into());
        files.cmdline = Ok("ro isolcpus=domain,managed_irq,1-2".into());
        let checks = evaluate(&files, &process, &[2, 3]);
        let iso = checks.iter().find(|c| c.name == "isolcpus");
        assert!(
            iso.is_some_and(|c| c.detail.contains("CPUs 3 not isolated")),
            "{iso:?}"
        );
    }

    #[test]
    fn reads_a_fake_sysfs_tree() {
        let root =
            std::env::temp_dir().join(format!("gridhil-rt-fake-root-{}", std::process::id()));
        let files: [(&str, &str); 8] = [
            ("sys/kernel/realtime", "1\n"),
            ("sys/devices/system/cpu/online", "0-3\n"),
            ("sys/devices/system/cpu/isolated", "2-3\n"),
            ("sys/devices/system/cpu/nohz_full", "2-3\n"),
            (
                "sys/devices/system/cpu/cpu2/cpufreq/scaling_governor",
                "powersave\n",
            ),
            (
                "sys/devices/system/cpu/cpu2/topology/thread_siblings_list",
                "2,3\n",
            ),
            ("proc/sys/kernel/sched_rt_runtime_us", "950000\n"),
            ("boot/config-6.1.0-rt", "CONFIG_PREEMPT_RT=y\n"),
        ];
        for (path, text) in files {
            let full = root.join(path);
            if let Some(dir) = full.parent() {
                std::fs::create_dir_all(dir).unwrap();
            }
            std::fs::write(full, text).unwrap();
        }
        let facts = FileFacts::gather(&root, &[2], Some("6.1.0-rt"));
        std::fs::remove_dir_all(&root).unwrap();
        assert_eq!(facts.isolated.as_deref(), Ok("2-3\n"));
        assert_eq!(facts.kernel_config.as_deref(), Ok("CONFIG_PREEMPT_RT=y\n"));
        assert!(facts
            .cmdline
            .as_ref()
            .is_err_and(|e| e.contains("/proc/cmdline")));
        let (_, process) = rt_lab_host();
        let checks = evaluate(&facts, &process, &[2]);
        let status = |name: &str| {
            checks
                .iter()
                .find(|c| c.name == name)
                .map(|c| c.status.clone())
        };
        assert_eq!(status("kernel_preemption"), Some(CheckStatus::Ok));
        assert_eq!(status("isolcpus"), Some(CheckStatus::Ok));
        assert_eq!(status("cpu_governor"), Some(CheckStatus::Warn));
        assert_eq!(status("smt_siblings"), Some(CheckStatus::Ok));
        assert_eq!(status("rt_throttling"), Some(CheckStatus::Warn));
    }
}
