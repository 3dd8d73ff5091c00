//! Reading the host: raw `/proc` and `/sys` file contents and system-call results,
//! kept unparsed so that [`crate::checks`] can be tested with fixed inputs.

use crate::checks::limits::Rlimit;
use crate::cpu_list::parse_cpu_list;
use crate::sys;
use std::path::{Path, PathBuf};

/// A file's text, or why it could not be read.
pub(crate) type FileText = Result<String, String>;

/// File contents under a root directory (`/` on a real host).
#[derive(Debug, Clone)]
pub(crate) struct FileFacts {
    /// `/sys/kernel/realtime`.
    pub realtime_flag: FileText,
    /// `/boot/config-<release>`.
    pub kernel_config: FileText,
    /// `/sys/kernel/debug/sched/preempt`.
    pub debug_preempt: FileText,
    /// `/proc/cmdline`.
    pub cmdline: FileText,
    /// `/sys/devices/system/cpu/isolated`.
    pub isolated: FileText,
    /// `/sys/devices/system/cpu/nohz_full`.
    pub nohz_full: FileText,
    /// Whether `/sys/devices/system/cpu` exists (tells "file absent" from "no sysfs").
    pub cpu_sysfs_present: bool,
    /// `/sys/devices/system/cpu/online`.
    pub online: FileText,
    /// `cpuN/cpufreq/scaling_governor` per inspected CPU.
    pub governors: Vec<(usize, FileText)>,
    /// `cpuN/topology/thread_siblings_list` per configured CPU.
    pub siblings: Vec<(usize, FileText)>,
    /// `/proc/self/status`.
    pub proc_status: FileText,
    /// `/proc/sys/kernel/sched_rt_runtime_us`.
    pub rt_runtime_us: FileText,
    /// `/proc/sys/kernel/sched_rt_period_us`.
    pub rt_period_us: FileText,
}

/// Facts about the calling process and thread, from system calls.
#[derive(Debug, Clone)]
pub(crate) struct ProcessFacts {
    /// `uname -r`, or why unknown.
    pub kernel_release: Result<String, String>,
    /// `uname -v`, or why unknown.
    pub kernel_version: Result<String, String>,
    /// The affinity mask of the calling thread.
    pub allowed: Result<Vec<usize>, String>,
    /// `RLIMIT_RTPRIO`.
    pub rtprio: Result<Rlimit, String>,
    /// `RLIMIT_MEMLOCK`.
    pub memlock: Result<Rlimit, String>,
    /// Effective user id.
    pub euid: u32,
    /// Timer slack of the calling thread.
    pub timer_slack_ns: Result<u64, String>,
}

impl ProcessFacts {
    /// Queries the kernel about the calling process and thread.
    pub(crate) fn gather() -> Self {
        let uname = sys::uname().map_err(|e| e.to_string());
        ProcessFacts {
            kernel_release: uname.clone().map(|(release, _)| release),
            kernel_version: uname.map(|(_, version)| version),
            allowed: sys::current_thread_affinity().map_err(|e| e.to_string()),
            rtprio: sys::getrlimit(sys::Resource::RtPrio).map_err(|e| e.to_string()),
            memlock: sys::getrlimit(sys::Resource::MemLock).map_err(|e| e.to_string()),
            euid: sys::geteuid(),
            timer_slack_ns: sys::current_timer_slack_ns().map_err(|e| e.to_string()),
        }
    }
}

/// Reads a file's text; the error names the file.
fn read(root: &Path, path: &str) -> FileText {
    let full = root.join(path.trim_start_matches('/'));
    std::fs::read_to_string(&full).map_err(|e| format!("cannot read {path}: {e}"))
}

fn cpu_dir(cpu: usize) -> String {
    format!("/sys/devices/system/cpu/cpu{cpu}")
}

impl FileFacts {
    /// Reads every file the checks need under `root`. `configured` are the CPUs the
    /// config pins threads to; `kernel_release` names the kernel config file.
    pub(crate) fn gather(root: &Path, configured: &[usize], kernel_release: Option<&str>) -> Self {
        let online = read(root, "/sys/devices/system/cpu/online");
        let inspected: Vec<usize> = if configured.is_empty() {
            online
                .as_ref()
                .ok()
                .and_then(|text| parse_cpu_list(text).ok())
                .unwrap_or_default()
        } else {
            configured.to_vec()
        };
        let kernel_config = match kernel_release {
            Some(release) => read(root, &format!("/boot/config-{release}")),
            None => Err("kernel release unknown".to_string()),
        };
        let cpu_sysfs: PathBuf = root.join("sys/devices/system/cpu");
        FileFacts {
            realtime_flag: read(root, "/sys/kernel/realtime"),
            kernel_config,
            debug_preempt: read(root, "/sys/kernel/debug/sched/preempt"),
            cmdline: read(root, "/proc/cmdline"),
            isolated: read(root, "/sys/devices/system/cpu/isolated"),
            nohz_full: read(root, "/sys/devices/system/cpu/nohz_full"),
            cpu_sysfs_present: cpu_sysfs.is_dir(),
            online,
            governors: inspected
                .iter()
                .map(|&cpu| {
                    let path = format!("{}/cpufreq/scaling_governor", cpu_dir(cpu));
                    (cpu, read(root, &path))
                })
                .collect(),
            siblings: configured
                .iter()
                .map(|&cpu| {
                    let path = format!("{}/topology/thread_siblings_list", cpu_dir(cpu));
                    (cpu, read(root, &path))
                })
                .collect(),
            proc_status: read(root, "/proc/self/status"),
            rt_runtime_us: read(root, "/proc/sys/kernel/sched_rt_runtime_us"),
            rt_period_us: read(root, "/proc/sys/kernel/sched_rt_period_us"),
        }
    }
}
