//! Bad input is reported with file:line before the run (an unknown signal, a window outside
//! the run, a golden file with other signals, an unknown node in the timeline), a run that
//! breaks is an error rather than a pass, and the other scenarios still run.

use crate::support::{gridhil_test, repo, text};
use std::path::Path;

fn scenario(dir: &Path, name: &str, body: &str) {
    let config = repo("scenarios/configs/feeder-voltvar.toml");
    let text = format!(
        "[scenario]\nconfig = \"{}\"\nduration = \"300ms\"\n{body}",
        config.display()
    );
    std::fs::write(dir.join(name), text).unwrap();
}

const BAND: &str = "\n[[assert]]\nkind = \"band\"\nsignal = \"mv7.vrms_a\"\nmin = 0\n";

#[test]
fn bad_scenarios_are_errors_with_file_and_line_and_the_others_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    scenario(d, "a-good.toml", BAND);
    scenario(
        d,
        "b-unknown-signal.toml",
        &BAND.replace("mv7.vrms_a", "mv7.vrms_x"),
    );
    scenario(
        d,
        "c-window.toml",
        &format!("{BAND}window = [\"100ms\", \"2s\"]\n"),
    );
    scenario(
        d,
        "d-timeline.toml",
        "\n[[timeline]]\nat = \"100ms\"\naction = \"stop-node\"\nnode = \"ctrl\"\n",
    );
    // A run that breaks when it is built: its CSV recorder cannot create its file.
    let broken = d.join("broken.toml");
    std::fs::write(
        &broken,
        "[nodes.gen]\ntype = \"signal\"\nrate = \"1kHz\"\nvalues = 1\n\n[nodes.rec]\ntype = \"file\"\nout = \"/nonexistent/dir/x.csv\"\n\n[[paths]]\nin = [\"gen\"]\nout = [\"rec\"]\n",
    )
    .unwrap();
    std::fs::write(
        d.join("e-broken-run.toml"),
        "[scenario]\nconfig = \"broken.toml\"\nduration = \"100ms\"\n\n[[assert]]\nkind = \"no-problems\"\n",
    )
    .unwrap();
    let output = gridhil_test(&[
        d.to_str().unwrap(),
        "--log-dir",
        d.join("logs").to_str().unwrap(),
    ]);
    let out = text(&output);
    assert_eq!(output.status.code(), Some(2), "errors exit with 2: {out}");
    assert!(out.contains("PASS  a-good"), "{out}");
    let file = |name: &str| d.join(name).display().to_string();
    assert!(
        out.contains(&format!(
            "{}:7: no logged path has a signal `mv7.vrms_x` (logged: feeder: mv7.vrms_a,",
            file("b-unknown-signal.toml")
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "{}:9: window [100ms, 2s] is outside the run (0 .. 0.3 s)",
            file("c-window.toml")
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "{}:5: timeline: no node `ctrl`",
            file("d-timeline.toml")
        )),
        "{out}"
    );
    assert!(out.contains("ERROR e-broken-run"), "{out}");
    assert!(out.contains("x.csv"), "the broken run's reason: {out}");
    assert!(
        out.contains("5 scenarios: 1 passed, 0 failed, 4 errors"),
        "{out}"
    );
}

#[test]
fn a_golden_file_with_other_signals_is_an_error_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let golden =
        "\n[golden]\nfile = \"ref.h5\"\nsignals = [{ signal = \"mv4.vrms_a\", abs = 1.0 }]\n";
    // The reference is written from a run that logs other signals of the grid.
    let narrow = format!(
        "set = ['nodes.grid.outputs=[\"mv7.vrms_a\", \"pv7.q\"]']\n{}",
        golden.replace("mv4.vrms_a", "mv7.vrms_a")
    );
    scenario(d, "write.toml", &narrow);
    let output = gridhil_test(&[
        d.join("write.toml").to_str().unwrap(),
        "--update-golden",
        "--log-dir",
        d.join("logs").to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(d.join("ref.h5").exists());
    scenario(d, "compare.toml", golden);
    let output = gridhil_test(&[
        d.join("compare.toml").to_str().unwrap(),
        "--log-dir",
        d.join("logs").to_str().unwrap(),
    ]);
    let out = text(&output);
    assert_eq!(output.status.code(), Some(2), "{out}");
    assert!(
        out.contains(&format!(
            "{}:7: golden file {} has no signal `mv4.vrms_a` in path `feeder` (it has: ",
            d.join("compare.toml").display(),
            d.join("ref.h5").display()
        )),
        "{out}"
    );
    assert!(out.contains("feeder: mv7.vrms_a, pv7.q"), "{out}");
    // A golden file that is not there says how to write it.
    std::fs::remove_file(d.join("ref.h5")).unwrap();
    let out = text(&gridhil_test(&[d.join("compare.toml").to_str().unwrap()]));
    assert!(
        out.contains("does not exist (write it with `gridhil test --update-golden`)"),
        "{out}"
    );
}
