//! Applies real-time settings to spawned threads on this machine.

use gridhil_rt::{apply_to_current_thread, current_thread_affinity, ThreadRt};

/// The calling thread's CPU set, read with `sched_getaffinity` directly.
fn affinity_via_libc() -> Vec<usize> {
    // SAFETY: cpu_set_t is a plain bit array; all-zero bytes are the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is valid and writable and its size is passed along.
    let rc =
        unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) };
    assert_eq!(
        rc,
        0,
        "sched_getaffinity: {}",
        std::io::Error::last_os_error()
    );
    (0..libc::CPU_SETSIZE as usize)
        // SAFETY: every index is below CPU_SETSIZE.
        .filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, &set) })
        .collect()
}

#[test]
fn pins_a_thread_to_cpu_zero() {
    let allowed = affinity_via_libc();
    // CPU 0 unless this process is confined (cgroup cpuset, taskset) to other CPUs.
    let cpu = if allowed.contains(&0) {
        0
    } else {
        println!(
            "CPU 0 not in this process's set {allowed:?}; pinning to {}",
            allowed[0]
        );
        allowed[0]
    };
    let (outcome, after, via_crate) = std::thread::spawn(move || {
        let outcome = apply_to_current_thread(&ThreadRt {
            cpu: Some(cpu),
            ..ThreadRt::default()
        });
        (outcome, affinity_via_libc(), current_thread_affinity().ok())
    })
    .join()
    .unwrap();
    assert_eq!(outcome.pinned, Some(Ok(())), "{outcome:?}");
    assert!(outcome.all_ok());
    assert_eq!(after, vec![cpu]);
    assert_eq!(via_crate, Some(vec![cpu]));
    // The test's own thread is untouched.
    assert_eq!(affinity_via_libc(), allowed);
}

#[test]
fn fifo_succeeds_or_reports_why() {
    let (outcome, policy) = std::thread::spawn(|| {
        let outcome = apply_to_current_thread(&ThreadRt {
            fifo_priority: Some(10),
            timer_slack_ns: Some(1),
            ..ThreadRt::default()
        });
        // SAFETY: sched_getscheduler(0) queries the calling thread.
        let policy = unsafe { libc::sched_getscheduler(0) };
        (outcome, policy)
    })
    .join()
    .unwrap();
    println!("{outcome:?}");
    assert_eq!(outcome.timer_slack, Some(Ok(())));
    match &outcome.fifo {
        Some(Ok(())) => assert_eq!(policy, libc::SCHED_FIFO),
        Some(Err(reason)) => {
            assert!(reason.starts_with("SCHED_FIFO priority 10: "), "{reason}");
            assert_ne!(policy, libc::SCHED_FIFO);
            assert_eq!(outcome.failures(), vec![reason.clone()]);
        }
        None => panic!("FIFO was requested"),
    }
}
