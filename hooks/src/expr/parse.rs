//! The expression grammar: a tokenizer and a recursive-descent parser to an [`Ast`] whose
//! nodes remember their column. Names are not resolved here (see `compile.rs`).
//!
//! ```text
//! expr       = additive [ ("<" | "<=" | ">" | ">=" | "==" | "!=") additive ]
//! additive   = term { ("+" | "-") term }
//! term       = unary { ("*" | "/") unary }
//! unary      = "-" unary | power
//! power      = primary [ "^" unary ]            (right-associative: 2^3^2 = 2^9)
//! primary    = number | name | name "(" [ expr { "," expr } ] ")" | "(" expr ")"
//! ```

use super::ExprError;

/// Deepest nesting the parser follows (deeper input is an error, not a stack overflow).
const MAX_DEPTH: usize = 64;

/// Longest expression taken (in characters): bounds the depth of left-leaning chains such
/// as `a+a+a+…`, which the compiler walks recursively.
pub const MAX_LENGTH: usize = 4096;

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `^`
    Pow,
    /// `<` (1 when true, 0 when false, as every comparison)
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
    /// `!=`
    Ne,
}

/// Functions an expression may call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    /// `abs(x)`
    Abs,
    /// `sqrt(x)`
    Sqrt,
    /// `sin(x)` (radians)
    Sin,
    /// `cos(x)` (radians)
    Cos,
    /// `tan(x)` (radians)
    Tan,
    /// `exp(x)`
    Exp,
    /// `ln(x)`
    Ln,
    /// `floor(x)`
    Floor,
    /// `round(x)` (half away from zero)
    Round,
    /// `atan2(y, x)`
    Atan2,
    /// `min(a, b)`
    Min,
    /// `max(a, b)`
    Max,
    /// `hypot(a, b)`
    Hypot,
    /// `clamp(x, lo, hi)`
    Clamp,
}

impl Function {
    /// The function called `name`, with its number of arguments.
    pub fn by_name(name: &str) -> Option<(Function, usize)> {
        Some(match name {
            "abs" => (Function::Abs, 1),
            "sqrt" => (Function::Sqrt, 1),
            "sin" => (Function::Sin, 1),
            "cos" => (Function::Cos, 1),
            "tan" => (Function::Tan, 1),
            "exp" => (Function::Exp, 1),
            "ln" => (Function::Ln, 1),
            "floor" => (Function::Floor, 1),
            "round" => (Function::Round, 1),
            "atan2" => (Function::Atan2, 2),
            "min" => (Function::Min, 2),
            "max" => (Function::Max, 2),
            "hypot" => (Function::Hypot, 2),
            "clamp" => (Function::Clamp, 3),
            _ => return None,
        })
    }
}

/// A parsed expression; `column` is where each part starts (1-based).
#[derive(Debug, Clone, PartialEq)]
pub enum Ast {
    /// A number.
    Number(f64),
    /// A signal or constant name.
    Name {
        /// The name.
        name: String,
        /// Where it is.
        column: usize,
    },
    /// `-x`
    Neg(Box<Ast>),
    /// `a op b`
    Binary(BinaryOp, Box<Ast>, Box<Ast>),
    /// `f(args…)`
    Call {
        /// The function.
        function: Function,
        /// Its arguments.
        args: Vec<Ast>,
    },
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Number(f64),
    Name(String),
    Op(&'static str),
    Open,
    Close,
    Comma,
    End,
}

fn describe(token: &Token) -> String {
    match token {
        Token::Number(n) => format!("number {n}"),
        Token::Name(n) => format!("`{n}`"),
        Token::Op(op) => format!("`{op}`"),
        Token::Open => "`(`".into(),
        Token::Close => "`)`".into(),
        Token::Comma => "`,`".into(),
        Token::End => "the end".into(),
    }
}

fn tokenize(text: &str) -> Result<Vec<(Token, usize)>, ExprError> {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() > MAX_LENGTH {
        return Err(ExprError::new(
            MAX_LENGTH + 1,
            format!("longer than {MAX_LENGTH} characters"),
        ));
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
                let mut j = i + 1;
                if j < chars.len() && (chars[j] == '+' || chars[j] == '-') {
                    j += 1;
                }
                if j < chars.len() && chars[j].is_ascii_digit() {
                    i = j;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            let literal: String = chars[start..i].iter().collect();
            let value: f64 = literal
                .parse()
                .map_err(|_| ExprError::new(column, format!("`{literal}` is not a number")))?;
            out.push((Token::Number(value), column));
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
            out.push((Token::Name(chars[start..i].iter().collect()), column));
            continue;
        }
        let two: String = chars[i..chars.len().min(i + 2)].iter().collect();
        let op = match two.as_str() {
            "<=" => Some("<="),
            ">=" => Some(">="),
            "==" => Some("=="),
            "!=" => Some("!="),
            _ => None,
        };
        if let Some(op) = op {
            out.push((Token::Op(op), column));
            i += 2;
            continue;
        }
        let token = match c {
            '+' => Token::Op("+"),
            '-' => Token::Op("-"),
            '*' => Token::Op("*"),
            '/' => Token::Op("/"),
            '^' => Token::Op("^"),
            '<' => Token::Op("<"),
            '>' => Token::Op(">"),
            '(' => Token::Open,
            ')' => Token::Close,
            ',' => Token::Comma,
            '=' => {
                return Err(ExprError::new(
                    column,
                    "`=` is not an operator: compare with `==`",
                ))
            }
            other => {
                return Err(ExprError::new(
                    column,
                    format!("unexpected character `{other}`"),
                ))
            }
        };
        out.push((token, column));
        i += 1;
    }
    out.push((Token::End, chars.len() + 1));
    Ok(out)
}

struct Parser {
    tokens: Vec<(Token, usize)>,
    at: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> &Token {
        &self.tokens[self.at].0
    }
    fn column(&self) -> usize {
        self.tokens[self.at].1
    }
    fn next(&mut self) -> (Token, usize) {
        let token = self.tokens[self.at].clone();
        if self.at + 1 < self.tokens.len() {
            self.at += 1;
        }
        token
    }
    fn unexpected(&self, wanted: &str) -> ExprError {
        ExprError::new(
            self.column(),
            format!("expected {wanted}, found {}", describe(self.peek())),
        )
    }
    fn enter(&mut self) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ExprError::new(
                self.column(),
                format!("nested more than {MAX_DEPTH} deep"),
            ));
        }
        Ok(())
    }

    fn expr(&mut self) -> Result<Ast, ExprError> {
        self.enter()?;
        let left = self.additive()?;
        let op = match self.peek() {
            Token::Op("<") => Some(BinaryOp::Lt),
            Token::Op("<=") => Some(BinaryOp::Le),
            Token::Op(">") => Some(BinaryOp::Gt),
            Token::Op(">=") => Some(BinaryOp::Ge),
            Token::Op("==") => Some(BinaryOp::Eq),
            Token::Op("!=") => Some(BinaryOp::Ne),
            _ => None,
        };
        let result = match op {
            Some(op) => {
                self.next();
                let right = self.additive()?;
                if matches!(
                    self.peek(),
                    Token::Op("<" | "<=" | ">" | ">=" | "==" | "!=")
                ) {
                    return Err(ExprError::new(
                        self.column(),
                        "comparisons do not chain: use parentheses",
                    ));
                }
                Ast::Binary(op, Box::new(left), Box::new(right))
            }
            None => left,
        };
        self.depth -= 1;
        Ok(result)
    }

    fn additive(&mut self) -> Result<Ast, ExprError> {
        let mut left = self.term()?;
        loop {
            let op = match self.peek() {
                Token::Op("+") => BinaryOp::Add,
                Token::Op("-") => BinaryOp::Sub,
                _ => return Ok(left),
            };
            self.next();
            left = Ast::Binary(op, Box::new(left), Box::new(self.term()?));
        }
    }

    fn term(&mut self) -> Result<Ast, ExprError> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek() {
                Token::Op("*") => BinaryOp::Mul,
                Token::Op("/") => BinaryOp::Div,
                _ => return Ok(left),
            };
            self.next();
            left = Ast::Binary(op, Box::new(left), Box::new(self.unary()?));
        }
    }

    fn unary(&mut self) -> Result<Ast, ExprError> {
        if self.peek() == &Token::Op("-") {
            self.next();
            self.enter()?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Ast::Neg(Box::new(inner)));
        }
        if self.peek() == &Token::Op("+") {
            self.next();
            return self.unary();
        }
        self.power()
    }

    fn power(&mut self) -> Result<Ast, ExprError> {
        let base = self.primary()?;
        if self.peek() == &Token::Op("^") {
            self.next();
            self.enter()?;
            let exponent = self.unary()?;
            self.depth -= 1;
            return Ok(Ast::Binary(
                BinaryOp::Pow,
                Box::new(base),
                Box::new(exponent),
            ));
        }
        Ok(base)
    }

    fn primary(&mut self) -> Result<Ast, ExprError> {
        let (token, column) = self.next();
        match token {
            Token::Number(n) => Ok(Ast::Number(n)),
            Token::Open => {
                let inner = self.expr()?;
                match self.next() {
                    (Token::Close, _) => Ok(inner),
                    (other, col) => Err(ExprError::new(
                        col,
                        format!(
                            "expected `)` to close the `(` at column {column}, found {}",
                            describe(&other)
                        ),
                    )),
                }
            }
            Token::Name(name) if self.peek() == &Token::Open => {
                let (function, arity) = Function::by_name(&name).ok_or_else(|| {
                    ExprError::new(column, format!("unknown function `{name}` (known: abs, sqrt, sin, cos, tan, exp, ln, floor, round, atan2, min, max, hypot, clamp)"))
                })?;
                self.next();
                let mut args = Vec::new();
                if self.peek() != &Token::Close {
                    loop {
                        args.push(self.expr()?);
                        match self.peek() {
                            Token::Comma => {
                                self.next();
                            }
                            Token::Close => break,
                            _ => return Err(self.unexpected("`,` or `)`")),
                        }
                    }
                }
                self.next();
                if args.len() != arity {
                    return Err(ExprError::new(
                        column,
                        format!(
                            "`{name}` takes {arity} argument{}, not {}",
                            if arity == 1 { "" } else { "s" },
                            args.len()
                        ),
                    ));
                }
                Ok(Ast::Call { function, args })
            }
            Token::Name(name) => Ok(Ast::Name { name, column }),
            other => Err(ExprError::new(
                column,
                format!(
                    "expected a number, a name or `(`, found {}",
                    describe(&other)
                ),
            )),
        }
    }
}

/// Parses `text` into an [`Ast`].
pub fn parse(text: &str) -> Result<Ast, ExprError> {
    let mut parser = Parser {
        tokens: tokenize(text)?,
        at: 0,
        depth: 0,
    };
    let ast = parser.expr()?;
    if parser.peek() != &Token::End {
        return Err(parser.unexpected("an operator or the end"));
    }
    Ok(ast)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> (usize, String) {
        let e = parse(text).unwrap_err();
        (e.column, e.message)
    }

    #[test]
    fn errors_name_the_column() {
        assert_eq!(error("a + * b").0, 5);
        assert_eq!(error("(a + b").0, 7);
        assert!(error("(a + b").1.contains("column 1"));
        assert_eq!(error("a $ b"), (3, "unexpected character `$`".into()));
        assert_eq!(error("foo(1)").0, 1);
        assert_eq!(
            error("min(1)"),
            (1, "`min` takes 2 arguments, not 1".into())
        );
        assert_eq!(error("a < b < c").0, 7);
        assert_eq!(error("a b").0, 3);
        assert_eq!(error("").0, 1);
        assert_eq!(error("1.2.3").0, 1);
        assert_eq!(error("a = 1").0, 3);
        assert!(error(&"(".repeat(100)).1.contains("nested"));
        assert!(error(&"-".repeat(100)).1.contains("nested"));
    }

    #[test]
    fn precedence() {
        use Ast::*;
        let n = |x| Box::new(Number(x));
        assert_eq!(
            parse("-2^2").unwrap(),
            Neg(Box::new(Binary(BinaryOp::Pow, n(2.0), n(2.0))))
        );
        assert_eq!(
            parse("1 + 2 * 3").unwrap(),
            Binary(
                BinaryOp::Add,
                n(1.0),
                Box::new(Binary(BinaryOp::Mul, n(2.0), n(3.0)))
            )
        );
        assert_eq!(
            parse("2^-1").unwrap(),
            Binary(BinaryOp::Pow, n(2.0), Box::new(Neg(n(1.0))))
        );
    }
}
