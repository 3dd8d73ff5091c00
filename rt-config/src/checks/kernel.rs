//! Kernel preemption model: is this a PREEMPT_RT kernel?

use crate::Check;

/// Check name.
pub const NAME: &str = "kernel_preemption";

const FIX: &str = "boot a PREEMPT_RT kernel (Debian: linux-image-rt-amd64, Ubuntu: linux-realtime); \
                   on a PREEMPT_DYNAMIC kernel add preempt=full to the kernel command line meanwhile";

/// The kernel's preemption model, as far as the host reveals it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreemptModel {
    /// A PREEMPT_RT kernel; the string says how it was detected.
    Rt(&'static str),
    /// A PREEMPT_DYNAMIC kernel, with the current mode (`none`, `voluntary`, `full`,
    /// `lazy`) when `/sys/kernel/debug/sched/preempt` was readable.
    Dynamic(Option<String>),
    /// Full (low-latency desktop) preemption, not PREEMPT_RT.
    Full,
    /// No forced preemption (`PREEMPT_NONE` or `PREEMPT_VOLUNTARY`).
    NoneOrVoluntary,
    /// Nothing could be read.
    Unknown,
}

/// Preemption flags in a `uname -v` string (`"#1 SMP PREEMPT_DYNAMIC Debian ..."`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UnameFlags {
    /// `PREEMPT_RT` (or the older `PREEMPT RT` pair) is present.
    pub rt: bool,
    /// `PREEMPT_DYNAMIC` is present.
    pub dynamic: bool,
    /// Plain `PREEMPT` is present.
    pub preempt: bool,
}

/// Reads the preemption flags from a `uname -v` string.
pub fn parse_uname_flags(version: &str) -> UnameFlags {
    let tokens: Vec<&str> = version.split_whitespace().collect();
    let has = |t: &str| tokens.contains(&t);
    UnameFlags {
        rt: has("PREEMPT_RT") || (has("PREEMPT") && has("RT")),
        dynamic: has("PREEMPT_DYNAMIC"),
        preempt: has("PREEMPT"),
    }
}

/// Reads `CONFIG_PREEMPT_RT` from a kernel config (`/boot/config-<release>`):
/// `Some(true)` if set, `Some(false)` if explicitly unset or absent from a config that
/// has other `CONFIG_` lines, `None` for text that is no kernel config.
pub fn parse_config_preempt_rt(config: &str) -> Option<bool> {
    let mut is_config = false;
    for line in config.lines() {
        let line = line.trim();
        if line == "CONFIG_PREEMPT_RT=y" {
            return Some(true);
        }
        if line.starts_with("CONFIG_") || line.starts_with("# CONFIG_") {
            is_config = true;
        }
    }
    is_config.then_some(false)
}

/// Reads the current mode from `/sys/kernel/debug/sched/preempt`, which lists the modes
/// with the current one in parentheses: `"none voluntary (full) lazy"` → `full`.
pub fn parse_debug_preempt(text: &str) -> Option<String> {
    text.split_whitespace()
        .find_map(|t| t.strip_prefix('(').and_then(|t| t.strip_suffix(')')))
        .filter(|mode| !mode.is_empty())
        .map(str::to_string)
}

/// Whether `/sys/kernel/realtime` (present on PREEMPT_RT-patched kernels) says `1`.
pub fn parse_realtime_flag(text: &str) -> bool {
    text.trim() == "1"
}

/// Combines the sources, the most specific first: `/sys/kernel/realtime`, the kernel
/// config, `uname -v`, then the debugfs mode of a PREEMPT_DYNAMIC kernel.
pub fn classify(
    realtime_flag: Option<&str>,
    config_rt: Option<bool>,
    uname_version: Option<&str>,
    debug_preempt: Option<&str>,
) -> PreemptModel {
    if realtime_flag.is_some_and(parse_realtime_flag) {
        return PreemptModel::Rt("/sys/kernel/realtime");
    }
    if config_rt == Some(true) {
        return PreemptModel::Rt("CONFIG_PREEMPT_RT=y");
    }
    let flags = uname_version.map(parse_uname_flags);
    if flags.is_some_and(|f| f.rt) {
        return PreemptModel::Rt("uname -v");
    }
    match flags {
        Some(f) if f.dynamic => PreemptModel::Dynamic(debug_preempt.and_then(parse_debug_preempt)),
        Some(f) if f.preempt => PreemptModel::Full,
        Some(_) => PreemptModel::NoneOrVoluntary,
        None => PreemptModel::Unknown,
    }
}

/// The check: ok only on a PREEMPT_RT kernel.
pub fn check(model: &PreemptModel) -> Check {
    match model {
        PreemptModel::Rt(source) => Check::ok(NAME, format!("PREEMPT_RT (from {source})")),
        PreemptModel::Dynamic(Some(mode)) => Check::warn(
            NAME,
            format!("PREEMPT_DYNAMIC, current mode {mode}; not PREEMPT_RT"),
            FIX,
        ),
        PreemptModel::Dynamic(None) => Check::warn(
            NAME,
            "PREEMPT_DYNAMIC (mode unknown: /sys/kernel/debug/sched/preempt unreadable); not PREEMPT_RT",
            FIX,
        ),
        PreemptModel::Full => Check::warn(NAME, "PREEMPT (full preemption); not PREEMPT_RT", FIX),
        PreemptModel::NoneOrVoluntary => Check::warn(
            NAME,
            "no forced preemption (PREEMPT_NONE or PREEMPT_VOLUNTARY); not PREEMPT_RT",
            FIX,
        ),
        PreemptModel::Unknown => Check::warn(NAME, "unknown: cannot read the kernel version", FIX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uname_flags() {
        let f = parse_uname_flags("#1 SMP PREEMPT_RT Debian 6.1.115-1 (2024-11-01)");
        assert!(f.rt && !f.dynamic);
        let f = parse_uname_flags("#1 SMP PREEMPT_DYNAMIC Debian 6.1.115-1");
        assert!(!f.rt && f.dynamic && !f.preempt);
        let f = parse_uname_flags("#1 SMP PREEMPT Tue Jan 1");
        assert!(!f.rt && f.preempt);
        let f = parse_uname_flags("#1 SMP PREEMPT RT Tue Jan 1");
        assert!(f.rt);
        assert_eq!(parse_uname_flags("#1 SMP"), UnameFlags::default());
    }

    #[test]
    fn debug_preempt_mode() {
        assert_eq!(
            parse_debug_preempt("none voluntary (full) lazy\n").as_deref(),
            Some("full")
        );
        assert_eq!(
            parse_debug_preempt("(none) voluntary full").as_deref(),
            Some("none")
        );
        assert_eq!(parse_debug_preempt("none voluntary full"), None);
        assert_eq!(parse_debug_preempt("()"), None);
        assert_eq!(parse_debug_preempt(""), None);
    }

    #[test]
    fn kernel_config() {
        assert_eq!(
            parse_config_preempt_rt("CONFIG_X=y\nCONFIG_PREEMPT_RT=y\n"),
            Some(true)
        );
        assert_eq!(
            parse_config_preempt_rt("# CONFIG_PREEMPT_RT is not set\nCONFIG_PREEMPT_DYNAMIC=y"),
            Some(false)
        );
        assert_eq!(parse_config_preempt_rt("garbage"), None);
    }

    #[test]
    fn classification_prefers_specific_sources() {
        assert_eq!(
            classify(Some("1\n"), None, Some("#1 SMP PREEMPT_DYNAMIC"), None),
            PreemptModel::Rt("/sys/kernel/realtime")
        );
        assert_eq!(
            classify(None, Some(true), Some("#1 SMP PREEMPT_DYNAMIC"), None),
            PreemptModel::Rt("CONFIG_PREEMPT_RT=y")
        );
        assert_eq!(
            classify(None, None, Some("#1 SMP PREEMPT_RT"), None),
            PreemptModel::Rt("uname -v")
        );
        assert_eq!(
            classify(
                None,
                Some(false),
                Some("#1 SMP PREEMPT_DYNAMIC"),
                Some("none (voluntary) full")
            ),
            PreemptModel::Dynamic(Some("voluntary".into()))
        );
        assert_eq!(
            classify(None, None, Some("#1 SMP PREEMPT"), None),
            PreemptModel::Full
        );
        assert_eq!(
            classify(Some("0"), None, Some("#1 SMP"), None),
            PreemptModel::NoneOrVoluntary
        );
        assert_eq!(classify(None, None, None, None), PreemptModel::Unknown);
    }

    #[test]
    fn only_rt_is_ok() {
        assert!(check(&PreemptModel::Rt("uname -v")).is_ok());
        for model in [
            PreemptModel::Dynamic(Some("full".into())),
            PreemptModel::Dynamic(None),
            PreemptModel::Full,
            PreemptModel::NoneOrVoluntary,
            PreemptModel::Unknown,
        ] {
            let c = check(&model);
            assert!(!c.is_ok());
            assert!(c.fix.is_some());
            assert_eq!(c.name, NAME);
        }
        assert!(check(&PreemptModel::Dynamic(Some("full".into())))
            .detail
            .contains("current mode full"));
    }
}
