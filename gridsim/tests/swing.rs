//! Swing-equation source: frequency response to a load step against the
//! analytic solution of the linear frequency dynamics.
//!
//! In per unit on the machine rating S: 2H·dΔω/dt = Pm − Pe − D·Δω and the
//! governor T_g·dPm/dt = Pset − Δω/R − Pm. An ideal (zero-impedance) swing
//! source feeding a resistive load sees Pe step by ΔP exactly when the load
//! steps, so Δω follows the linear system from rest.

mod common;

const DT: f64 = 50e-6;

fn model(governor_t: f64) -> String {
    format!(
        r#"
        [buses.b1]
        voltage = "400V"
        measure = ["freq"]
        [sources.gen]
        bus = "b1"
        voltage = "400V"
        swing = {{ s_rated = "1MVA", h = "5s", damping = 1.0, droop = 0.05, governor_t = {governor_t}, p_set = "100kW" }}
        [loads.ld]
        bus = "b1"
        p = "100kW"
        [[events]]
        at = "500ms"
        set = "ld.p"
        value = "200kW"
        "#
    )
}

/// Δf(t) in Hz for the first-order case (no governor lag).
fn first_order(t: f64) -> f64 {
    let (h, d, r, dp) = (5.0, 1.0, 0.05, 0.1);
    let k = d + 1.0 / r;
    -dp / k * (1.0 - (-t * k / (2.0 * h)).exp()) * 50.0
}

/// Δf(t) in Hz with governor lag (second order), from the matrix
/// exponential of the 2×2 system with complex eigenvalues α ± jβ:
/// e^{At} = e^{αt}[cos βt·I + sin βt/β·(A − αI)].
fn second_order(t: f64, tg: f64) -> f64 {
    let (h, d, r, dp) = (5.0, 1.0, 0.05, 0.1);
    let a = [
        [-d / (2.0 * h), 1.0 / (2.0 * h)],
        [-1.0 / (r * tg), -1.0 / tg],
    ];
    let w_ss = -dp / (d + 1.0 / r);
    let pm_ss = -w_ss / r;
    // y = x − x_ss starts at −x_ss.
    let y0 = [-w_ss, -pm_ss];
    let alpha = (a[0][0] + a[1][1]) / 2.0;
    let det = a[0][0] * a[1][1] - a[0][1] * a[1][0];
    let beta2 = det - alpha * alpha;
    assert!(beta2 > 0.0, "test expects complex eigenvalues");
    let beta = beta2.sqrt();
    let (c, s) = ((beta * t).cos(), (beta * t).sin() / beta);
    let y_w = (alpha * t).exp() * (c * y0[0] + s * ((a[0][0] - alpha) * y0[0] + a[0][1] * y0[1]));
    (w_ss + y_w) * 50.0
}

fn run(governor_t: f64) -> (Vec<f64>, Vec<f64>) {
    let mut sim = common::sim(&model(governor_t));
    let rows = common::record(&mut sim, &["gen.freq", "b1.freq"], 60_000);
    (rows[0].clone(), rows[1].clone())
}

#[test]
fn first_order_frequency_response() {
    let (f_src, f_bus) = run(0.0);
    let final_dev = first_order(100.0).abs();
    let mut worst: f64 = 0.0;
    let mut worst_pll: f64 = 0.0;
    for (k, (fs, fb)) in f_src.iter().zip(&f_bus).enumerate() {
        let t = (k + 1) as f64 * DT;
        let exact = if t < 0.5 { 0.0 } else { first_order(t - 0.5) };
        worst = worst.max((fs - 50.0 - exact).abs() / final_dev);
        if t > 0.2 {
            worst_pll = worst_pll.max((fb - 50.0 - exact).abs() / final_dev);
        }
    }
    println!("swing: final Δf {final_dev:.4} Hz, worst source error {worst:.2e}, bus PLL {worst_pll:.2e} (of Δf)");
    assert!(worst < 0.01, "source frequency error {worst}");
    // The bus PLL estimate follows within 3 % of the deviation.
    assert!(worst_pll < 0.03, "bus frequency estimate error {worst_pll}");
}

#[test]
fn second_order_frequency_response_with_governor_lag() {
    let tg = 0.5;
    let (f_src, _) = run(tg);
    let final_dev = first_order(100.0).abs();
    let mut worst: f64 = 0.0;
    let mut nadir: f64 = 0.0;
    for (k, fs) in f_src.iter().enumerate() {
        let t = (k + 1) as f64 * DT;
        let exact = if t < 0.5 {
            0.0
        } else {
            second_order(t - 0.5, tg)
        };
        worst = worst.max((fs - 50.0 - exact).abs() / final_dev);
        nadir = nadir.min(fs - 50.0);
    }
    println!("swing with governor: nadir {nadir:.4} Hz, worst error {worst:.2e} (of steady Δf {final_dev:.4})");
    assert!(nadir < -final_dev, "expected overshoot");
    assert!(worst < 0.01, "error {worst}");
}
