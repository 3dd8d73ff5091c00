//! Fuzz target: the `expr` hook's expression language. Any text either compiles or gives
//! an error with a column inside the text (or just past its end); a compiled program
//! evaluates without panicking over any values.
#![no_main]

use gridhil_hooks::expr::Program;
use gridhil_sample::signal::Value;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let names = ["a", "b", "bus2.ia", "e"];
    match Program::compile(text, &names) {
        Ok(program) => {
            assert!(program.depth() <= gridhil_hooks::expr::MAX_STACK);
            let values = [Value::F64(1.5), Value::F64(f64::NAN), Value::I64(-3), Value::Bool(true)];
            let _ = program.eval(&values);
            let _ = program.eval(&[]);
        }
        Err(error) => assert!(error.column >= 1 && error.column <= text.chars().count() + 1),
    }
});
