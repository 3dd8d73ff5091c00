//! mlockall in its own test process, so that locking cannot affect other tests.

#[test]
fn lock_memory_succeeds_or_reports_errno() {
    match gridhil_rt::lock_memory() {
        Ok(()) => gridhil_rt::unlock_memory().unwrap(),
        Err(err) => {
            let text = err.to_string();
            assert!(text.starts_with("mlockall failed: "), "{text}");
            assert!(text.contains("os error"), "{text}");
        }
    }
}
