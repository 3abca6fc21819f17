//! The span tree: a recognizer over the lexer's tokens that mirrors promql-parser's AST shape,
//! giving every node its span and the spans of its parts; and the first token where the input
//! stops being PromQL, for syntax errors.

use crate::lexer::{Tok, Token};
use promaudit_diagnostics::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Number,
    String,
    Selector,
    Matrix,
    Subquery,
    Call,
    Aggregate,
    Binary,
    Unary,
    Paren,
}

/// A label list clause: `by (a, b)`, `on (x)`, `group_left (y)`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Clause {
    /// From the keyword to the closing parenthesis.
    pub span: Span,
    pub labels: Vec<(String, Span)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatcherSpan {
    pub name: Span,
    pub op: Span,
    pub value: Span,
    pub whole: Span,
}

/// The spans of one node and of the parts rules point at.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeSpans {
    pub node: Span,
    /// Metric name, function name, or aggregation operator.
    pub name: Option<Span>,
    pub matchers: Vec<MatcherSpan>,
    /// `[5m]` of a range selector, `[1h:5m]` of a subquery.
    pub range: Option<Span>,
    pub offset: Option<Span>,
    pub at: Option<Span>,
    /// Binary operator token.
    pub op: Option<Span>,
    pub bool_modifier: Option<Span>,
    /// `by`/`without` of an aggregation, `on`/`ignoring` of a binary operation.
    pub grouping: Option<Clause>,
    /// `group_left`/`group_right`.
    pub group_modifier: Option<Clause>,
}

impl NodeSpans {
    pub fn whole(span: Span) -> Self {
        NodeSpans { node: span, ..Default::default() }
    }
}

#[derive(Clone, Debug)]
pub struct SpanNode {
    pub kind: Kind,
    pub spans: NodeSpans,
    pub children: Vec<SpanNode>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub span: Span,
    /// A related position, such as the unclosed parenthesis.
    pub related: Option<Span>,
}

const AGGREGATIONS: &[&str] = &["sum", "avg", "count", "min", "max", "group", "stddev", "stdvar", "topk", "bottomk", "count_values", "quantile", "limitk", "limit_ratio"];

pub fn recognize(text: &str, tokens: &[Token]) -> Result<SpanNode, SyntaxError> {
    let mut parser = Recognizer { text, tokens, pos: 0 };
    let node = parser.expr(0)?;
    let next = parser.peek();
    if next.kind != Tok::Eof {
        let what = parser.describe(next);
        let message = if next.kind == Tok::RParen { "unexpected `)`: no matching `(`".to_string() } else { format!("unexpected {what} after a complete expression; is an operator missing?") };
        return Err(SyntaxError { message, span: next.span, related: None });
    }
    Ok(node)
}

struct Recognizer<'a> {
    text: &'a str,
    tokens: &'a [Token],
    pos: usize,
}

/// Binary operators: precedence (higher binds tighter) and right-associativity.
fn binary_precedence(text: &str, token: &Token) -> Option<(u8, bool)> {
    match token.kind {
        Tok::Pow => Some((6, true)),
        Tok::MulDiv => Some((5, false)),
        Tok::Plus | Tok::Minus => Some((4, false)),
        Tok::Comparison => Some((3, false)),
        Tok::Ident if token.is_keyword(text, "atan2") => Some((5, false)),
        Tok::Ident if token.is_keyword(text, "and") || token.is_keyword(text, "unless") => Some((2, false)),
        Tok::Ident if token.is_keyword(text, "or") => Some((1, false)),
        _ => None,
    }
}

impl<'a> Recognizer<'a> {
    fn peek(&self) -> Token {
        self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn peek_at(&self, ahead: usize) -> Token {
        self.tokens[(self.pos + ahead).min(self.tokens.len() - 1)]
    }

    fn bump(&mut self) -> Token {
        let token = self.peek();
        if token.kind != Tok::Eof {
            self.pos += 1;
        }
        token
    }

    fn word(&self, token: Token) -> &'a str {
        &self.text[token.span.start..token.span.end]
    }

    fn is_word(&self, token: Token, word: &str) -> bool {
        token.is_keyword(self.text, word)
    }

    fn describe(&self, token: Token) -> String {
        match token.kind {
            Tok::Eof => "end of input".into(),
            Tok::String => "string".into(),
            _ => format!("`{}`", self.word(token)),
        }
    }

    fn fail<T>(&self, token: Token, expected: &str) -> Result<T, SyntaxError> {
        let message = match token.kind {
            Tok::Eof => format!("unexpected end of input, expected {expected}"),
            _ => format!("unexpected {}, expected {expected}", self.describe(token)),
        };
        Err(SyntaxError { message, span: token.span, related: None })
    }

    fn expect(&mut self, kind: Tok, expected: &str) -> Result<Token, SyntaxError> {
        let token = self.peek();
        if token.kind == kind {
            Ok(self.bump())
        } else {
            self.fail(token, expected)
        }
    }

    fn expr(&mut self, min_precedence: u8) -> Result<SpanNode, SyntaxError> {
        let mut lhs = self.unary()?;
        loop {
            let token = self.peek();
            let Some((precedence, right_assoc)) = binary_precedence(self.text, &token) else { break };
            if precedence < min_precedence {
                break;
            }
            self.bump();
            let mut spans = NodeSpans { op: Some(token.span), ..Default::default() };
            if self.is_word(self.peek(), "bool") {
                spans.bool_modifier = Some(self.bump().span);
            }
            let keyword = self.peek();
            if self.is_word(keyword, "on") || self.is_word(keyword, "ignoring") {
                self.bump();
                spans.grouping = Some(self.label_list(keyword.span.start)?);
            }
            let keyword = self.peek();
            if self.is_word(keyword, "group_left") || self.is_word(keyword, "group_right") {
                self.bump();
                let clause = if self.peek().kind == Tok::LParen { self.label_list(keyword.span.start)? } else { Clause { span: keyword.span, labels: Vec::new() } };
                spans.group_modifier = Some(clause);
            }
            // Fill modifiers: `fill(0)`, `fill_left(1)`, `fill_right(2)`.
            while ["fill", "fill_left", "fill_right"].iter().any(|w| self.is_word(self.peek(), w)) && self.peek_at(1).kind == Tok::LParen {
                self.bump();
                self.bump();
                if self.peek().kind == Tok::Minus {
                    self.bump();
                }
                self.expect(Tok::Number, "a fill value")?;
                self.expect(Tok::RParen, "`)` after the fill value")?;
            }
            let next_min = if right_assoc { precedence } else { precedence + 1 };
            if self.peek().kind == Tok::Eof {
                return Err(SyntaxError { message: format!("unexpected end of input after `{}`, expected an expression", self.word(token)), span: self.peek().span, related: Some(token.span) });
            }
            let rhs = self.expr(next_min)?;
            spans.node = Span::new(lhs.spans.node.start, rhs.spans.node.end);
            lhs = SpanNode { kind: Kind::Binary, spans, children: vec![lhs, rhs] };
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> Result<SpanNode, SyntaxError> {
        let token = self.peek();
        if matches!(token.kind, Tok::Minus | Tok::Plus) {
            self.bump();
            // Unary operators bind tighter than everything but `^`.
            let operand = self.expr(6)?;
            let spans = NodeSpans { node: Span::new(token.span.start, operand.spans.node.end), op: Some(token.span), ..Default::default() };
            return Ok(SpanNode { kind: Kind::Unary, spans, children: vec![operand] });
        }
        let primary = self.primary()?;
        self.postfix(primary)
    }

    fn primary(&mut self) -> Result<SpanNode, SyntaxError> {
        let token = self.peek();
        match token.kind {
            Tok::Number | Tok::Duration => Ok(self.leaf(Kind::Number)),
            Tok::String => Ok(self.leaf(Kind::String)),
            Tok::LParen => {
                self.bump();
                if self.peek().kind == Tok::RParen {
                    return self.fail(self.peek(), "an expression inside `( )`");
                }
                let inner = self.expr(0)?;
                let close = self.peek();
                if close.kind != Tok::RParen {
                    let mut error = self.fail::<()>(close, "`)`").unwrap_err();
                    if close.kind == Tok::Eof {
                        error.message = "unclosed `(`: expected `)` before the end of input".into();
                    }
                    error.related = Some(token.span);
                    return Err(error);
                }
                self.bump();
                Ok(SpanNode { kind: Kind::Paren, spans: NodeSpans::whole(Span::new(token.span.start, close.span.end)), children: vec![inner] })
            }
            Tok::LBrace => self.selector(None),
            Tok::Ident => {
                let word = self.word(token);
                let next = self.peek_at(1);
                if AGGREGATIONS.iter().any(|a| token.is_keyword(self.text, a)) && (next.kind == Tok::LParen || self.is_word(next, "by") || self.is_word(next, "without")) {
                    return self.aggregate();
                }
                if next.kind == Tok::LParen {
                    return self.call();
                }
                if word.eq_ignore_ascii_case("inf") || word.eq_ignore_ascii_case("nan") {
                    return Ok(self.leaf(Kind::Number));
                }
                if binary_precedence(self.text, &token).is_some() || ["by", "without", "on", "ignoring", "bool", "offset", "group_left", "group_right"].iter().any(|k| token.is_keyword(self.text, k)) {
                    return self.fail(token, "an expression");
                }
                self.bump();
                self.selector(Some(token.span))
            }
            _ => self.fail(token, "an expression"),
        }
    }

    fn leaf(&mut self, kind: Kind) -> SpanNode {
        let token = self.bump();
        SpanNode { kind, spans: NodeSpans::whole(token.span), children: Vec::new() }
    }

    fn selector(&mut self, name: Option<Span>) -> Result<SpanNode, SyntaxError> {
        let mut spans = NodeSpans { name, ..Default::default() };
        let start = name.map_or(self.peek().span.start, |n| n.start);
        let mut end = name.map_or(start, |n| n.end);
        if self.peek().kind == Tok::LBrace {
            let open = self.bump();
            loop {
                let token = self.peek();
                if token.kind == Tok::RBrace {
                    break;
                }
                spans.matchers.push(self.matcher()?);
                let next = self.peek();
                if next.kind == Tok::Comma || self.is_word(next, "or") {
                    self.bump();
                } else if next.kind != Tok::RBrace {
                    let expected = if next.kind == Tok::Eof { "`}` to close the label matchers" } else { "`,` or `}` after a label matcher" };
                    let mut error = self.fail::<()>(next, expected).unwrap_err();
                    error.related = Some(open.span);
                    return Err(error);
                }
            }
            end = self.bump().span.end;
        }
        spans.node = Span::new(start, end);
        Ok(SpanNode { kind: Kind::Selector, spans, children: Vec::new() })
    }

    fn matcher(&mut self) -> Result<MatcherSpan, SyntaxError> {
        let name = self.peek();
        if !matches!(name.kind, Tok::Ident | Tok::String) {
            return self.fail(name, "a label name");
        }
        self.bump();
        let op = self.peek();
        let is_matching_operator = matches!(op.kind, Tok::Assign | Tok::RegexMatch) || op.kind == Tok::Comparison && self.word(op) == "!=";
        if !is_matching_operator {
            // `{"metric.name"}`: a quoted metric name alone.
            if name.kind == Tok::String && matches!(op.kind, Tok::Comma | Tok::RBrace) {
                return Ok(MatcherSpan { name: name.span, op: Span::empty(name.span.end), value: name.span, whole: name.span });
            }
            return self.fail(op, "a matching operator (`=`, `!=`, `=~` or `!~`)");
        }
        self.bump();
        let value = self.peek();
        if value.kind != Tok::String {
            return self.fail(value, &format!("a quoted label value after `{}`", self.word(op)));
        }
        self.bump();
        Ok(MatcherSpan { name: name.span, op: op.span, value: value.span, whole: Span::new(name.span.start, value.span.end) })
    }

    fn call(&mut self) -> Result<SpanNode, SyntaxError> {
        let name = self.bump();
        let open = self.bump();
        let mut children = Vec::new();
        if self.peek().kind != Tok::RParen {
            loop {
                children.push(self.expr(0)?);
                if self.peek().kind == Tok::Comma {
                    self.bump();
                    continue;
                }
                break;
            }
        }
        let close = self.close_paren(open, "after the function's arguments")?;
        let spans = NodeSpans { node: Span::new(name.span.start, close.span.end), name: Some(name.span), ..Default::default() };
        Ok(SpanNode { kind: Kind::Call, spans, children })
    }

    fn close_paren(&mut self, open: Token, context: &str) -> Result<Token, SyntaxError> {
        let close = self.peek();
        if close.kind == Tok::RParen {
            return Ok(self.bump());
        }
        let mut error = self.fail::<()>(close, &format!("`,` or `)` {context}")).unwrap_err();
        if close.kind == Tok::Eof {
            error.message = "unclosed `(`: expected `)` before the end of input".into();
        }
        error.related = Some(open.span);
        Err(error)
    }

    fn aggregate(&mut self) -> Result<SpanNode, SyntaxError> {
        let op = self.bump();
        let mut spans = NodeSpans { name: Some(op.span), ..Default::default() };
        if self.is_word(self.peek(), "by") || self.is_word(self.peek(), "without") {
            let keyword = self.bump();
            spans.grouping = Some(self.label_list(keyword.span.start)?);
        }
        let open = self.expect(Tok::LParen, "`(` after the aggregation")?;
        let mut children = vec![self.expr(0)?];
        if self.peek().kind == Tok::Comma {
            self.bump();
            children.push(self.expr(0)?);
        }
        let close = self.close_paren(open, "after the aggregation's argument")?;
        let mut end = close.span.end;
        if spans.grouping.is_none() && (self.is_word(self.peek(), "by") || self.is_word(self.peek(), "without")) {
            let keyword = self.bump();
            let clause = self.label_list(keyword.span.start)?;
            end = clause.span.end;
            spans.grouping = Some(clause);
        }
        spans.node = Span::new(op.span.start, end);
        Ok(SpanNode { kind: Kind::Aggregate, spans, children })
    }

    /// `( label, … )` after a keyword starting at `start`.
    fn label_list(&mut self, start: usize) -> Result<Clause, SyntaxError> {
        let open = self.expect(Tok::LParen, "`(` and a list of labels")?;
        let mut labels = Vec::new();
        loop {
            let token = self.peek();
            match token.kind {
                Tok::RParen => break,
                Tok::Ident | Tok::String => {
                    self.bump();
                    let name = self.word(token);
                    let name = if token.kind == Tok::String { name[1..name.len() - 1].to_string() } else { name.to_string() };
                    labels.push((name, token.span));
                    match self.peek().kind {
                        Tok::Comma => {
                            self.bump();
                        }
                        Tok::RParen => {}
                        _ => return self.fail(self.peek(), "`,` or `)` in the label list"),
                    }
                }
                Tok::Eof => {
                    let mut error = self.fail::<()>(token, "`)`").unwrap_err();
                    error.related = Some(open.span);
                    return Err(error);
                }
                _ => return self.fail(token, "a label name"),
            }
        }
        let close = self.bump();
        Ok(Clause { span: Span::new(start, close.span.end), labels })
    }

    /// Range selectors, subqueries, `offset` and `@` after an expression.
    fn postfix(&mut self, mut node: SpanNode) -> Result<SpanNode, SyntaxError> {
        loop {
            let token = self.peek();
            if token.kind == Tok::LBracket {
                self.bump();
                self.duration("a range duration such as `5m`")?;
                let kind = if self.peek().kind == Tok::Colon {
                    self.bump();
                    if self.peek().kind != Tok::RBracket {
                        self.duration("a subquery step such as `1m`")?;
                    }
                    Kind::Subquery
                } else {
                    Kind::Matrix
                };
                let close = self.expect(Tok::RBracket, "`]`")?;
                let range = Span::new(token.span.start, close.span.end);
                if kind == Kind::Matrix && node.kind == Kind::Selector {
                    node.kind = Kind::Matrix;
                    node.spans.range = Some(range);
                    node.spans.node.end = close.span.end;
                } else if kind == Kind::Matrix {
                    return Err(SyntaxError { message: "a range `[…]` can only follow a metric selector; use a subquery `[range:step]` for other expressions".into(), span: range, related: None });
                } else {
                    let spans = NodeSpans { node: Span::new(node.spans.node.start, close.span.end), range: Some(range), ..Default::default() };
                    node = SpanNode { kind: Kind::Subquery, spans, children: vec![node] };
                }
                // Extended range selectors: `[5m] anchored`.
                continue;
            }
            if self.is_word(token, "offset") {
                self.bump();
                if self.peek().kind == Tok::Minus {
                    self.bump();
                }
                let duration = self.duration("a duration after `offset`")?;
                node.spans.offset = Some(Span::new(token.span.start, duration.end));
                node.spans.node.end = duration.end;
                continue;
            }
            if token.kind == Tok::At {
                self.bump();
                let value = self.peek();
                let end = if self.is_word(value, "start") || self.is_word(value, "end") {
                    self.bump();
                    self.expect(Tok::LParen, "`(`")?;
                    self.expect(Tok::RParen, "`)`")?.span.end
                } else {
                    if value.kind == Tok::Minus {
                        self.bump();
                    }
                    self.expect(Tok::Number, "a timestamp, `start()` or `end()` after `@`")?.span.end
                };
                node.spans.at = Some(Span::new(token.span.start, end));
                node.spans.node.end = end;
                continue;
            }
            return Ok(node);
        }
    }

    fn duration(&mut self, expected: &str) -> Result<Span, SyntaxError> {
        let token = self.peek();
        if matches!(token.kind, Tok::Duration | Tok::Number) {
            return Ok(self.bump().span);
        }
        self.fail(token, expected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexer::lex;

    fn error(text: &str) -> (String, String) {
        let error = recognize(text, &lex(text).unwrap()).unwrap_err();
        (error.message, text[error.span.start..error.span.end].to_string())
    }

    #[test]
    fn errors_point_at_the_failing_token() {
        assert_eq!(error("foo{status=}"), ("unexpected `}`, expected a quoted label value after `=`".into(), "}".into()));
        assert_eq!(error("sum(rate(x[5m])").0, "unclosed `(`: expected `)` before the end of input");
        assert_eq!(error("test +"), ("unexpected end of input after `+`, expected an expression".into(), "".into()));
        assert_eq!(error("sum(x) by (le"), ("unexpected end of input, expected `,` or `)` in the label list".into(), "".into()));
        assert_eq!(error("a b"), ("unexpected `b` after a complete expression; is an operator missing?".into(), "b".into()));
    }

    #[test]
    fn spans_of_parts() {
        let text = "sum by (le) (rate(x{a=\"b\"}[5m])) / on(job) group_left(team) y offset 1h";
        let root = recognize(text, &lex(text).unwrap()).unwrap();
        let part = |s: Span| &text[s.start..s.end];
        assert_eq!(root.kind, Kind::Binary);
        assert_eq!(part(root.spans.grouping.clone().unwrap().span), "on(job)");
        assert_eq!(part(root.spans.group_modifier.clone().unwrap().labels[0].1), "team");
        let sum = &root.children[0];
        assert_eq!(part(sum.spans.grouping.clone().unwrap().span), "by (le)");
        let rate = &sum.children[0];
        assert_eq!(part(rate.spans.name.unwrap()), "rate");
        let matrix = &rate.children[0];
        assert_eq!(matrix.kind, Kind::Matrix);
        assert_eq!(part(matrix.spans.matchers[0].value), "\"b\"");
        assert_eq!(part(matrix.spans.range.unwrap()), "[5m]");
        assert_eq!(part(root.children[1].spans.node), "y offset 1h");
    }
}
