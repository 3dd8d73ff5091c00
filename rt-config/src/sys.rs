//! Thin, panic-free wrappers over the system calls this crate uses.

use crate::checks::limits::Rlimit;
use crate::RtError;

/// Largest CPU index a `cpu_set_t` can hold.
pub(crate) const CPU_SET_CAPACITY: usize = libc::CPU_SETSIZE as usize;

/// The resource limits the checks read.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Resource {
    /// `RLIMIT_RTPRIO`.
    RtPrio,
    /// `RLIMIT_MEMLOCK`.
    MemLock,
}

/// Reads a resource limit with `getrlimit`.
pub(crate) fn getrlimit(resource: Resource) -> Result<Rlimit, RtError> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid, writable rlimit for the duration of the call. (The
    // constant's type differs between C libraries, hence one call per arm.)
    let rc = unsafe {
        match resource {
            Resource::RtPrio => libc::getrlimit(libc::RLIMIT_RTPRIO, &mut limit),
            Resource::MemLock => libc::getrlimit(libc::RLIMIT_MEMLOCK, &mut limit),
        }
    };
    if rc != 0 {
        return Err(RtError::last_os_error("getrlimit"));
    }
    let finite = |v: libc::rlim_t| (v != libc::RLIM_INFINITY).then_some(v);
    Ok(Rlimit {
        soft: finite(limit.rlim_cur),
        hard: finite(limit.rlim_max),
    })
}

/// The effective user id.
pub(crate) fn geteuid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// The calling thread's timer slack in nanoseconds (`PR_GET_TIMERSLACK`).
pub fn current_timer_slack_ns() -> Result<u64, RtError> {
    // SAFETY: PR_GET_TIMERSLACK takes no pointer arguments.
    let rc = unsafe { libc::prctl(libc::PR_GET_TIMERSLACK, 0, 0, 0, 0) };
    u64::try_from(rc).map_err(|_| RtError::last_os_error("prctl(PR_GET_TIMERSLACK)"))
}

/// The kernel's `uname` fields: `(release, version)`, as `uname -r` and `uname -v` print them.
pub(crate) fn uname() -> Result<(String, String), RtError> {
    // SAFETY: utsname is plain old data; all-zero bytes are a valid value.
    let mut name: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: `name` is a valid, writable utsname for the duration of the call.
    if unsafe { libc::uname(&mut name) } != 0 {
        return Err(RtError::last_os_error("uname"));
    }
    Ok((c_field(&name.release), c_field(&name.version)))
}

/// Text of a NUL-terminated `c_char` array field.
fn c_field(field: &[libc::c_char]) -> String {
    let bytes: Vec<u8> = field
        .iter()
        .take_while(|&&c| c != 0)
        .map(|c| {
            // c_char is i8 or u8 depending on the architecture.
            let [byte] = c.to_ne_bytes();
            byte
        })
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The CPUs the calling thread may run on (`sched_getaffinity`).
pub fn current_thread_affinity() -> Result<Vec<usize>, RtError> {
    // SAFETY: cpu_set_t is a plain bit array; all-zero bytes are the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is valid and writable and its size is passed along.
    let rc =
        unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) };
    if rc != 0 {
        return Err(RtError::last_os_error("sched_getaffinity"));
    }
    Ok((0..CPU_SET_CAPACITY)
        // SAFETY: every `cpu` is below CPU_SETSIZE, so the bit lies inside `set`.
        .filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, &set) })
        .collect())
}

/// Text of the `errno` value `code`, e.g. `"Operation not permitted (os error 1)"`.
pub(crate) fn errno_text(code: i32) -> String {
    std::io::Error::from_raw_os_error(code).to_string()
}

/// Text of the calling thread's current `errno`.
pub(crate) fn last_errno_text() -> String {
    std::io::Error::last_os_error().to_string()
}
