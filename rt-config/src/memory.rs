//! Locking the process's memory so real-time threads never page-fault to disk.

use crate::RtError;

/// Locks all current and future pages of the process (`mlockall(MCL_CURRENT|MCL_FUTURE)`).
///
/// Fails with the errno text (e.g. `Operation not permitted` or `Cannot allocate memory`)
/// without `CAP_IPC_LOCK` or a large enough `RLIMIT_MEMLOCK`; the process keeps running
/// unlocked.
pub fn lock_memory() -> Result<(), RtError> {
    // SAFETY: mlockall takes only flags.
    let rc = unsafe { libc::mlockall(libc::MCL_CURRENT | libc::MCL_FUTURE) };
    if rc == 0 {
        Ok(())
    } else {
        Err(RtError::last_os_error("mlockall"))
    }
}

/// Undoes [`lock_memory`] (`munlockall`).
pub fn unlock_memory() -> Result<(), RtError> {
    // SAFETY: munlockall takes no arguments.
    let rc = unsafe { libc::munlockall() };
    if rc == 0 {
        Ok(())
    } else {
        Err(RtError::last_os_error("munlockall"))
    }
}
