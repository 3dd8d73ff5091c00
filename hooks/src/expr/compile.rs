//! From an [`Ast`] to a postfix [`Program`] with names resolved to signal positions, and
//! its evaluation over a fixed stack (no allocation, no recursion).

use super::parse::{parse, Ast, BinaryOp, Function};
use super::ExprError;
use gridhil_engine::signal::Value;

/// Stack slots a program may use; deeper expressions are refused at load time.
pub const MAX_STACK: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Const(f64),
    Load(usize),
    Neg,
    Binary(BinaryOp),
    Call(Function),
}

/// A compiled expression: postfix operations over signal positions.
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    ops: Vec<Op>,
    depth: usize,
}

impl Program {
    /// Parses `text` and resolves its names: a signal of `signals` (by position), or the
    /// constants `pi` and `e` when no signal has that name.
    pub fn compile(text: &str, signals: &[&str]) -> Result<Program, ExprError> {
        let ast = parse(text)?;
        let mut ops = Vec::new();
        emit(&ast, signals, &mut ops)?;
        let mut depth = 0usize;
        let mut deepest = 0usize;
        for op in &ops {
            let (pops, pushes) = match op {
                Op::Const(_) | Op::Load(_) => (0, 1),
                Op::Neg => (1, 1),
                Op::Binary(_) => (2, 1),
                Op::Call(f) => (Function::arity(*f), 1),
            };
            depth = depth - pops + pushes;
            deepest = deepest.max(depth);
        }
        if deepest > MAX_STACK {
            return Err(ExprError::new(1, format!("needs {deepest} stack slots, more than {MAX_STACK}: split it into several outputs")));
        }
        Ok(Program {
            ops,
            depth: deepest,
        })
    }

    /// Stack slots the program needs.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Positions of the signals the program reads.
    pub fn reads(&self) -> impl Iterator<Item = usize> + '_ {
        self.ops.iter().filter_map(|op| match op {
            Op::Load(i) => Some(*i),
            _ => None,
        })
    }

    /// Evaluates the program over `values` (a missing value reads as NaN).
    pub fn eval(&self, values: &[Value]) -> f64 {
        let mut stack = [0.0f64; MAX_STACK];
        let mut top = 0usize;
        for op in &self.ops {
            match *op {
                Op::Const(c) => {
                    stack[top] = c;
                    top += 1;
                }
                Op::Load(i) => {
                    stack[top] = values.get(i).map_or(f64::NAN, |v| v.as_f64());
                    top += 1;
                }
                Op::Neg => stack[top - 1] = -stack[top - 1],
                Op::Binary(op) => {
                    let (a, b) = (stack[top - 2], stack[top - 1]);
                    top -= 1;
                    stack[top - 1] = binary(op, a, b);
                }
                Op::Call(f) => {
                    let n = f.arity();
                    let args = &stack[top - n..top];
                    let result = call(f, args);
                    top -= n;
                    stack[top] = result;
                    top += 1;
                }
            }
        }
        if top == 0 {
            f64::NAN
        } else {
            stack[top - 1]
        }
    }
}

impl Function {
    /// Number of arguments.
    pub fn arity(self) -> usize {
        match self {
            Function::Atan2 | Function::Min | Function::Max | Function::Hypot => 2,
            Function::Clamp => 3,
            _ => 1,
        }
    }
}

fn truth(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}

fn binary(op: BinaryOp, a: f64, b: f64) -> f64 {
    match op {
        BinaryOp::Add => a + b,
        BinaryOp::Sub => a - b,
        BinaryOp::Mul => a * b,
        BinaryOp::Div => a / b,
        BinaryOp::Pow => a.powf(b),
        BinaryOp::Lt => truth(a < b),
        BinaryOp::Le => truth(a <= b),
        BinaryOp::Gt => truth(a > b),
        BinaryOp::Ge => truth(a >= b),
        BinaryOp::Eq => truth(a == b),
        BinaryOp::Ne => truth(a != b),
    }
}

fn call(f: Function, args: &[f64]) -> f64 {
    let x = args[0];
    match f {
        Function::Abs => x.abs(),
        Function::Sqrt => x.sqrt(),
        Function::Sin => x.sin(),
        Function::Cos => x.cos(),
        Function::Tan => x.tan(),
        Function::Exp => x.exp(),
        Function::Ln => x.ln(),
        Function::Floor => x.floor(),
        Function::Round => x.round(),
        Function::Atan2 => x.atan2(args[1]),
        Function::Min => x.min(args[1]),
        Function::Max => x.max(args[1]),
        Function::Hypot => x.hypot(args[1]),
        // Not `f64::clamp`, which panics when lo > hi or either is NaN.
        Function::Clamp => x.max(args[1]).min(args[2]),
    }
}

fn emit(ast: &Ast, signals: &[&str], ops: &mut Vec<Op>) -> Result<(), ExprError> {
    match ast {
        Ast::Number(n) => ops.push(Op::Const(*n)),
        Ast::Name { name, column } => match signals.iter().position(|s| s == name) {
            Some(i) => ops.push(Op::Load(i)),
            None => match name.as_str() {
                "pi" => ops.push(Op::Const(std::f64::consts::PI)),
                "e" => ops.push(Op::Const(std::f64::consts::E)),
                _ => {
                    return Err(ExprError::new(
                        *column,
                        format!("no signal `{name}` (signals here: {})", signals.join(", ")),
                    ))
                }
            },
        },
        Ast::Neg(inner) => {
            emit(inner, signals, ops)?;
            ops.push(Op::Neg);
        }
        Ast::Binary(op, a, b) => {
            emit(a, signals, ops)?;
            emit(b, signals, ops)?;
            ops.push(Op::Binary(*op));
        }
        Ast::Call { function, args } => {
            for arg in args {
                emit(arg, signals, ops)?;
            }
            ops.push(Op::Call(*function));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(text: &str, values: &[f64]) -> f64 {
        let names = ["a", "b", "c", "bus2.ia"];
        let values: Vec<Value> = values.iter().map(|v| Value::F64(*v)).collect();
        Program::compile(text, &names).unwrap().eval(&values)
    }

    #[test]
    fn evaluates_like_rust() {
        let (a, b, c) = (1.5f64, -2.25f64, 4.0f64);
        let v = [a, b, c, 10.0];
        let cases: [(&str, f64); 16] = [
            ("a + b * c", a + b * c),
            ("(a + b) * c", (a + b) * c),
            ("-a^2", -(a.powi(2))),
            ("2^3^2", 2f64.powf(9.0)),
            ("a / b - c", a / b - c),
            ("abs(b) + sqrt(c)", b.abs() + c.sqrt()),
            ("sin(a) * cos(b)", a.sin() * b.cos()),
            ("atan2(b, a)", b.atan2(a)),
            ("min(a, b) + max(a, c)", a.min(b) + a.max(c)),
            ("clamp(c, a, 2)", 2.0),
            ("hypot(a, b)", a.hypot(b)),
            (
                "(a > b) + (a <= b) * 10 + (c == 4) * 100 + (c != 4) * 1000",
                101.0,
            ),
            (
                "2 * pi * e",
                2.0 * std::f64::consts::PI * std::f64::consts::E,
            ),
            ("bus2.ia / 1e1", 1.0),
            ("-(-a)", a),
            ("1.5e-3 * 2", 3e-3),
        ];
        for (text, want) in cases {
            let got = eval(text, &v);
            assert!(
                (got - want).abs() <= 1e-12 * want.abs().max(1.0),
                "{text}: {got} vs {want}"
            );
        }
    }

    #[test]
    fn names_are_checked_and_deep_programs_refused() {
        let e = Program::compile("a + zz", &["a"]).unwrap_err();
        assert_eq!(e.column, 5);
        assert!(e.message.contains("no signal `zz`"));
        // a+(a+(a+(…))) needs one slot per level.
        let mut text = String::from("a");
        for _ in 0..40 {
            text = format!("a+({text})");
        }
        assert!(Program::compile(&text, &["a"])
            .unwrap_err()
            .message
            .contains("stack slots"));
    }

    #[test]
    fn clamp_with_crossed_limits_does_not_panic() {
        assert!(eval("clamp(a, 5, 1)", &[3.0, 0.0, 0.0, 0.0]).is_finite());
    }

    /// The fuzz target's property over many generated texts (for machines without
    /// cargo-fuzz): compile or fail with a column inside the text, never panic.
    #[test]
    fn random_texts_compile_or_fail_cleanly() {
        let pieces = [
            "a", "b", "bus2.ia", "1", "2.5e3", ".5", "pi", "(", ")", ",", "+", "-", "*", "/", "^",
            "<", "<=", "==", "!=", ">", "min(", "clamp(", "sqrt(", "atan2(", " ", "$", "1e", "é",
            "=",
        ];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let names = ["a", "b", "bus2.ia"];
        let values = [Value::F64(1.0), Value::I64(2), Value::Bool(false)];
        let mut compiled = 0;
        for _ in 0..20_000 {
            let mut text = String::new();
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 12) as usize + 1;
            for _ in 0..len {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.push_str(pieces[(state % pieces.len() as u64) as usize]);
            }
            match Program::compile(&text, &names) {
                Ok(p) => {
                    compiled += 1;
                    let _ = p.eval(&values);
                }
                Err(e) => assert!(
                    e.column >= 1 && e.column <= text.chars().count() + 1,
                    "{text:?}: {e}"
                ),
            }
        }
        assert!(
            compiled > 100,
            "the generator makes valid expressions too ({compiled})"
        );
        let long = "a+".repeat(3000);
        assert!(Program::compile(&long, &names)
            .unwrap_err()
            .message
            .contains("longer"));
        let chain = format!("{}a", "a+".repeat(2000));
        assert_eq!(Program::compile(&chain, &names).unwrap().depth(), 2);
    }
}
