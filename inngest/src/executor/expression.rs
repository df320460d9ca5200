//! A small evaluator for the subset of CEL that trigger, wait, cancel and
//! concurrency key expressions use here: `event.`/`async.` paths, string, number, bool and null literals,
//! `==`, `!=`, `<`, `<=`, `>`, `>=`, `!`, `&&`, `||` and parentheses.
//!
//! Anything else is rejected when the expression is compiled, so a function
//! never silently matches the wrong events.

use serde_json::Value;

/// Why an expression was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the expression {expression:?} is not supported by the local executor: {reason}; \
     it supports `event.`/`async.` paths, literals, ==, !=, <, <=, >, >=, !, && and ||. \
     Rewrite it in that subset, or run the Inngest dev server (npx inngest-cli dev) for full CEL"
)]
pub struct ExpressionError {
    pub expression: String,
    pub reason: String,
}

/// A compiled expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Expression {
    root: Node,
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Literal(Value),
    Path(Vec<String>),
    Not(Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Compare(Box<Node>, Comparison, Box<Node>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Comparison {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Path(Vec<String>),
    Literal(Value),
    Op(&'static str),
    Open,
    Close,
}

impl Expression {
    /// Compiles `text`.
    ///
    /// # Errors
    /// [`ExpressionError`] naming the expression and the unsupported part.
    pub fn compile(text: &str) -> Result<Self, ExpressionError> {
        let fail = |reason: String| ExpressionError {
            expression: text.to_owned(),
            reason,
        };
        let tokens = tokenize(text).map_err(fail)?;
        let mut parser = Parser {
            tokens,
            position: 0,
        };
        let root = parser.or().map_err(fail)?;
        if parser.position != parser.tokens.len() {
            return Err(fail(format!(
                "unexpected {:?} after a complete expression",
                parser.tokens[parser.position]
            )));
        }
        Ok(Self { root })
    }

    /// Evaluates against `event` (the trigger) and `async` (a candidate
    /// event, `null` for triggers). A result that is not `true` is false.
    pub fn matches(&self, event: &Value, candidate: &Value) -> bool {
        self.evaluate(event, candidate) == Value::Bool(true)
    }

    /// Evaluates to a value, such as a concurrency key. A path that does not
    /// exist is `null`.
    pub fn evaluate(&self, event: &Value, candidate: &Value) -> Value {
        evaluate(&self.root, event, candidate)
    }
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut index = 0;
    while index < chars.len() {
        let c = chars[index];
        if c.is_whitespace() {
            index += 1;
            continue;
        }

        let two: String = chars[index..chars.len().min(index + 2)].iter().collect();
        if let Some(op) = ["==", "!=", "<=", ">=", "&&", "||"]
            .into_iter()
            .find(|op| *op == two)
        {
            tokens.push(Token::Op(op));
            index += 2;
            continue;
        }
        match c {
            '<' | '>' | '!' => {
                tokens.push(Token::Op(match c {
                    '<' => "<",
                    '>' => ">",
                    _ => "!",
                }));
                index += 1;
            }
            '(' => {
                tokens.push(Token::Open);
                index += 1;
            }
            ')' => {
                tokens.push(Token::Close);
                index += 1;
            }
            '\'' | '"' => {
                let (literal, next) = string_literal(&chars, index)?;
                tokens.push(Token::Literal(Value::String(literal)));
                index = next;
            }
            c if c.is_ascii_digit()
                || (c == '-' && chars.get(index + 1).is_some_and(char::is_ascii_digit)) =>
            {
                let start = index;
                index += 1;
                while index < chars.len() && (chars[index].is_ascii_digit() || chars[index] == '.')
                {
                    index += 1;
                }
                let number: String = chars[start..index].iter().collect();
                let value: serde_json::Number = number
                    .parse()
                    .map_err(|_| format!("{number:?} is not a number"))?;
                tokens.push(Token::Literal(Value::Number(value)));
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let start = index;
                while index < chars.len()
                    && (chars[index].is_ascii_alphanumeric() || matches!(chars[index], '_' | '.'))
                {
                    index += 1;
                }
                let word: String = chars[start..index].iter().collect();
                tokens.push(word_token(&word)?);
            }
            other => return Err(format!("the character {other:?} is not supported")),
        }
    }
    Ok(tokens)
}

fn string_literal(chars: &[char], start: usize) -> Result<(String, usize), String> {
    let quote = chars[start];
    let mut literal = String::new();
    let mut index = start + 1;
    while index < chars.len() {
        match chars[index] {
            '\\' if index + 1 < chars.len() => {
                literal.push(chars[index + 1]);
                index += 2;
            }
            c if c == quote => return Ok((literal, index + 1)),
            c => {
                literal.push(c);
                index += 1;
            }
        }
    }
    Err("a string literal is not closed".to_owned())
}

fn word_token(word: &str) -> Result<Token, String> {
    match word {
        "true" => return Ok(Token::Literal(Value::Bool(true))),
        "false" => return Ok(Token::Literal(Value::Bool(false))),
        "null" => return Ok(Token::Literal(Value::Null)),
        _ => {}
    }
    let segments: Vec<String> = word.split('.').map(str::to_owned).collect();
    let root_ok = matches!(segments[0].as_str(), "event" | "async");
    if !root_ok || segments.iter().any(String::is_empty) {
        return Err(format!("{word:?} is not a path under `event.` or `async.`"));
    }
    Ok(Token::Path(segments))
}

struct Parser {
    tokens: Vec<Token>,
    position: usize,
}

impl Parser {
    fn peek_op(&self, op: &str) -> bool {
        matches!(self.tokens.get(self.position), Some(Token::Op(found)) if *found == op)
    }

    fn or(&mut self) -> Result<Node, String> {
        let mut left = self.and()?;
        while self.peek_op("||") {
            self.position += 1;
            left = Node::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Node, String> {
        let mut left = self.comparison()?;
        while self.peek_op("&&") {
            self.position += 1;
            left = Node::And(Box::new(left), Box::new(self.comparison()?));
        }
        Ok(left)
    }

    fn comparison(&mut self) -> Result<Node, String> {
        let left = self.unary()?;
        let comparison = match self.tokens.get(self.position) {
            Some(Token::Op("==")) => Comparison::Eq,
            Some(Token::Op("!=")) => Comparison::Ne,
            Some(Token::Op("<")) => Comparison::Lt,
            Some(Token::Op("<=")) => Comparison::Le,
            Some(Token::Op(">")) => Comparison::Gt,
            Some(Token::Op(">=")) => Comparison::Ge,
            _ => return Ok(left),
        };
        self.position += 1;
        let right = self.unary()?;
        Ok(Node::Compare(Box::new(left), comparison, Box::new(right)))
    }

    fn unary(&mut self) -> Result<Node, String> {
        if self.peek_op("!") {
            self.position += 1;
            return Ok(Node::Not(Box::new(self.unary()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Node, String> {
        let token = self.tokens.get(self.position).cloned();
        self.position += 1;
        match token {
            Some(Token::Literal(value)) => Ok(Node::Literal(value)),
            Some(Token::Path(path)) => Ok(Node::Path(path)),
            Some(Token::Open) => {
                let inner = self.or()?;
                if self.tokens.get(self.position) != Some(&Token::Close) {
                    return Err("a parenthesis is not closed".to_owned());
                }
                self.position += 1;
                Ok(inner)
            }
            Some(other) => Err(format!("unexpected {other:?}")),
            None => Err("the expression ends too early".to_owned()),
        }
    }
}

fn evaluate(node: &Node, event: &Value, candidate: &Value) -> Value {
    match node {
        Node::Literal(value) => value.clone(),
        Node::Path(path) => {
            let root = if path[0] == "event" { event } else { candidate };
            let mut current = root;
            for segment in &path[1..] {
                match current.get(segment) {
                    Some(next) => current = next,
                    None => return Value::Null,
                }
            }
            current.clone()
        }
        Node::Not(inner) => Value::Bool(evaluate(inner, event, candidate) != Value::Bool(true)),
        Node::And(left, right) => Value::Bool(
            evaluate(left, event, candidate) == Value::Bool(true)
                && evaluate(right, event, candidate) == Value::Bool(true),
        ),
        Node::Or(left, right) => Value::Bool(
            evaluate(left, event, candidate) == Value::Bool(true)
                || evaluate(right, event, candidate) == Value::Bool(true),
        ),
        Node::Compare(left, comparison, right) => {
            let left = evaluate(left, event, candidate);
            let right = evaluate(right, event, candidate);
            Value::Bool(compare(&left, *comparison, &right))
        }
    }
}

/// Compares two values; numbers compare by value (`1 == 1.0`), and an
/// ordering between different types is false.
fn compare(left: &Value, comparison: Comparison, right: &Value) -> bool {
    let ordering = match (left, right) {
        (Value::Number(a), Value::Number(b)) => a
            .as_f64()
            .zip(b.as_f64())
            .and_then(|(a, b)| a.partial_cmp(&b)),
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
        (Value::Null, Value::Null) => Some(std::cmp::Ordering::Equal),
        _ => None,
    };
    match comparison {
        Comparison::Eq => ordering.map_or(left == right, std::cmp::Ordering::is_eq),
        Comparison::Ne => ordering.map_or(left != right, std::cmp::Ordering::is_ne),
        Comparison::Lt => ordering.is_some_and(std::cmp::Ordering::is_lt),
        Comparison::Le => ordering.is_some_and(std::cmp::Ordering::is_le),
        Comparison::Gt => ordering.is_some_and(std::cmp::Ordering::is_gt),
        Comparison::Ge => ordering.is_some_and(std::cmp::Ordering::is_ge),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(text: &str, event: Value, candidate: Value) -> bool {
        Expression::compile(text)
            .expect("expression compiles")
            .matches(&event, &candidate)
    }

    #[test]
    fn equality_with_quoted_literals() {
        let event = json!({"data": {"function_id": "app-fn"}});
        assert!(check(
            "event.data.function_id == 'app-fn'",
            event.clone(),
            Value::Null
        ));
        assert!(!check(
            "event.data.function_id == \"other\"",
            event,
            Value::Null
        ));
    }

    #[test]
    fn combines_paths_of_both_events() {
        let event = json!({"data": {"id": 7}});
        let candidate = json!({"data": {"id": 7.0, "resume": true}});
        let text = "async.data.resume == true && async.data.id == event.data.id";
        assert!(check(text, event.clone(), candidate));
        assert!(!check(
            text,
            event,
            json!({"data": {"id": 8, "resume": true}})
        ));
    }

    #[test]
    fn orderings_and_negation() {
        let event = json!({"data": {"n": 5, "s": "b"}});
        assert!(check(
            "event.data.n > 4 && event.data.n <= 5",
            event.clone(),
            Value::Null
        ));
        assert!(check(
            "!(event.data.s < 'a') || false",
            event.clone(),
            Value::Null
        ));
        assert!(!check("event.data.n > 'x'", event.clone(), Value::Null));
        assert!(check("event.data.missing == null", event, Value::Null));
    }

    #[test]
    fn evaluates_to_values() {
        let event = json!({"data": {"account_id": "acc_1", "n": 2}});
        let value = |text: &str| {
            Expression::compile(text)
                .expect("expression compiles")
                .evaluate(&event, &Value::Null)
        };
        assert_eq!(value("event.data.account_id"), json!("acc_1"));
        assert_eq!(value("event.data.n"), json!(2));
        assert_eq!(value("event.data.missing"), Value::Null);
        assert_eq!(value("'openai'"), json!("openai"));
    }

    #[test]
    fn rejects_outside_the_subset() {
        for text in [
            "size(event.data.x) > 1",
            "event.data.x in ['a']",
            "user.id == 1",
            "event.data.x ==",
            "'a",
        ] {
            let error = Expression::compile(text).expect_err(text);
            assert_eq!(error.expression, text);
            assert!(error.to_string().contains("dev server"), "{error}");
        }
    }
}
