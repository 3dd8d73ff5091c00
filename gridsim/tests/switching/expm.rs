//! Dense matrix exponential for the closed-form references (small systems only).
//!
//! Scaling and squaring with a Taylor series: written here, independently of the
//! simulator's integration, so that the references share no code with it.

/// A small dense matrix, row-major.
pub type Mat = Vec<Vec<f64>>;

/// `a · b`.
pub fn mul(a: &Mat, b: &Mat) -> Mat {
    let n = a.len();
    let m = b[0].len();
    let mut c = vec![vec![0.0; m]; n];
    for i in 0..n {
        for k in 0..b.len() {
            let aik = a[i][k];
            for j in 0..m {
                c[i][j] += aik * b[k][j];
            }
        }
    }
    c
}

/// `a · x`.
pub fn mul_vec(a: &Mat, x: &[f64]) -> Vec<f64> {
    a.iter()
        .map(|row| row.iter().zip(x).map(|(a, x)| a * x).sum())
        .collect()
}

/// `exp(a·t)`.
pub fn expm(a: &Mat, t: f64) -> Mat {
    let n = a.len();
    let norm = a
        .iter()
        .map(|row| row.iter().map(|v| (v * t).abs()).sum::<f64>())
        .fold(0.0, f64::max);
    // Scale until the norm is below 1/2, sum the series, square back.
    let mut squarings = 0;
    while norm / f64::powi(2.0, squarings) > 0.5 {
        squarings += 1;
    }
    let scale = t / f64::powi(2.0, squarings);
    let b: Mat = a
        .iter()
        .map(|row| row.iter().map(|v| v * scale).collect())
        .collect();
    let mut sum: Mat = (0..n)
        .map(|i| (0..n).map(|j| f64::from(u8::from(i == j))).collect())
        .collect();
    let mut term = sum.clone();
    for k in 1..30 {
        term = mul(&term, &b);
        for row in term.iter_mut() {
            for v in row.iter_mut() {
                *v /= f64::from(k);
            }
        }
        for (s, t) in sum.iter_mut().zip(&term) {
            for (s, t) in s.iter_mut().zip(t) {
                *s += t;
            }
        }
    }
    for _ in 0..squarings {
        sum = mul(&sum, &sum);
    }
    sum
}

#[test]
fn expm_of_a_rotation_and_a_decay() {
    // exp([[0, -w], [w, 0]]·t) is the rotation by w·t; exp(-a·t) a decay.
    let w = 314.159_265_358_979_3;
    let r = expm(&vec![vec![0.0, -w], vec![w, 0.0]], 0.0123);
    let (s, c) = (w * 0.0123f64).sin_cos();
    assert!(
        (r[0][0] - c).abs() < 1e-13 && (r[1][0] - s).abs() < 1e-13,
        "{r:?}"
    );
    let d = expm(&vec![vec![-50.0]], 0.2);
    assert!((d[0][0] - (-10.0f64).exp()).abs() < 1e-16, "{d:?}");
}
