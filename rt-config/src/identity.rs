//! Which host a run is on: its name and kernel, as stored in the run log.

/// The host's name and kernel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostIdentity {
    /// Host name (`/proc/sys/kernel/hostname`).
    pub hostname: String,
    /// Kernel release and version (`/proc/sys/kernel/osrelease`, `version`).
    pub kernel: String,
}

/// Reads the host's name and kernel; what cannot be read is left empty.
pub fn host_identity() -> HostIdentity {
    let read = |p: &str| {
        std::fs::read_to_string(p)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    HostIdentity {
        hostname: read("/proc/sys/kernel/hostname"),
        kernel: format!(
            "{} {}",
            read("/proc/sys/kernel/osrelease"),
            read("/proc/sys/kernel/version")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kernel_release_is_known_on_linux() {
        let host = host_identity();
        assert!(!host.kernel.trim().is_empty());
    }
}
