//! Expressions: names, operators, CASE, CAST, LIKE, IN lists, scalar functions, aggregates.

use super::*;
use crate::query::plan::AggCall;
use polars::lazy::dsl::{cov, max_horizontal, min_horizontal, pearson_corr};

impl Exprs<'_> {
    /// The column a name reads: qualified by a relation's qualifier, or the one column of
    /// that name in scope (exact case first).
    pub(super) fn lookup(&self, qualifier: Option<&str>, name: &str) -> Option<Column> {
        let rels = self
            .scope
            .iter()
            .filter(|r| qualifier.is_none_or(|q| r.qualifier == q));
        // a USING join's right key is read only qualified
        let columns = rels
            .flat_map(|r| r.columns.iter())
            .filter(|c| qualifier.is_some() || !c.using);
        let mut exact = columns.clone().filter(|c| c.name == name);
        if let Some(c) = exact.next() {
            return if exact.next().is_some() {
                None
            } else {
                Some(c.clone())
            };
        }
        let mut folded = columns.filter(|c| c.name.eq_ignore_ascii_case(name));
        let c = folded.next()?;
        if folded.next().is_some() {
            return None;
        }
        Some(c.clone())
    }

    /// The column a name reads; else why none: no column of that name in scope (with
    /// the names that are), or more than one.
    pub(super) fn column(&self, e: &SQLExpr) -> Bound<Column> {
        let (qualifier, name) = match e {
            SQLExpr::Identifier(i) => (None, &i.value),
            SQLExpr::CompoundIdentifier(p) if p.len() == 2 => {
                (Some(p[0].value.as_str()), &p[1].value)
            }
            _ => return unbound(format!("the name {e}")),
        };
        if let Some(c) = self.lookup(qualifier, name) {
            return Ok(c);
        }
        let rels = self
            .scope
            .iter()
            .filter(|r| qualifier.is_none_or(|q| r.qualifier == q));
        if let (Some(q), 0) = (qualifier, rels.clone().count()) {
            let named: Vec<&str> = self
                .scope
                .iter()
                .filter(|r| !r.qualifier.is_empty())
                .map(|r| r.qualifier.as_str())
                .collect();
            let reads = if named.is_empty() {
                String::new()
            } else {
                format!("; it reads {}", crate::query::names::quoted(&named, ", "))
            };
            return Err(Unbound::Invalid(format!(
                "`{q}` in `{e}` names no table of this query{reads}"
            )));
        }
        let holders: Vec<String> = rels
            .clone()
            .filter(|r| {
                r.columns
                    .iter()
                    .any(|c| (qualifier.is_some() || !c.using) && c.name.eq_ignore_ascii_case(name))
            })
            .map(|r| r.qualifier.clone())
            .collect();
        if !holders.is_empty() {
            return Err(Unbound::Ambiguous {
                name: e.to_string(),
                relations: holders,
            });
        }
        let mut valid: Vec<String> = vec![];
        for c in rels.flat_map(|r| &r.columns) {
            if !c.name.starts_with("__") && !valid.contains(&c.name) {
                valid.push(c.name.clone());
            }
        }
        Err(Unbound::Column {
            name: e.to_string(),
            valid,
        })
    }

    /// Bind without grouping (a key, a JOIN key).
    pub(super) fn bind_ref(&self, e: &SQLExpr) -> Bound<Expr> {
        Exprs {
            scope: self.scope,
            grouping: None,
        }
        .bind(e)
    }

    /// Bind an expression. In a grouped level, a subexpression equal to a key reads the
    /// key, an aggregate reads its result, and a column outside both is not bound.
    pub(super) fn bind(&mut self, e: &SQLExpr) -> Bound<Expr> {
        if let Some(g) = &self.grouping {
            if !has_aggregate(e) && !has_window(e) {
                let plain = self.bind_ref(e)?;
                if let Some(i) = g.keys.iter().position(|k| *k == plain) {
                    // a column key keeps its name (Polars groups by a column fastest)
                    return Ok(match &plain {
                        Expr::Column(c) => col(c.clone()),
                        _ => col(key_name(i)),
                    });
                }
                if matches!(e, SQLExpr::Identifier(_) | SQLExpr::CompoundIdentifier(_)) {
                    return unbound("a column neither grouped nor aggregated");
                }
                if is_literal(e) {
                    return Ok(plain);
                }
            }
        }
        match e {
            SQLExpr::Identifier(_) | SQLExpr::CompoundIdentifier(_) => {
                Ok(col(self.column(e)?.frame))
            }
            SQLExpr::Value(v) => literal(&v.value),
            SQLExpr::Nested(x) => self.bind(x),
            SQLExpr::BinaryOp { left, op, right } => self.binary(left, op, right),
            SQLExpr::UnaryOp { op, expr } => {
                if matches!(op, UnaryOperator::Plus | UnaryOperator::Minus) {
                    match literal_number(e) {
                        Some(Num::Int(i)) => return Ok(lit(i)),
                        Some(Num::Float(f)) => return Ok(lit(f)),
                        None => {}
                    }
                }
                let x = self.bind(expr)?;
                Ok(match op {
                    UnaryOperator::Plus => lit(0) + x,
                    UnaryOperator::Minus => lit(0) - x,
                    UnaryOperator::Not => {
                        let boolean_column = matches!(&x, Expr::Column(n)
                            if self.scope.iter().flat_map(|r| &r.columns)
                                .any(|c| c.frame == n.as_str() && c.dtype == DataType::Boolean));
                        if boolean_column {
                            x.not()
                        } else {
                            x.strict_cast(DataType::Boolean).not()
                        }
                    }
                    _ => return unbound("this unary operator"),
                })
            }
            SQLExpr::IsNull(x) => Ok(self.bind(x)?.is_null()),
            SQLExpr::IsNotNull(x) => Ok(self.bind(x)?.is_not_null()),
            SQLExpr::IsDistinctFrom(a, b) => {
                self.comparable(a, b)?;
                Ok(self.bind(a)?.neq_missing(self.bind(b)?))
            }
            SQLExpr::IsNotDistinctFrom(a, b) => {
                self.comparable(a, b)?;
                Ok(self.bind(a)?.eq_missing(self.bind(b)?))
            }
            // never NULL (NULL IS TRUE is false); a number is true when it is not 0
            SQLExpr::IsTrue(x) => Ok(self.truth(x)?.eq_missing(lit(true))),
            SQLExpr::IsFalse(x) => Ok(self.truth(x)?.eq_missing(lit(false))),
            SQLExpr::IsNotTrue(x) => Ok(self.truth(x)?.eq_missing(lit(true)).not()),
            SQLExpr::IsNotFalse(x) => Ok(self.truth(x)?.eq_missing(lit(false)).not()),
            SQLExpr::Between {
                expr,
                negated,
                low,
                high,
            } => {
                self.comparable(expr, low)?;
                self.comparable(expr, high)?;
                let x = self.bind(expr)?;
                let (lo, hi) = (self.bind(low)?, self.bind(high)?);
                Ok(if *negated {
                    x.clone().lt(lo).or(x.gt(hi))
                } else {
                    x.clone().gt_eq(lo).and(x.lt_eq(hi))
                })
            }
            SQLExpr::InList {
                expr,
                list,
                negated,
            } => self.in_list(expr, list, *negated),
            SQLExpr::Case {
                operand,
                conditions,
                else_result,
                ..
            } => self.case(operand.as_deref(), conditions, else_result.as_deref()),
            SQLExpr::Cast {
                kind,
                expr,
                data_type,
                format: None,
                ..
            } => self.cast(kind, expr, data_type),
            SQLExpr::Function(f) => self.function(f),
            SQLExpr::Ceil {
                expr,
                field: sqlparser::ast::CeilFloorKind::DateTimeField(DateTimeField::NoDateTime),
            } => Ok(self.bind(expr)?.ceil()),
            SQLExpr::Floor {
                expr,
                field: sqlparser::ast::CeilFloorKind::DateTimeField(DateTimeField::NoDateTime),
            } => Ok(self.bind(expr)?.floor()),
            SQLExpr::Trim {
                expr,
                trim_where,
                trim_what,
                trim_characters: None,
            } => self.trim(expr, trim_where.as_ref(), trim_what.as_deref()),
            SQLExpr::Substring {
                expr,
                substring_from: Some(from),
                substring_for,
                ..
            } => self.substring_from(expr, from, substring_for.as_deref()),
            SQLExpr::Like {
                negated,
                any: false,
                expr,
                pattern,
                escape_char: None,
            } => self.like(expr, pattern, *negated, false),
            SQLExpr::ILike {
                negated,
                any: false,
                expr,
                pattern,
                escape_char: None,
            } => self.like(expr, pattern, *negated, true),
            _ => self.other_form(e),
        }
    }

    /// EXTRACT, POSITION, typed literals (`DATE '…'`), and what the binder does not know
    /// (named by its text).
    fn other_form(&mut self, e: &SQLExpr) -> Bound<Expr> {
        match e {
            SQLExpr::Extract { field, expr, .. } => {
                super::functions::date_part(&field.to_string(), self.bind(expr)?)
            }
            SQLExpr::Position { expr: needle, r#in } => {
                let xs = [self.bind(r#in)?, self.bind(needle)?];
                match super::functions::scalar("STRPOS", &xs, &[Some(r#in), Some(needle)]) {
                    Some(r) => r,
                    None => unbound("POSITION of a needle that is not a literal"),
                }
            }
            SQLExpr::TypedString(t) => {
                let Some(text) = t.value.value.clone().into_string() else {
                    return unbound("this typed literal");
                };
                let opts = |f: &str| StrptimeOptions {
                    format: Some(f.into()),
                    strict: true,
                    ..Default::default()
                };
                match &t.data_type {
                    SQLType::Date => Ok(lit(text).str().to_date(opts("%Y-%m-%d"))),
                    SQLType::Timestamp(None, sqlparser::ast::TimezoneInfo::None) => {
                        Ok(lit(text).str().to_datetime(
                            Some(TimeUnit::Microseconds),
                            None,
                            StrptimeOptions {
                                strict: true,
                                ..Default::default()
                            },
                            lit("raise"),
                        ))
                    }
                    other => unbound(format!("a {other} literal")),
                }
            }
            _ => {
                // named by its text (the first words of a long one)
                let text = e.to_string();
                let short: String = text.chars().take(60).collect();
                let more = if short.len() < text.len() { "…" } else { "" };
                unbound(format!("the expression `{short}{more}`"))
            }
        }
    }

    /// `CASE [operand] WHEN … THEN … [ELSE …] END`, as a when/then chain.
    fn case(
        &mut self,
        operand: Option<&SQLExpr>,
        conditions: &[sqlparser::ast::CaseWhen],
        else_result: Option<&SQLExpr>,
    ) -> Bound<Expr> {
        if conditions.is_empty() {
            return unbound("CASE without WHEN");
        }
        let otherwise = match else_result {
            Some(x) => self.bind(x)?,
            None => Expr::Literal(LiteralValue::untyped_null()),
        };
        let mut pairs = vec![];
        for w in conditions {
            let cond = match operand {
                Some(op) => {
                    self.comparable(op, &w.condition)?;
                    self.bind(op)?.eq(self.bind(&w.condition)?)
                }
                None => self.bind(&w.condition)?,
            };
            pairs.push((cond, self.bind(&w.result)?));
        }
        let mut it = pairs.into_iter();
        let Some((c0, r0)) = it.next() else {
            return unbound("CASE without WHEN");
        };
        let first = when(c0).then(r0);
        let Some((c1, r1)) = it.next() else {
            return Ok(first.otherwise(otherwise));
        };
        let mut chain = first.when(c1).then(r1);
        for (c, r) in it {
            chain = chain.when(c).then(r);
        }
        Ok(chain.otherwise(otherwise))
    }

    /// `SUBSTRING(x FROM start [FOR length])`.
    fn substring_from(
        &mut self,
        expr: &SQLExpr,
        from: &SQLExpr,
        substring_for: Option<&SQLExpr>,
    ) -> Bound<Expr> {
        let x = self.text_arg(expr)?;
        let len = match substring_for {
            Some(l) => {
                let n = match literal_number(l) {
                    Some(Num::Int(n)) => Some(n),
                    Some(Num::Float(_)) => return unbound("SUBSTRING's length"),
                    None => None,
                };
                Some((self.bind(l)?, n))
            }
            None => None,
        };
        let start = match literal_number(from) {
            Some(Num::Int(n)) => Some(n),
            _ => None,
        };
        substring(x, start, len)
    }

    /// `CAST(x AS type)` (`TRY_CAST` gives NULL where polars-sql's cast fails); a number
    /// literal cast to DECIMAL is read exactly, never through a double.
    fn cast(&mut self, kind: &CastKind, expr: &SQLExpr, data_type: &SQLType) -> Bound<Expr> {
        let dt = sql_type(data_type)?;
        if let (DataType::Decimal(p, s), Some(text)) = (&dt, number_text(expr)) {
            if let Some(x) = decimal_lit(&text, *p, *s) {
                return Ok(x);
            }
        }
        // a number literal cast to DOUBLE: its text read as a double (correctly rounded;
        // through a wide DECIMAL it could land one step off)
        if let (DataType::Float64 | DataType::Float32, Some(text)) = (&dt, number_text(expr)) {
            if let Ok(f) = text.parse::<f64>() {
                return Ok(lit(f).cast(dt));
            }
        }
        let x = self.bind(expr)?;
        let text = x
            .clone()
            .to_field(&schema_of(self.scope))
            .is_ok_and(|f| f.dtype == DataType::String);
        if dt == DataType::Date && text {
            // text as a date: YYYY-MM-DD (an error otherwise; NULL for TRY_CAST)
            let strict = matches!(kind, CastKind::Cast | CastKind::DoubleColon);
            return Ok(x.str().to_date(StrptimeOptions {
                format: Some("%Y-%m-%d".into()),
                strict,
                ..Default::default()
            }));
        }
        // a number with decimals cast to an integer is rounded, as in SQL (Polars
        // truncates): a DOUBLE half to even, a DECIMAL — or a literal, which DuckDB reads
        // as one (`CAST(2.5 AS INTEGER)` is 3) — half away from zero
        let literal = number_text(expr).is_some();
        let x = if dt.is_integer() {
            match x.clone().to_field(&schema_of(self.scope)).map(|f| f.dtype) {
                Ok(d) if d.is_float() && !literal => x.round(0, RoundMode::HalfToEven),
                Ok(d) if d.is_float() => x.round(0, RoundMode::HalfAwayFromZero),
                Ok(d) if d.is_decimal() => x.round(0, RoundMode::HalfAwayFromZero),
                _ => x,
            }
        } else {
            x
        };
        Ok(match kind {
            CastKind::Cast | CastKind::DoubleColon => x.strict_cast(dt),
            CastKind::TryCast | CastKind::SafeCast => x.cast(dt),
        })
    }

    /// `TRIM([BOTH|LEADING|TRAILING] ['chars' FROM] x)`, as polars-sql: whitespace, or
    /// the characters of a text literal.
    fn trim(
        &mut self,
        e: &SQLExpr,
        side: Option<&sqlparser::ast::TrimWhereField>,
        what: Option<&SQLExpr>,
    ) -> Bound<Expr> {
        use sqlparser::ast::TrimWhereField as W;
        let chars = match what {
            None => Expr::Literal(LiteralValue::untyped_null()),
            Some(SQLExpr::Value(v)) => match &v.value {
                SQLValue::SingleQuotedString(t) => lit(t.clone()),
                _ => return unbound("TRIM of characters that are not text"),
            },
            Some(_) => return unbound("TRIM of characters that are not a literal"),
        };
        let x = self.text_arg(e)?.str();
        Ok(match side {
            None | Some(W::Both) => x.strip_chars(chars),
            Some(W::Leading) => x.strip_chars_start(chars),
            Some(W::Trailing) => x.strip_chars_end(chars),
        })
    }

    /// A comparison of a text literal with a column that is not text: polars-sql turns
    /// the text into a date or time first; that stays on the SQL path.
    /// A bound condition (WHERE, HAVING, an operand of AND/OR): a number is true when it
    /// is not 0, as in DuckDB and SQLite (`WHERE a < 2 AND 0`; Polars refused it, after a
    /// deprecation warning on the terminal).
    pub(super) fn as_condition(&self, x: Expr) -> Expr {
        match x.clone().to_field(&schema_of(self.scope)).map(|f| f.dtype) {
            Ok(d) if d.is_primitive_numeric() || d.is_decimal() => x.neq(lit(0)),
            _ => x,
        }
    }

    /// An argument read as text: a bare NULL is a NULL of text (Polars refused the
    /// untyped one in `SUBSTR(NULL, 1, 2)`, `TRIM(NULL)`).
    fn text_arg(&mut self, e: &SQLExpr) -> Bound<Expr> {
        let x = self.bind(e)?;
        Ok(match e {
            SQLExpr::Value(v) if v.value == SQLValue::Null => x.cast(DataType::String),
            _ => x,
        })
    }

    /// A scalar function's arguments, bound (`*` is no argument of one).
    fn bind_args(&mut self, args: &[Option<&SQLExpr>]) -> Bound<Vec<Expr>> {
        args.iter()
            .map(|a| match a {
                Some(e) => self.bind(e),
                None => unbound("* as an argument"),
            })
            .collect()
    }

    /// A condition, bound (see [`Self::as_condition`]).
    pub(super) fn condition(&mut self, e: &SQLExpr) -> Bound<Expr> {
        let x = self.bind(e)?;
        Ok(self.as_condition(x))
    }

    /// `x` as a truth value for IS [NOT] TRUE/FALSE: a boolean, or a number (not 0 is
    /// true); text is refused.
    fn truth(&mut self, x: &SQLExpr) -> Bound<Expr> {
        let e = self.bind(x)?;
        match e.clone().to_field(&schema_of(self.scope)).map(|f| f.dtype) {
            Ok(DataType::Boolean) | Ok(DataType::Null) => Ok(e),
            Ok(d) if d.is_primitive_numeric() || d.is_decimal() => Ok(e.neq(lit(0))),
            _ => unbound("IS TRUE / IS FALSE of a value that is not a boolean or a number"),
        }
    }

    /// A text literal compared with a value that is not text (a number, a date) is refused:
    /// Polars compared them as text. Beside text, or NULL, it compares.
    pub(super) fn comparable(&mut self, a: &SQLExpr, b: &SQLExpr) -> Bound<()> {
        let text = |e: &SQLExpr| matches!(e, SQLExpr::Value(v) if matches!(v.value, SQLValue::SingleQuotedString(_)));
        for (literal, other) in [(a, b), (b, a)] {
            if !text(literal) || text(other) {
                continue;
            }
            let x = self.bind(other)?;
            match x.to_field(&schema_of(self.scope)).map(|f| f.dtype) {
                Ok(DataType::String) | Ok(DataType::Null) => {}
                Err(_)
                    if matches!(
                        other,
                        SQLExpr::Identifier(_) | SQLExpr::CompoundIdentifier(_)
                    ) && self
                        .column(other)
                        .is_ok_and(|c| c.dtype == DataType::String) => {}
                _ => return unbound("a text literal compared with a value that is not text"),
            }
        }
        Ok(())
    }

    /// `x [NOT] [I]LIKE 'pattern'`, as polars-sql: a pattern without wildcards is an
    /// equality, else a regular expression.
    pub(super) fn like(
        &mut self,
        e: &SQLExpr,
        pattern: &SQLExpr,
        negated: bool,
        folded: bool,
    ) -> Bound<Expr> {
        let SQLExpr::Value(v) = pattern else {
            return unbound("a LIKE pattern that is not text");
        };
        let SQLValue::SingleQuotedString(pat) = &v.value else {
            return unbound("a LIKE pattern that is not text");
        };
        if pat.is_empty() || (!folded && !pat.contains(['%', '_'])) {
            let op = if negated {
                BinaryOperator::NotEq
            } else {
                BinaryOperator::Eq
            };
            return self.binary(e, &op, pattern);
        }
        let rx = regex::escape(pat).replace('%', ".*").replace('_', ".");
        let rx = format!("^{}{rx}$", if folded { "(?is)" } else { "(?s)" });
        let x = self.bind(e)?;
        // `NULL LIKE 'a%'` is NULL (Polars refused an untyped NULL: "expected String type")
        let x = if matches!(e, SQLExpr::Value(v) if v.value == SQLValue::Null) {
            x.cast(DataType::String)
        } else {
            x
        };
        let m = x.str().contains(lit(rx), true);
        Ok(if negated { m.not() } else { m })
    }

    pub(super) fn binary(&mut self, a: &SQLExpr, op: &BinaryOperator, b: &SQLExpr) -> Bound<Expr> {
        use BinaryOperator as B;
        if matches!(op, B::Eq | B::NotEq | B::Lt | B::LtEq | B::Gt | B::GtEq) {
            self.comparable(a, b)?;
        }
        let (mut l, mut r) = (self.bind(a)?, self.bind(b)?);
        // the input's columns and types, for every type decision below
        let schema = schema_of(self.scope);
        if matches!(
            op,
            B::Plus
                | B::Minus
                | B::Multiply
                | B::Modulo
                | B::Eq
                | B::NotEq
                | B::Lt
                | B::LtEq
                | B::Gt
                | B::GtEq
        ) {
            // money and a number with decimals: the number is an exact DECIMAL (as in
            // DuckDB), so `budget * 1.1` and `budget = 12.34` stay exact
            if let Some(x) = self.exact_beside(&l, b) {
                r = x;
            } else if let Some(x) = self.exact_beside(&r, a) {
                l = x;
            }
        }
        if matches!(op, B::Eq | B::NotEq | B::Lt | B::LtEq | B::Gt | B::GtEq) {
            // text against a boolean or a number: SQL reads the text as that type
            // (`true = '1'` is true in DuckDB); Polars compared them as text
            let dtype = |x: &Expr| x.clone().to_field(&schema).ok().map(|f| f.dtype);
            let (dl, dr) = (dtype(&l), dtype(&r));
            let other = |d: &Option<DataType>| {
                d.as_ref()
                    .is_some_and(|d| d.is_bool() || d.is_primitive_numeric() || d.is_decimal())
            };
            let text = |d: &Option<DataType>| d.as_ref().is_some_and(|d| d.is_string());
            if (text(&dl) && other(&dr)) || (other(&dl) && text(&dr)) {
                return unbound(
                    "a comparison of text with a boolean or a number (CAST one of them)",
                );
            }
        }
        if matches!(op, B::Plus | B::Minus | B::Multiply) {
            (l, r) = widened(l, r, matches!(op, B::Multiply), &schema);
        }
        if matches!(op, B::Minus) {
            // date − date: the days between, an integer (as in DuckDB; Polars gives a
            // duration)
            let date = |x: &Expr, e: &SQLExpr| {
                x.clone()
                    .to_field(&schema)
                    .is_ok_and(|f| f.dtype == DataType::Date)
                    || matches!(
                        e,
                        SQLExpr::Cast {
                            data_type: SQLType::Date,
                            ..
                        }
                    )
                    || matches!(e, SQLExpr::TypedString(t) if t.data_type == SQLType::Date)
            };
            if date(&l, a) && date(&r, b) {
                return Ok((l - r).dt().total_days(false).cast(DataType::Int64));
            }
        }
        if matches!(op, B::Plus | B::Minus | B::Multiply) {
            if let Some(out) = integer_result(&l, &r, op, &schema) {
                // integers computed in 128 bits and cast back strictly: past the type's
                // range the query stops (Polars wraps: 2^63 − 1 + 1 was −2^63)
                let (l, r) = (l.cast(DataType::Int128), r.cast(DataType::Int128));
                let x = match op {
                    B::Plus => l + r,
                    B::Minus => l - r,
                    _ => l * r,
                };
                return Ok(x.strict_cast(out));
            }
        }
        Ok(match op {
            B::Plus => l + r,
            B::Minus => l - r,
            B::Multiply => l * r,
            B::Divide => l.true_div(r),
            // x % 0 is NULL, as in DuckDB (a double gave NaN)
            B::Modulo => {
                let (l, r, units) = exact_remainder_operands(l, r, &schema);
                let rem = when(r.clone().eq(lit(0)))
                    .then(Expr::Literal(LiteralValue::untyped_null()))
                    .otherwise(l % r);
                match units {
                    Some(s) => from_units(rem, s),
                    None => rem,
                }
            }
            B::DuckIntegerDivide => l.floor_div(r).cast(DataType::Int64),
            B::Eq => l.eq(r),
            B::NotEq => l.eq(r).not(),
            B::Lt => l.lt(r),
            B::LtEq => l.lt_eq(r),
            B::Gt => l.gt(r),
            B::GtEq => l.gt_eq(r),
            B::And => self.as_condition(l).and(self.as_condition(r)),
            B::Or => self.as_condition(l).or(self.as_condition(r)),
            B::StringConcat => l.cast(DataType::String) + r.cast(DataType::String),
            B::BitwiseAnd => l.and(r),
            B::BitwiseOr => l.or(r),
            // `^` is a power in DuckDB and PostgreSQL and binds tighter than `+`, but the
            // parser reads it as a bitwise XOR below `+` (`2^2 + 1` as 2 XOR 3): refused
            B::BitwiseXor => {
                return Err(Unbound::Invalid(
                    "`^` is ambiguous (a power in DuckDB, XOR elsewhere): write POWER(x, y) or XOR(a, b)".into(),
                ))
            }
            B::PGBitwiseXor => l.xor(r),
            // regular expressions: `~` matches, `~*` ignoring case, `!~`/`!~*` do not
            B::PGRegexMatch => l.str().contains(r, true),
            B::PGRegexNotMatch => l.str().contains(r, true).not(),
            B::PGRegexIMatch | B::PGRegexNotIMatch => {
                let SQLExpr::Value(v) = b else {
                    return unbound("~* with a pattern that is not a literal");
                };
                let SQLValue::SingleQuotedString(p) = &v.value else {
                    return unbound("~* with a pattern that is not text");
                };
                let m = l.str().contains(lit(format!("(?i){p}")), true);
                if matches!(op, B::PGRegexNotIMatch) {
                    m.not()
                } else {
                    m
                }
            }
            _ => return unbound(format!("the operator {op}")),
        })
    }

    /// `number` (a literal with decimals) as an exact DECIMAL literal of its own scale,
    /// when `other` is a DECIMAL that reads a column (money); None otherwise (it stays
    /// polars-sql's double).
    fn exact_beside(&self, other: &Expr, number: &SQLExpr) -> Option<Expr> {
        if other.clone().meta().root_names().is_empty() {
            return None;
        }
        let text = number_text(number)?;
        let (_, decimals) = text.split_once('.')?;
        if decimals.is_empty() || !decimals.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let field = other.clone().to_field(&schema_of(self.scope)).ok()?;
        if !matches!(field.dtype, DataType::Decimal(..)) {
            return None;
        }
        decimal_lit(&text, 38, decimals.len())
    }

    /// `x [NOT] IN (v1, v2, …)` over literal values, as polars-sql: the values one
    /// series of one type (mixed types are polars-sql's to refuse), a NULL among them
    /// makes a non-match unknown. Text values against a column that is not text (a date
    /// written as text) stay on the SQL path.
    pub(super) fn in_list(&mut self, e: &SQLExpr, list: &[SQLExpr], negated: bool) -> Bound<Expr> {
        let literal = |x: &SQLExpr| match x {
            SQLExpr::Value(_) => true,
            SQLExpr::UnaryOp {
                op: UnaryOperator::Minus,
                expr,
            } => matches!(&**expr, SQLExpr::Value(_)),
            _ => false,
        };
        if !list.iter().all(literal) {
            // values that are expressions (`a IN (b, c + 1, 3)`): the equalities ORed, which
            // keeps SQL's NULLs (no match and a NULL among them is NULL)
            let mut member: Option<Expr> = None;
            for x in list {
                let eq = self.binary(e, &BinaryOperator::Eq, x)?;
                member = Some(match member {
                    Some(m) => m.or(eq),
                    None => eq,
                });
            }
            let member = member.ok_or_else(|| Unbound::Construct("an empty IN list".into()))?;
            return Ok(if negated { member.not() } else { member });
        }
        let mut values: Vec<AnyValue<'static>> = vec![];
        for x in list {
            let (v, minus) = match x {
                SQLExpr::Value(v) => (&v.value, false),
                SQLExpr::UnaryOp {
                    op: UnaryOperator::Minus,
                    expr,
                } => match &**expr {
                    SQLExpr::Value(v) => (&v.value, true),
                    _ => return unbound("an IN value that is not a literal"),
                },
                _ => return unbound("an IN value that is not a literal"),
            };
            let v = match v {
                SQLValue::Null if !minus => AnyValue::Null,
                SQLValue::Boolean(b) if !minus => AnyValue::Boolean(*b),
                SQLValue::SingleQuotedString(t) if !minus => {
                    AnyValue::StringOwned(t.as_str().into())
                }
                SQLValue::Number(n, _) if n.contains('.') => match n.parse::<f64>() {
                    Ok(f) => AnyValue::Float64(if minus { -f } else { f }),
                    Err(_) => return unbound("an IN value"),
                },
                SQLValue::Number(n, _) => match n.parse::<i64>() {
                    Ok(i) => AnyValue::Int64(if minus { -i } else { i }),
                    Err(_) => return unbound("an IN value"),
                },
                _ => return unbound("an IN value"),
            };
            values.push(v);
        }
        let texts = values.iter().any(|v| matches!(v, AnyValue::StringOwned(_)));
        if texts {
            let is_text_column =
                matches!(e, SQLExpr::Identifier(_) | SQLExpr::CompoundIdentifier(_))
                    && self.column(e).is_ok_and(|c| c.dtype == DataType::String);
            let is_text_literal = matches!(e, SQLExpr::Value(v)
                if matches!(v.value, SQLValue::SingleQuotedString(_) | SQLValue::Null));
            if !is_text_column && !is_text_literal {
                return unbound("text IN values for a value that is not a text column");
            }
        }
        let series =
            Series::from_any_values(PlSmallStr::EMPTY, &values, true).map_err(Unbound::from)?;
        let has_null = series.null_count() > 0;
        let x = self.bind(e)?;
        // the values as one list literal: an imploded column is an aggregation, which
        // keeps Polars from pushing the filter down (below a join, into a scan)
        let values = Expr::Literal(LiteralValue::Scalar(Scalar::new(
            DataType::List(Box::new(series.dtype().clone())),
            AnyValue::List(series),
        )));
        let member = x.is_in(values, false);
        let member = if has_null {
            member.or(Expr::Literal(LiteralValue::untyped_null()).cast(DataType::Boolean))
        } else {
            member
        };
        Ok(if negated { member.not() } else { member })
    }

    pub(super) fn function(&mut self, f: &sqlparser::ast::Function) -> Bound<Expr> {
        if let Some(over) = &f.over {
            return self.window(f, over);
        }
        if f.null_treatment.is_some() || !matches!(f.parameters, FunctionArguments::None) {
            return unbound("IGNORE/RESPECT NULLS or function parameters");
        }
        let Some(name) = function_name(f) else {
            return unbound("a qualified function");
        };
        if (f.filter.is_some() || !f.within_group.is_empty())
            && !AGGREGATES.contains(&name.as_str())
        {
            return unbound(format!(
                "FILTER or WITHIN GROUP with {name}, which is not an aggregate"
            ));
        }
        let mut order: &[sqlparser::ast::OrderByExpr] = &[];
        let (args, distinct) = match &f.args {
            FunctionArguments::List(l) => {
                for c in &l.clauses {
                    match c {
                        sqlparser::ast::FunctionArgumentClause::OrderBy(o)
                            if matches!(
                                name.as_str(),
                                "ARRAY_AGG" | "STRING_AGG" | "GROUP_CONCAT" | "LISTAGG"
                            ) =>
                        {
                            order = o
                        }
                        _ => return unbound(format!("{c} inside {name}(…)")),
                    }
                }
                let distinct = match l.duplicate_treatment {
                    Some(sqlparser::ast::DuplicateTreatment::Distinct) => true,
                    Some(sqlparser::ast::DuplicateTreatment::All) | None => false,
                };
                let mut args = vec![];
                for a in &l.args {
                    match a {
                        FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => args.push(Some(e)),
                        FunctionArg::Unnamed(FunctionArgExpr::Wildcard) => args.push(None),
                        _ => return unbound("a named or qualified argument"),
                    }
                }
                (args, distinct)
            }
            FunctionArguments::None => (vec![], false),
            FunctionArguments::Subquery(_) => return unbound("a subquery argument"),
        };
        needs_over(&name)?;
        if AGGREGATES.contains(&name.as_str()) {
            return self.aggregate_call(f, &name, &args, distinct, order);
        }
        if distinct {
            return unbound("DISTINCT in a function that is not an aggregate");
        }
        let xs = self.bind_args(&args)?;
        if let Some(null) = null_of_strict(&name, &args) {
            return Ok(null);
        }
        // an integer literal argument (polars-sql reads some arguments only so)
        let int_arg = |k: usize| match args.get(k).copied().flatten().map(literal_number) {
            Some(Some(Num::Int(n))) => Some(n),
            _ => None,
        };
        let null = || Expr::Literal(LiteralValue::untyped_null());
        Ok(match (name.as_str(), xs.as_slice()) {
            ("COALESCE", [_, ..]) => coalesce(&xs),
            ("ABS", [x]) => x.clone().abs(),
            ("NULLIF", [a, b]) => when(a.clone().eq(b.clone()))
                .then(null())
                .otherwise(a.clone()),
            // half away from zero, as SQL rounds (Polars' default is half to even:
            // ROUND(2.5) was 2); a double is rounded as DuckDB does, x·10ᵈ in binary
            ("ROUND", [x]) => x.clone().round(0, RoundMode::HalfAwayFromZero),
            // DuckDB's ROUND_EVEN: half to even (a DOUBLE cast to an integer rounds so)
            ("ROUND_EVEN", [x, _]) => match int_arg(1).and_then(|n| u32::try_from(n).ok()) {
                Some(n) => x.clone().round(n, RoundMode::HalfToEven),
                None => return unbound("ROUND_EVEN's places"),
            },
            ("ROUND", [x, _]) => match int_arg(1).and_then(|n| u32::try_from(n).ok()) {
                Some(n) => x.clone().round(n, RoundMode::HalfAwayFromZero),
                None => return unbound("ROUND's places"),
            },
            ("TRUNC" | "TRUNCATE", [x]) => x.clone().truncate(0),
            ("TRUNC" | "TRUNCATE", [x, _]) => {
                match int_arg(1).and_then(|n| u32::try_from(n).ok()) {
                    Some(n) => x.clone().truncate(n),
                    None => return unbound("TRUNCATE's places"),
                }
            }
            ("SIGN", [x]) => x.clone().sign(),
            ("CEIL" | "CEILING", [x]) => x.clone().ceil(),
            ("FLOOR", [x]) => x.clone().floor(),
            ("EXP", [x]) => x.clone().exp(),
            ("LN", [x]) => x.clone().log(lit(std::f64::consts::E)),
            ("LOG10", [x]) => x.clone().log(lit(10.0)),
            ("LOG2", [x]) => x.clone().log(lit(2.0)),
            ("LOG", [x, base]) => x.clone().log(base.clone()),
            ("CBRT", [x]) => x.clone().cbrt(),
            ("MOD", [x, y]) => x.clone() % y.clone(),
            ("DIV", [x, y]) => x.clone().floor_div(y.clone()).cast(DataType::Int64),
            ("SQRT", [x]) => x.clone().sqrt(),
            ("GREATEST", [_, ..]) => max_horizontal(&xs).map_err(Unbound::from)?,
            ("LEAST", [_, ..]) => min_horizontal(&xs).map_err(Unbound::from)?,
            ("POW" | "POWER", [x, y]) => x.clone().pow(y.clone()),
            ("UPPER", [x]) => x.clone().str().to_uppercase(),
            ("LOWER", [x]) => x.clone().str().to_lowercase(),
            ("LENGTH" | "CHAR_LENGTH" | "CHARACTER_LENGTH", [x]) => x.clone().str().len_chars(),
            ("REVERSE", [x]) => x.clone().str().reverse(),
            ("REPLACE", [x, old, new]) => {
                x.clone().str().replace_all(old.clone(), new.clone(), true)
            }
            ("STARTS_WITH", [x, p]) => x.clone().str().starts_with(p.clone()),
            ("CONCAT", [_, ..]) => concat_str(&xs, "", true),
            ("LEFT", [x, _]) => match int_arg(1) {
                Some(0) => lit(""),
                Some(n) if n > 0 => x.clone().str().slice(lit(0), lit(n)),
                Some(n) => x.clone().str().slice(
                    lit(0),
                    (x.clone().str().len_chars() + lit(n)).clip_min(lit(0)),
                ),
                None => return unbound("LEFT's length"),
            },
            ("RIGHT", [x, _]) => match int_arg(1).and_then(|n| i64::try_from(n).ok()) {
                Some(0) => lit(""),
                Some(n) => {
                    let offset = if n < 0 {
                        lit(n.abs())
                    } else {
                        x.clone().str().len_chars().cast(DataType::Int32) - lit(n)
                    };
                    x.clone().str().slice(offset, null())
                }
                None => return unbound("RIGHT's length"),
            },
            ("SUBSTR", [x, _]) => substring(x.clone(), int_arg(1), None)?,
            ("SUBSTR", [x, _, len]) => {
                substring(x.clone(), int_arg(1), Some((len.clone(), int_arg(2))))?
            }
            _ => match super::functions::scalar(&name, &xs, &args) {
                Some(r) => r?,
                None => return unbound(format!("the function {name}")),
            },
        })
    }

    /// The quantile `q` of `x` with linear interpolation (`MEDIAN` is q = 0.5). Over
    /// DECIMAL it stays DECIMAL of the same type, computed exactly as DuckDB computes
    /// it; Polars' own quantile (over other numbers) answers a DOUBLE.
    pub(super) fn median(&self, x: Expr, q: f64) -> Bound<Expr> {
        let dtype = x
            .clone()
            .to_field(&schema_of(self.scope))
            .map_err(Unbound::from)?
            .dtype;
        Ok(match dtype {
            DataType::Decimal(p, s) => decimal_quantile(x, q, p, s),
            _ if q == 0.5 => x.median(),
            _ => x.quantile(lit(q), QuantileMethod::Linear),
        })
    }

    /// An aggregate call: with FILTER, and `PERCENTILE_CONT(q) WITHIN GROUP (ORDER BY x)`
    /// read as the quantile q of x.
    fn aggregate_call(
        &mut self,
        f: &sqlparser::ast::Function,
        name: &str,
        args: &[Option<&SQLExpr>],
        distinct: bool,
        order: &[sqlparser::ast::OrderByExpr],
    ) -> Bound<Expr> {
        let filter = f.filter.as_deref();
        let [within] = f.within_group.as_slice() else {
            if !f.within_group.is_empty() {
                return unbound(format!("WITHIN GROUP with {name}"));
            }
            return self.aggregate(name, args, distinct, order, filter);
        };
        let (q, quantile) = match (name, args) {
            ("PERCENTILE_CONT", [Some(q)]) => (q, "QUANTILE_CONT"),
            ("PERCENTILE_DISC", [Some(q)]) => (q, "QUANTILE_DISC"),
            _ => return unbound(format!("WITHIN GROUP with {name}")),
        };
        if within.options.asc == Some(false) {
            return unbound("WITHIN GROUP (ORDER BY … DESC)");
        }
        self.aggregate(
            quantile,
            &[Some(&within.expr), Some(q)],
            distinct,
            &[],
            filter,
        )
    }

    /// FILTER (WHERE c) of an aggregate: c, bound (the aggregate reads the rows where it
    /// is true).
    fn kept(
        &self,
        filter: Option<&SQLExpr>,
        order: &[sqlparser::ast::OrderByExpr],
        name: &str,
    ) -> Bound<Option<Expr>> {
        match filter {
            None => Ok(None),
            Some(_) if !order.is_empty() => unbound(format!("FILTER with ORDER BY inside {name}")),
            Some(c) if has_aggregate(c) => unbound("an aggregate inside FILTER"),
            Some(c) => Ok(Some(self.bind_ref(c)?)),
        }
    }

    /// The values an ordered aggregate reads, in order: ORDER BY inside the call
    /// (NULLS LAST unless NULLS FIRST, as the query's ORDER BY and DuckDB); with
    /// DISTINCT, ordered by the value itself only.
    fn ordered(
        &self,
        x: Expr,
        order: &[sqlparser::ast::OrderByExpr],
        distinct: bool,
        name: &str,
    ) -> Bound<Expr> {
        let mut by = vec![];
        let (mut desc, mut nulls_last) = (vec![], vec![]);
        for o in order {
            if has_aggregate(&o.expr) {
                return unbound("an aggregate inside an aggregate");
            }
            by.push(self.bind_ref(&o.expr)?);
            let d = !o.options.asc.unwrap_or(true);
            desc.push(d);
            nulls_last.push(!o.options.nulls_first.unwrap_or(false));
        }
        let opts = SortMultipleOptions::default()
            .with_order_descending_multi(desc.clone())
            .with_nulls_last_multi(nulls_last.clone())
            .with_maintain_order(true);
        Ok(match (distinct, by.as_slice()) {
            (false, []) => x,
            (false, _) => x.sort_by(by, opts),
            (true, []) => x.unique_stable(),
            (true, [k]) if *k == x => x.unique_stable().sort(
                SortOptions::default()
                    .with_order_descending(desc[0])
                    .with_nulls_last(nulls_last[0]),
            ),
            (true, _) => unbound(format!("DISTINCT {name} ordered by another value"))?,
        })
    }

    /// What a plain aggregate call over a column (or of rows) is, for the plan rules.
    fn call(&self, name: &str, args: &[Option<&SQLExpr>]) -> Option<AggCall> {
        let column = |e: &SQLExpr| match self.bind_ref(e) {
            Ok(Expr::Column(c)) => Some(c.to_string()),
            _ => None,
        };
        let fraction = |q: &SQLExpr| match literal_number(q) {
            Some(Num::Float(f)) if (0.0..=1.0).contains(&f) => Some(f),
            Some(Num::Int(n)) if (0..=1).contains(&n) => Some(n as f64),
            _ => None,
        };
        Some(match (name, args) {
            ("COUNT", [None] | []) => AggCall::CountRows,
            ("COUNT", [Some(e)]) if is_non_null_literal(e) => AggCall::CountRows,
            ("COUNT", [Some(e)]) => AggCall::Count(column(e)?),
            ("SUM", [Some(e)]) => AggCall::Sum(column(e)?),
            ("AVG", [Some(e)]) => AggCall::Avg(column(e)?),
            ("MIN", [Some(e)]) => AggCall::Min(column(e)?),
            ("MAX", [Some(e)]) => AggCall::Max(column(e)?),
            ("MEDIAN", [Some(e)]) => AggCall::Quantile(column(e)?, 0.5),
            ("QUANTILE_CONT", [Some(e), Some(q)]) => AggCall::Quantile(column(e)?, fraction(q)?),
            _ => return None,
        })
    }

    /// An aggregate: bound over the input, collected, read back as its column.
    pub(super) fn aggregate(
        &mut self,
        name: &str,
        args: &[Option<&SQLExpr>],
        distinct: bool,
        order: &[sqlparser::ast::OrderByExpr],
        filter: Option<&SQLExpr>,
    ) -> Bound<Expr> {
        let agg = self.aggregate_of(name, args, distinct, order, filter, None)?;
        let call = if distinct || filter.is_some() || !order.is_empty() {
            None
        } else {
            self.call(name, args)
        };
        match &mut self.grouping {
            Some(g) => {
                let i = match g.aggs.iter().position(|a| *a == agg) {
                    Some(i) => i,
                    None => {
                        g.aggs.push(agg);
                        g.calls.push(call);
                        g.aggs.len() - 1
                    }
                };
                Ok(col(agg_name(i)))
            }
            None => Ok(agg),
        }
    }

    /// The aggregate's expression over the rows it aggregates. Its arguments are bound
    /// over the input, or given already bound (`bound`: a window's arguments, which may
    /// read a grouped level's keys and aggregates), found by the argument they bind.
    pub(super) fn aggregate_of(
        &self,
        name: &str,
        args: &[Option<&SQLExpr>],
        distinct: bool,
        order: &[sqlparser::ast::OrderByExpr],
        filter: Option<&SQLExpr>,
        bound: Option<&[(&SQLExpr, Expr)]>,
    ) -> Bound<Expr> {
        let keep = self.kept(filter, order, name)?;
        let plain = |e: &SQLExpr| -> Bound<Expr> {
            let x = match bound {
                Some(b) => match b.iter().find(|(a, _)| std::ptr::eq(*a, e)) {
                    Some((_, x)) => x.clone(),
                    None => return unbound(format!("this use of {name} over a window")),
                },
                None if has_aggregate(e) => return unbound("an aggregate inside an aggregate"),
                None => self.bind_ref(e)?,
            };
            // a value that reads no column (`STRING_AGG('x', ',')`) is one value per row
            let x = if reads_no_column(e) {
                repeat(x, len())
            } else {
                x
            };
            Ok(match &keep {
                Some(c) => x.filter(c.clone()),
                None => x,
            })
        };
        // the number of rows (kept by FILTER)
        let rows = || match &keep {
            Some(c) => c.clone().filter(c.clone()).len(),
            None => len(),
        };
        let ordered = |e: &SQLExpr| self.ordered(plain(e)?, order, distinct, name);
        let null = || Expr::Literal(LiteralValue::untyped_null());
        let agg = match (name, args, distinct) {
            // every value, NULLs too, as a list (NULL over no rows)
            ("ARRAY_AGG", [Some(e)], _) => {
                let x = ordered(e)?;
                when(x.clone().len().gt(lit(0)))
                    .then(x.implode(true))
                    .otherwise(null())
            }
            // the values that are not NULL joined by the separator (NULL when none)
            ("STRING_AGG" | "GROUP_CONCAT" | "LISTAGG", [Some(e)] | [Some(e), Some(_)], _) => {
                let sep = separator(args.get(1).copied().flatten())?;
                let x = ordered(e)?.cast(DataType::String);
                when(x.clone().null_count().lt(x.clone().len()))
                    .then(x.implode(true).list().join(sep, true))
                    .otherwise(null())
            }
            // DISTINCT: the distinct values that are not NULL
            ("SUM", [Some(e)], true) => {
                let x = plain(e)?;
                let (w, wide) = summand(x.clone(), &schema_of(self.scope));
                let total = when(x.clone().null_count().lt(x.clone().len()))
                    .then(w.drop_nulls().unique().sum())
                    .otherwise(null());
                if wide {
                    total.strict_cast(DataType::Int64)
                } else {
                    total
                }
            }
            ("AVG", [Some(e)], true) => plain(e)?.drop_nulls().unique().mean(),
            // SQLite's TOTAL: the sum as a DOUBLE, 0.0 over no value
            ("TOTAL", [Some(e)], false) => plain(e)?.cast(DataType::Float64).sum(),
            ("TOTAL", [Some(e)], true) => plain(e)?
                .drop_nulls()
                .unique()
                .cast(DataType::Float64)
                .sum(),
            ("MIN" | "MAX", [Some(_)], true) => {
                return self.aggregate_of(name, args, false, order, filter, bound)
            }
            ("FIRST", [Some(e)], false) => plain(e)?.first(),
            ("LAST", [Some(e)], false) => plain(e)?.last(),
            // any value that is not NULL (the first)
            ("ANY_VALUE", [Some(e)], false) => plain(e)?.drop_nulls().first(),
            ("BOOL_AND" | "BOOL_OR", [Some(e)], false) => {
                let x = plain(e)?;
                let v = if name == "BOOL_AND" {
                    x.clone().all(true)
                } else {
                    x.clone().any(true)
                };
                when(x.clone().null_count().lt(x.len()))
                    .then(v)
                    .otherwise(null())
            }
            // over the pairs where neither is NULL; NULL with too few pairs
            ("CORR" | "COVAR_POP" | "COVAR_SAMP" | "COVAR", [Some(a), Some(b)], false) => {
                pairwise(name, plain(a)?, plain(b)?)
            }
            ("COUNT", [None] | [], false) => rows(),
            ("COUNT", [Some(e)], false) if is_non_null_literal(e) => rows(),
            ("COUNT", [Some(e)], false) => plain(e)?.count(),
            ("COUNT", [Some(e)], true) => {
                let x = plain(e)?;
                x.clone().n_unique() - x.null_count().gt(lit(0))
            }
            ("SUM", [Some(e)], false) => sql_sum(plain(e)?, &schema_of(self.scope)),
            ("AVG", [Some(e)], false) => plain(e)?.mean(),
            ("MIN", [Some(e)], false) => plain(e)?.min(),
            ("MAX", [Some(e)], false) => plain(e)?.max(),
            ("MEDIAN", [Some(e)], false) => self.median(plain(e)?, 0.5)?,
            ("QUANTILE_CONT", [Some(e), Some(q)], false) => match literal_number(q) {
                Some(Num::Float(f)) if (0.0..=1.0).contains(&f) => self.median(plain(e)?, f)?,
                Some(Num::Int(n)) if (0..=1).contains(&n) => self.median(plain(e)?, n as f64)?,
                _ => return unbound(format!("{name}'s fraction")),
            },
            ("QUANTILE_DISC", [Some(e), Some(q)], false) => {
                let method = if name == "QUANTILE_CONT" {
                    QuantileMethod::Linear
                } else {
                    QuantileMethod::Equiprobable
                };
                let q = match literal_number(q) {
                    Some(Num::Float(f)) if (0.0..=1.0).contains(&f) => f,
                    Some(Num::Int(n)) if (0..=1).contains(&n) => n as f64,
                    _ => return unbound(format!("{name}'s fraction")),
                };
                // one of the values: of their type where it is an integer (DuckDB)
                let x = plain(e)?;
                let dtype = x.clone().to_field(&schema_of(self.scope)).map(|f| f.dtype);
                match dtype {
                    Ok(d) if d.is_integer() => x.quantile(lit(q), method).cast(d),
                    _ => x.quantile(lit(q), method),
                }
            }
            ("STDEV" | "STDDEV" | "STDEV_SAMP" | "STDDEV_SAMP", [Some(e)], false) => {
                plain(e)?.std(1)
            }
            ("VAR" | "VARIANCE" | "VAR_SAMP", [Some(e)], false) => plain(e)?.var(1),
            _ => return unbound(format!("this use of {name}")),
        };
        Ok(agg)
    }
}

/// A function of text or numbers given a bare NULL: a NULL of the function's type
/// (`UPPER(NULL)`, `ABS(NULL)`: Polars refused an untyped NULL; these functions are NULL
/// when any argument is, a NULL delimiter or pattern too). None for other calls.
fn null_of_strict(name: &str, args: &[Option<&SQLExpr>]) -> Option<Expr> {
    const OF_TEXT: &[&str] = &[
        "UPPER",
        "LOWER",
        "TRIM",
        "LTRIM",
        "RTRIM",
        "LENGTH",
        "CHAR_LENGTH",
        "SUBSTR",
        "SUBSTRING",
        "REPLACE",
        "REVERSE",
        "LPAD",
        "RPAD",
        "LEFT",
        "RIGHT",
        "STRPOS",
        "STARTS_WITH",
        "ENDS_WITH",
        "SPLIT_PART",
    ];
    const OF_NUMBERS: &[&str] = &[
        "ABS", "ROUND", "CEIL", "CEILING", "FLOOR", "SIGN", "SQRT", "CBRT", "EXP", "LN", "LOG",
        "LOG10", "LOG2", "POWER", "POW", "TRUNC", "TRUNCATE", "MOD",
    ];
    let dt = match name {
        "LENGTH" | "CHAR_LENGTH" | "STRPOS" => DataType::Int64,
        "STARTS_WITH" | "ENDS_WITH" => DataType::Boolean,
        n if OF_TEXT.contains(&n) => DataType::String,
        n if OF_NUMBERS.contains(&n) => DataType::Float64,
        _ => return None,
    };
    args.iter()
        .any(|a| matches!(a, Some(SQLExpr::Value(v)) if v.value == SQLValue::Null))
        .then(|| Expr::Literal(LiteralValue::untyped_null()).cast(dt))
}

/// STRING_AGG's separator: a text literal, `,` when none is given.
fn separator(arg: Option<&SQLExpr>) -> Bound<Expr> {
    match arg {
        None => Ok(lit(",")),
        Some(SQLExpr::Value(v)) => match &v.value {
            SQLValue::SingleQuotedString(t) => Ok(lit(t.clone())),
            _ => unbound("STRING_AGG's separator"),
        },
        Some(_) => unbound("STRING_AGG's separator"),
    }
}

/// Whether an expression reads no column (a literal, or functions of literals).
pub(super) fn reads_no_column(e: &SQLExpr) -> bool {
    let mut column = false;
    let _ = sqlparser::ast::visit_expressions(e, |x: &SQLExpr| {
        if matches!(
            x,
            SQLExpr::Identifier(_) | SQLExpr::CompoundIdentifier(_) | SQLExpr::Subquery(_)
        ) {
            column = true;
            return std::ops::ControlFlow::Break(());
        }
        std::ops::ControlFlow::Continue(())
    });
    !column
}

/// A window function called without OVER: an error that says so.
fn needs_over(name: &str) -> Bound<()> {
    if matches!(
        name,
        "ROW_NUMBER"
            | "RANK"
            | "DENSE_RANK"
            | "NTILE"
            | "LAG"
            | "LEAD"
            | "FIRST_VALUE"
            | "LAST_VALUE"
            | "NTH_VALUE"
            | "PERCENT_RANK"
            | "CUME_DIST"
    ) {
        return Err(Unbound::Invalid(format!(
            "`{name}` is a window function: it needs OVER (…), e.g. {name}() OVER (ORDER BY budget DESC)"
        )));
    }
    Ok(())
}

/// CORR, COVAR_POP, COVAR_SAMP over the pairs where neither value is NULL; NULL with
/// too few pairs (CORR of one pair is NaN, as DuckDB answers).
fn pairwise(name: &str, a: Expr, b: Expr) -> Expr {
    let (a, b) = (a.cast(DataType::Float64), b.cast(DataType::Float64));
    let both = a.clone().is_not_null().and(b.clone().is_not_null());
    let (a, b) = (a.filter(both.clone()), b.filter(both));
    let n = a.clone().len();
    let (v, least) = match name {
        "CORR" => (pearson_corr(a, b), 1u32),
        "COVAR_POP" => (cov(a, b, 0), 1),
        _ => (cov(a, b, 1), 2),
    };
    when(n.gt_eq(lit(least)))
        .then(v)
        .otherwise(Expr::Literal(LiteralValue::untyped_null()))
}

/// `SUBSTR(x, start[, length])` as polars-sql computes it, for an integer literal start.
pub(super) fn substring(
    x: Expr,
    start: Option<i128>,
    len: Option<(Expr, Option<i128>)>,
) -> Bound<Expr> {
    let Some(n) = start else {
        return unbound("SUBSTR's start");
    };
    let all = || Expr::Literal(LiteralValue::untyped_null());
    // a negative start counts from the end, as in DuckDB and SQLite (`SUBSTR('hello',
    // -2, 1)` is 'l'); a start before the first character shortens the length
    let from_end = |x: &Expr| {
        let s0 = x.clone().str().len_chars().cast(DataType::Int64) + lit(n as i64);
        let offset = s0.clone().clip_min(lit(0i64));
        (offset.clone(), s0 - offset)
    };
    Ok(match len {
        None if n == 0 => x,
        None if n < 0 => {
            let (offset, _) = from_end(&x);
            x.str().slice(offset, all())
        }
        None => x.str().slice(lit(n - 1), all()),
        Some((_, Some(l))) if l < 0 => return unbound("a negative SUBSTR length"),
        Some((l, _)) if n > 0 => x.str().slice(lit(n - 1), l),
        Some((l, _)) if n < 0 => {
            let (offset, short) = from_end(&x);
            x.str().slice(
                offset,
                (l.cast(DataType::Int64) + short).clip_min(lit(0i64)),
            )
        }
        Some((l, _)) => x.str().slice(lit(0), (l + lit(n - 1)).clip_min(lit(0))),
    })
}

/// The quantile `q` of a DECIMAL(p, s) `x`, as DuckDB computes `quantile_cont` over
/// decimals: the non-NULL values sorted, position r = (n − 1)·q between the values lo
/// (at ⌊r⌋) and hi (at ⌈r⌉), and lo + (hi − lo)·(r − ⌊r⌋) with the step truncated to
/// the scale (it is never negative). NULL for no values.
fn decimal_quantile(x: Expr, q: f64, p: usize, s: usize) -> Expr {
    let v = x.drop_nulls().sort(SortOptions::default());
    let n = v.clone().len().cast(DataType::Float64);
    let r = (n - lit(1.0)).clip_min(lit(0.0)) * lit(q);
    let at = |i: Expr| v.clone().get(i.cast(IDX_DTYPE), true);
    let (lo, hi) = (at(r.clone().floor()), at(r.clone().ceil()));
    let frac = r.clone() - r.floor();
    // the step in units of the last decimal place, truncated, back to a decimal
    let units = ((hi - lo.clone()).to_physical().cast(DataType::Float64) * frac)
        .cast(DataType::Int128)
        .cast(DataType::Decimal(38, 0));
    let unit = lit(10f64.powi(-(s as i32))).cast(DataType::Decimal(38, s));
    (lo + units * unit).cast(DataType::Decimal(p, s))
}

/// A number's text as an exact DECIMAL(p, s) literal (see [`crate::model::decimal_literal`]).
fn decimal_lit(text: &str, p: usize, s: usize) -> Option<Expr> {
    let m = crate::model::decimal_literal(text, p, s)?;
    let v = AnyValue::Decimal(m, p, s);
    Some(Expr::Literal(LiteralValue::Scalar(Scalar::new(
        DataType::Decimal(p, s),
        v,
    ))))
}

/// The text of a signed number literal (`1.005`, `-(2)`), for an exact reading.
pub(crate) fn number_text(e: &SQLExpr) -> Option<String> {
    match e {
        SQLExpr::Value(v) => match &v.value {
            SQLValue::Number(n, _) => Some(n.clone()),
            _ => None,
        },
        SQLExpr::Nested(x) => number_text(x),
        SQLExpr::UnaryOp {
            op: UnaryOperator::Plus,
            expr,
        } => number_text(expr),
        SQLExpr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => {
            let t = number_text(expr)?;
            Some(match t.strip_prefix('-') {
                Some(positive) => positive.to_string(),
                None => format!("-{t}"),
            })
        }
        _ => None,
    }
}

pub(super) fn is_non_null_literal(e: &SQLExpr) -> bool {
    matches!(e, SQLExpr::Value(v) if !matches!(v.value, SQLValue::Null))
}

pub(super) enum Num {
    Int(i128),
    Float(f64),
}

/// The number a signed number literal is (`5`, `-(5)`, `- -2.5`): polars-sql folds the
/// sign into such a literal, and so does the binder.
pub(super) fn literal_number(e: &SQLExpr) -> Option<Num> {
    match e {
        SQLExpr::Value(v) => match &v.value {
            SQLValue::Number(n, _) if n.contains('.') => n.parse::<f64>().ok().map(Num::Float),
            SQLValue::Number(n, _) => n.parse::<i64>().ok().map(|i| Num::Int(i as i128)),
            _ => None,
        },
        SQLExpr::Nested(x) => literal_number(x),
        SQLExpr::UnaryOp {
            op: UnaryOperator::Plus,
            expr,
        } => literal_number(expr),
        SQLExpr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => match literal_number(expr)? {
            Num::Int(i) => Some(Num::Int(-i)),
            Num::Float(f) => Some(Num::Float(-f)),
        },
        _ => None,
    }
}

/// A literal as polars-sql makes it.
pub(super) fn literal(v: &SQLValue) -> Bound<Expr> {
    Ok(match v {
        SQLValue::Boolean(b) => lit(*b),
        SQLValue::Null => Expr::Literal(LiteralValue::untyped_null()),
        SQLValue::SingleQuotedString(s) => lit(s.clone()),
        SQLValue::Number(s, _) => {
            // more significant digits than a double holds (15): an exact DECIMAL, as
            // DuckDB reads a literal of up to 38 digits (as a double
            // 102398294123451814.12345 was 102398294123451800)
            let significant = s.trim_start_matches(['-', '0', '.']).replace('.', "").len();
            let scale = s.split_once('.').map_or(0, |(_, f)| f.len());
            if s.contains('.') && significant > 15 {
                if let Some(x) = decimal_lit(s, 38, scale) {
                    return Ok(x);
                }
            }
            if s.contains('.') {
                match s.parse::<f64>() {
                    Ok(f) => lit(f),
                    Err(_) => return unbound("a number"),
                }
            } else {
                match s.parse::<i64>() {
                    Ok(i) => lit(i),
                    Err(_) => return unbound("a number"),
                }
            }
        }
        _ => return unbound("this literal"),
    })
}

/// A SQL type as polars-sql maps it (the common ones).
pub(super) fn sql_type(t: &SQLType) -> Bound<DataType> {
    Ok(match t {
        SQLType::Boolean | SQLType::Bool => DataType::Boolean,
        SQLType::SmallInt(_) | SQLType::Int2(_) | SQLType::Int16 => DataType::Int16,
        SQLType::Int(_) | SQLType::Integer(_) | SQLType::Int4(_) | SQLType::Int32 => {
            DataType::Int32
        }
        SQLType::BigInt(_) | SQLType::Int8(_) | SQLType::Int64 => DataType::Int64,
        SQLType::HugeInt | SQLType::Int128 => DataType::Int128,
        SQLType::Real | SQLType::Float4 => DataType::Float32,
        SQLType::Double(_) | SQLType::DoublePrecision | SQLType::Float8 => DataType::Float64,
        SQLType::Float(ExactNumberInfo::None) => DataType::Float64,
        SQLType::Varchar(_) | SQLType::Text | SQLType::String(_) => DataType::String,
        SQLType::Decimal(info) | SQLType::Numeric(info) | SQLType::Dec(info) => match *info {
            ExactNumberInfo::PrecisionAndScale(p, s) => DataType::Decimal(p as usize, s as usize),
            ExactNumberInfo::Precision(p) => DataType::Decimal(p as usize, 0),
            // DuckDB's default
            ExactNumberInfo::None => DataType::Decimal(18, 3),
        },
        SQLType::Date => DataType::Date,
        _ => return unbound("this type"),
    })
}

/// The input of a SUM and whether its total is read back from 128 bits: integers are
/// summed as Int128 and the total cast to BIGINT strictly, so past 2^63 the query stops
/// (Polars wraps a windowed sum, and errs on a grouped one only for BIGINT).
pub(super) fn summand(x: Expr, schema: &Schema) -> (Expr, bool) {
    match x.clone().to_field(schema).map(|f| f.dtype) {
        Ok(d) if d.is_integer() && !matches!(d, DataType::Int128 | DataType::UInt128) => {
            (x.cast(DataType::Int128), true)
        }
        _ => (x, false),
    }
}

/// SQL's SUM of `x`: NULL when every value is NULL; integers summed in 128 bits
/// ([`summand`]).
pub(super) fn sql_sum(x: Expr, schema: &Schema) -> Expr {
    let (w, wide) = summand(x.clone(), schema);
    let total = when(x.clone().null_count().lt(x.len()))
        .then(w.sum())
        .otherwise(Expr::Literal(LiteralValue::untyped_null()));
    if wide {
        total.strict_cast(DataType::Int64)
    } else {
        total
    }
}

/// The operands of `+`, `-` or `*` (`product`) with their decimals computed at full
/// precision: Polars keeps the operands' precision and gives NULL where the result
/// needs more digits (DECIMAL(1,1) + DECIMAL(3,0) was NULL for 0.5 + 100); a product
/// keeps every decimal of its factors, as in SQL (Polars keeps the larger scale of the
/// two: 9.9 × 9.9 was 98.0).
fn widened(l: Expr, r: Expr, product: bool, schema: &Schema) -> (Expr, Expr) {
    let widen = |x: Expr| match x.clone().to_field(schema).map(|f| f.dtype) {
        Ok(DataType::Decimal(p, s)) if p < 38 => x.cast(DataType::Decimal(38, s)),
        _ => x,
    };
    let (mut l, r) = (widen(l), widen(r));
    if product {
        let scale = |x: &Expr| match x.clone().to_field(schema).map(|f| f.dtype) {
            Ok(DataType::Decimal(_, s)) => Some(s),
            _ => None,
        };
        if let (Some(a), Some(b)) = (scale(&l), scale(&r)) {
            if a > 0 && b > 0 && a + b <= 38 {
                l = l.cast(DataType::Decimal(38, a + b));
            }
        }
    }
    (l, r)
}

/// `l % r` with a DECIMAL (money) and a DECIMAL or an integer: Polars has no remainder
/// of decimals, so both are read as whole numbers of their common scale's units (the
/// remainder of `12.50 % 5` is that of 1250 and 500) and the remainder is read back at
/// that scale at the end ([`from_units`]) — exact, where a DOUBLE would round.
fn exact_remainder_operands(l: Expr, r: Expr, schema: &Schema) -> (Expr, Expr, Option<usize>) {
    let dtype = |x: &Expr| x.clone().to_field(schema).ok().map(|f| f.dtype);
    let scale = |d: &Option<DataType>| match d {
        Some(DataType::Decimal(_, s)) => Some(*s),
        Some(d) if d.is_integer() => Some(0),
        _ => None,
    };
    let (dl, dr) = (dtype(&l), dtype(&r));
    let decimal = |d: &Option<DataType>| matches!(d, Some(DataType::Decimal(..)));
    match (scale(&dl), scale(&dr)) {
        (Some(a), Some(b)) if decimal(&dl) || decimal(&dr) => {
            let s = a.max(b);
            let units = |x: Expr| {
                let x = x.cast(DataType::Decimal(38, s));
                match decimal_lit(&format!("1{}", "0".repeat(s)), 38, 0) {
                    Some(m) => (x * m).cast(DataType::Int128),
                    None => x,
                }
            };
            (units(l), units(r), Some(s))
        }
        _ => (l, r, None),
    }
}

/// The type of `l op r` (`+`, `-`, `*`) when both are integers of 64 bits or fewer,
/// else None.
fn integer_result(l: &Expr, r: &Expr, op: &BinaryOperator, schema: &Schema) -> Option<DataType> {
    let small = |x: &Expr| {
        x.clone().to_field(schema).is_ok_and(|f| {
            f.dtype.is_integer() && !matches!(f.dtype, DataType::Int128 | DataType::UInt128)
        })
    };
    if !(small(l) && small(r)) {
        return None;
    }
    let x = match op {
        BinaryOperator::Plus => l.clone() + r.clone(),
        BinaryOperator::Minus => l.clone() - r.clone(),
        _ => l.clone() * r.clone(),
    };
    x.to_field(schema).ok().map(|f| f.dtype)
}

/// A remainder counted in units of 10^-s (see [`exact_remainder_operands`]) read back as a
/// DECIMAL of scale s.
fn from_units(rem: Expr, s: usize) -> Expr {
    let whole = rem.cast(DataType::Decimal(38, 0));
    match decimal_lit(&format!("0.{}1", "0".repeat(s.saturating_sub(1))), 38, s) {
        Some(unit) if s > 0 => whole * unit,
        _ => whole,
    }
}
