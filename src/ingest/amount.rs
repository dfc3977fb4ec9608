//! Exact parsing of the numbers a disclosure prints: money amounts, quantities
//! and percentages. Everything goes through `rust_decimal`, never through f64.

use rust_decimal::Decimal;
use std::str::FromStr;

/// The scale every stored amount has (Decimal(38,6) in 万元: exact to 0.01 元, so an
/// amount printed in 元 with cents converts to 万元 without rounding).
pub const MONEY_SCALE: u32 = 6;

/// Full-width digits and punctuation to ASCII, and every kind of space trimmed.
/// Word exports mix `０.５`, `１２．３` and ideographic spaces into number cells.
pub fn normalize_number_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let m = match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '．' | '。' if !out.is_empty() => '.',
            '－' | '−' | '–' => '-',
            '，' => ',',
            '％' => '%',
            '＋' => '+',
            '\u{3000}' | '\u{a0}' | '\u{2002}' | '\u{2003}' | '\u{200b}' | '\u{feff}' => ' ',
            _ => c,
        };
        out.push(m);
    }
    out.trim().to_string()
}

/// Why a cell is not a number; the caller adds file:line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberError(pub String);

/// True for cells that mean "no figure": empty, dashes, a lone placeholder.
pub fn is_blank_figure(s: &str) -> bool {
    let t = normalize_number_text(s);
    t.is_empty()
        || t.chars()
            .all(|c| matches!(c, '-' | '—' | '/' | '－' | '―' | ' ' | '*'))
}

/// Parse a decimal number as printed in a table cell: `1,234.50`, `０.５`, `-3`,
/// `(3.00)` (accounting negative). Returns `Ok(None)` for blank cells.
pub fn parse_decimal(s: &str) -> Result<Option<Decimal>, NumberError> {
    if is_blank_figure(s) {
        return Ok(None);
    }
    let t = normalize_number_text(s);
    let (neg_paren, body) = match t.strip_prefix('(').and_then(|x| x.strip_suffix(')')) {
        Some(inner) => (true, inner.trim().to_string()),
        None => (false, t.clone()),
    };
    let cleaned: String = body.chars().filter(|c| *c != ',' && *c != ' ').collect();
    let cleaned = cleaned.strip_prefix('+').unwrap_or(&cleaned).to_string();
    let valid = !cleaned.is_empty()
        && cleaned
            .chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_digit() || c == '.' || (c == '-' && i == 0))
        && cleaned.chars().filter(|c| *c == '.').count() <= 1
        && cleaned.chars().any(|c| c.is_ascii_digit());
    // thousands separators must sit every three digits; `1,23` is a typo, not 123
    if valid && body.contains(',') {
        let int_part = body.split('.').next().unwrap_or("").trim_start_matches('-');
        let groups: Vec<&str> = int_part.split(',').collect();
        let ok = groups
            .first()
            .is_some_and(|g| !g.is_empty() && g.len() <= 3)
            && groups.iter().skip(1).all(|g| g.len() == 3);
        if !ok {
            return Err(NumberError(format!(
                "`{}` has misplaced thousands separators",
                s.trim()
            )));
        }
    }
    if !valid {
        return Err(NumberError(format!("`{}` is not a number", s.trim())));
    }
    let d = Decimal::from_str(&cleaned)
        .map_err(|e| NumberError(format!("`{}` is not a number ({e})", s.trim())))?;
    Ok(Some(if neg_paren { -d } else { d }))
}

/// Parse a money amount in 万元, keeping it exact at scale 6.
/// More than six decimals (below 1 分) would be silently rounded, so it is an error.
pub fn parse_amount(s: &str) -> Result<Option<Decimal>, NumberError> {
    match parse_decimal(s)? {
        None => Ok(None),
        Some(d) => Ok(Some(
            to_money(d).map_err(|m| NumberError(format!("`{}` {m}", s.trim())))?,
        )),
    }
}

/// Bring a parsed figure to the stored money scale, refusing any rounding.
pub fn to_money(d: Decimal) -> Result<Decimal, String> {
    let n = d.normalize();
    if n.scale() > MONEY_SCALE {
        return Err(format!("has more than {MONEY_SCALE} decimals; budgetql keeps money exact to 0.000001 万元 (1 分)"));
    }
    let mut r = n;
    r.rescale(MONEY_SCALE);
    Ok(r)
}

/// The scale of exact non-money numbers (quantities, percentages): Decimal(38,3).
pub const NUMBER_SCALE: u32 = 3;

/// Parse an exact non-money number (a quantity), refusing more than 3 decimals.
pub fn parse_quantity(s: &str) -> Result<Option<Decimal>, NumberError> {
    match parse_decimal(s)? {
        None => Ok(None),
        Some(d) if d.normalize().scale() > NUMBER_SCALE => Err(NumberError(format!(
            "`{}` has more than {NUMBER_SCALE} decimals",
            s.trim()
        ))),
        Some(d) => Ok(Some(d)),
    }
}

/// Convert an amount printed in 元 to 万元 exactly.
pub fn yuan_to_wan(d: Decimal) -> Result<Decimal, String> {
    let w = d
        .checked_div(Decimal::from(10_000))
        .ok_or_else(|| "is too large".to_string())?;
    to_money(w)
}

/// Parse a percentage cell: `25.00%`, `50%`, `0`, `100.00%`, `１００％`.
/// Returns the percent number (25 for 25%); a bare number is read as percent.
pub fn parse_percent(s: &str) -> Result<Option<Decimal>, NumberError> {
    if is_blank_figure(s) {
        return Ok(None);
    }
    let t = normalize_number_text(s);
    let body = t.strip_suffix('%').unwrap_or(&t);
    match parse_decimal(body) {
        Ok(Some(d)) if d.normalize().scale() > NUMBER_SCALE => Err(NumberError(format!(
            "`{}` has more than {NUMBER_SCALE} decimals; percentages are kept to 0.001",
            s.trim()
        ))),
        Ok(Some(d)) => Ok(Some(d)),
        Ok(None) => Err(NumberError(format!("`{}` is not a percentage", s.trim()))),
        Err(_) => Err(NumberError(format!(
            "`{}` is not a percentage (expected e.g. 25%, 25.00% or 0)",
            s.trim()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn plain_amounts_are_exact() {
        assert_eq!(parse_amount("162.00").unwrap(), Some(d("162.0000")));
        assert_eq!(parse_amount("0").unwrap(), Some(d("0.0000")));
        assert_eq!(parse_amount("5.5").unwrap(), Some(d("5.5000")));
        assert_eq!(
            parse_amount("0.1").unwrap().unwrap() + parse_amount("0.2").unwrap().unwrap(),
            d("0.3")
        );
        assert_eq!(parse_amount("1,662.99").unwrap(), Some(d("1662.99")));
        assert_eq!(
            parse_amount("12,345,678.0001").unwrap(),
            Some(d("12345678.0001"))
        );
    }

    #[test]
    fn odd_but_valid_amounts() {
        assert_eq!(parse_amount("１２．５").unwrap(), Some(d("12.5")));
        assert_eq!(parse_amount("\u{3000}3.00\u{3000}").unwrap(), Some(d("3")));
        assert_eq!(parse_amount("-3.2").unwrap(), Some(d("-3.2")));
        assert_eq!(parse_amount("－3.2").unwrap(), Some(d("-3.2")));
        assert_eq!(parse_amount("(4.10)").unwrap(), Some(d("-4.1")));
        assert_eq!(parse_amount("+7").unwrap(), Some(d("7")));
        assert_eq!(parse_amount(".5").unwrap(), Some(d("0.5")));
    }

    #[test]
    fn blanks_are_none() {
        for s in ["", "   ", "\u{3000}", "——", "-", "—", "/"] {
            assert_eq!(parse_amount(s).unwrap(), None, "{s:?}");
        }
    }

    #[test]
    fn garbage_is_an_error_that_quotes_the_cell() {
        for s in ["5.0x", "abc", "1.2.3", "12万", "--5", "1,23", "3-"] {
            let e = parse_amount(s).unwrap_err();
            assert!(e.0.contains(s), "{s}: {}", e.0);
        }
    }

    #[test]
    fn sub_fen_precision_is_refused_not_rounded() {
        assert!(parse_amount("1.0000001").is_err());
        assert_eq!(parse_amount("1.0000010").unwrap(), Some(d("1.000001")));
        assert_eq!(parse_amount("1.00001").unwrap(), Some(d("1.00001")));
    }

    #[test]
    fn yuan_convert_exactly() {
        assert_eq!(yuan_to_wan(d("1234500")).unwrap(), d("123.45"));
        assert_eq!(yuan_to_wan(d("1")).unwrap(), d("0.0001"));
        // cents convert exactly: 96,282,213.44 元 = 9,628.221344 万元
        assert_eq!(yuan_to_wan(d("96282213.44")).unwrap(), d("9628.221344"));
        assert!(yuan_to_wan(d("0.005")).is_err());
    }

    #[test]
    fn percentages() {
        assert_eq!(parse_percent("25.00%").unwrap(), Some(d("25")));
        assert_eq!(parse_percent("50%").unwrap(), Some(d("50")));
        assert_eq!(parse_percent("0").unwrap(), Some(d("0")));
        assert_eq!(parse_percent("１００％").unwrap(), Some(d("100")));
        assert_eq!(parse_percent("").unwrap(), None);
        assert!(parse_percent("half").is_err());
        assert!(parse_percent("%").is_err());
        assert!(parse_percent("0.000001").is_err());
        assert_eq!(parse_quantity("1.5").unwrap(), Some(d("1.5")));
        assert!(parse_quantity("1.0001").is_err());
    }
}
