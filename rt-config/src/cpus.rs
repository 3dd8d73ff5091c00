//! Which CPUs the host has online.

use crate::{parse_cpu_list, RtError};

const ONLINE_PATH: &str = "/sys/devices/system/cpu/online";

/// The online CPUs, from `/sys/devices/system/cpu/online`.
pub fn online_cpu_list() -> Result<Vec<usize>, RtError> {
    let text = std::fs::read_to_string(ONLINE_PATH).map_err(|error| RtError::Os {
        call: "read /sys/devices/system/cpu/online",
        error,
    })?;
    parse_cpu_list(&text)
}

/// Number of online CPUs (at least 1): the online list, else `sysconf(_SC_NPROCESSORS_ONLN)`.
pub fn online_cpus() -> usize {
    match online_cpu_list() {
        Ok(list) if !list.is_empty() => list.len(),
        _ => sysconf_online(),
    }
}

/// Whether CPU index `cpu` exists and is online.
pub fn cpu_exists(cpu: usize) -> bool {
    match online_cpu_list() {
        Ok(list) if !list.is_empty() => list.contains(&cpu),
        _ => cpu < sysconf_online(),
    }
}

fn sysconf_online() -> usize {
    // SAFETY: sysconf has no preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
    usize::try_from(n).unwrap_or(1).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_zero_exists_and_counts_agree() {
        let n = online_cpus();
        assert!(n >= 1);
        assert!(cpu_exists(0) || online_cpu_list().is_ok_and(|l| !l.contains(&0)));
        assert!(!cpu_exists(crate::MAX_CPU_INDEX + 1));
        if let Ok(list) = online_cpu_list() {
            assert_eq!(list.len(), n);
        }
    }
}
