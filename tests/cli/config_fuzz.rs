//! The configuration loader never panics, whatever the input: mutations of the signal example and
//! random bytes go through `load_str` in-process.

use gridhil_engine::Registry;

fn registry() -> Registry {
    let mut registry = Registry::new();
    gridhil_engine::hooks::register(&mut registry);
    gridhil_nodes::register(&mut registry);
    registry
}

struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn loader_never_panics_on_mutated_configs() {
    let registry = registry();
    let base = include_str!("../../examples/signals.toml");
    let tokens: [&str; 12] = [
        "\"",
        "=",
        "[",
        "]",
        "{",
        "}",
        "\n",
        "0",
        "-1",
        "1e999",
        "\"1 Hz\"",
        "[[paths]]\n",
    ];
    let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
    let dir = std::env::temp_dir();
    let mut rejected = 0;
    for _ in 0..3000 {
        let mut text: Vec<u8> = base.as_bytes().to_vec();
        for _ in 0..(1 + rng.next() % 4) {
            let pos = (rng.next() as usize) % (text.len() + 1);
            match rng.next() % 3 {
                0 => {
                    let token = tokens[(rng.next() as usize) % tokens.len()];
                    text.splice(pos..pos, token.bytes());
                }
                1 => {
                    let end = (pos + (rng.next() % 20) as usize).min(text.len());
                    text.drain(pos..end);
                }
                _ => {
                    if pos < text.len() {
                        text[pos] = (rng.next() % 256) as u8;
                    }
                }
            }
        }
        let text = String::from_utf8_lossy(&text).into_owned();
        let result = std::panic::catch_unwind(|| {
            gridhil_engine::load_str(&text, "fuzz.toml", &dir, &[], &registry).is_err()
        });
        match result {
            Ok(true) => rejected += 1,
            Ok(false) => {}
            Err(_) => panic!("loader panicked on:\n{text}"),
        }
    }
    assert!(
        rejected > 100,
        "mutations should mostly be rejected ({rejected})"
    );
}
