//! Runs the real host checks on this machine.

use gridhil_rt::{check_host, render_text, CheckStatus, CHECK_NAMES};

const EXPECTED: [&str; 12] = [
    "kernel_preemption",
    "cpus_exist",
    "isolcpus",
    "nohz_full",
    "smt_siblings",
    "cpu_governor",
    "rt_throttling",
    "rlimit_rtprio",
    "rlimit_memlock",
    "cap_sys_nice",
    "cap_ipc_lock",
    "timer_slack",
];

#[test]
fn every_check_runs_on_this_host() {
    let checks = check_host(&[0]);
    let names: Vec<&str> = checks.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, EXPECTED);
    assert_eq!(CHECK_NAMES, EXPECTED);
    for check in &checks {
        assert!(!check.detail.is_empty(), "{check:?}");
        assert!(!check.detail.contains('\n'), "{check:?}");
        match check.status {
            CheckStatus::Ok => assert!(check.fix.is_none(), "{check:?}"),
            CheckStatus::Warn => {
                assert!(check
                    .fix
                    .as_ref()
                    .is_some_and(|f| !f.is_empty() && !f.contains('\n')))
            }
        }
    }
    println!("{}", render_text(&checks));
}

#[test]
fn checks_serialize_to_json() {
    let checks = check_host(&[0]);
    let json = serde_json::to_string(&checks).unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let items = value.as_array().unwrap();
    assert_eq!(items.len(), EXPECTED.len());
    for (item, name) in items.iter().zip(EXPECTED) {
        assert_eq!(item["name"], name);
        let status = item["status"].as_str().unwrap();
        assert!(status == "ok" || status == "warn", "{item}");
        assert!(item["detail"].is_string());
        assert_eq!(item["fix"].is_null(), status == "ok", "{item}");
    }
}

#[test]
fn no_configured_cpus_and_absent_cpus_do_not_panic() {
    assert_eq!(check_host(&[]).len(), EXPECTED.len());
    let checks = check_host(&[gridhil_rt::MAX_CPU_INDEX, usize::MAX]);
    let exist = checks.iter().find(|c| c.name == "cpus_exist").unwrap();
    assert_eq!(exist.status, CheckStatus::Warn);
}
