//! The OpenAPI `pattern` of a decimal field: JSON Schema has no bounds for numbers written as
//! strings, so `min` and `max` become part of the pattern, digit by digit, and the document
//! allows exactly the strings the service accepts.
//!
//! The pattern is an ECMA-262 regular expression (lookaheads included), as JSON Schema's
//! `pattern` is: a lookahead holds the digits the service reads (18 before the point, 10 after)
//! and, where a range has both bounds, the upper one.

/// A decimal literal taken apart: its sign, its integer digits without leading zeros, its
/// fraction digits without trailing zeros (`-0012.500` is `-`, `12`, `5`; zero is `""`, `""`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Bound {
    negative: bool,
    int: String,
    frac: String,
}

impl Bound {
    fn parse(text: &str) -> Option<Self> {
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if !(int.chars().chain(frac.chars())).all(|c| c.is_ascii_digit()) {
            return None;
        }
        let int = int.trim_start_matches('0').to_string();
        let frac = frac.trim_end_matches('0').to_string();
        let zero = int.is_empty() && frac.is_empty();
        Some(Self {
            negative: negative && !zero,
            int,
            frac,
        })
    }

    fn is_zero(&self) -> bool {
        self.int.is_empty() && self.frac.is_empty()
    }

    /// The same magnitude, without the sign.
    fn magnitude(&self) -> Self {
        Self {
            negative: false,
            ..self.clone()
        }
    }
}

/// What the service reads as a decimal, with an optional sign.
const DIGITS: &str = r"-?[0-9]{1,18}(\.[0-9]{1,10})?";

/// The pattern of a decimal between `min` and `max` (decimal literals; either may be absent).
pub fn pattern(min: Option<&str>, max: Option<&str>) -> String {
    let min = min.and_then(Bound::parse);
    let max = max.and_then(Bound::parse);
    if min.is_none() && max.is_none() {
        return format!("^{DIGITS}$");
    }
    let mut regions = Vec::new();
    // Zero and above: from the larger of zero and `min` to `max`.
    if max.as_ref().is_none_or(|max| !max.negative) {
        let low = min.as_ref().filter(|min| !min.negative && !min.is_zero());
        regions.push(unsigned_between(low, max.as_ref()));
    }
    // Below zero (and `-0`, which is zero): a magnitude from that of `max` (or zero) to that of
    // `min` (or without end).
    if min.as_ref().is_none_or(|min| min.negative || min.is_zero()) {
        let low = max
            .as_ref()
            .filter(|max| max.negative)
            .map(Bound::magnitude);
        let high = min.as_ref().map(Bound::magnitude);
        regions.push(format!(
            "-{}",
            unsigned_between(low.as_ref(), high.as_ref())
        ));
    }
    format!("^(?={DIGITS}$)(?:{})$", regions.join("|"))
}

/// Unsigned decimal strings (leading zeros and trailing fraction zeros allowed) from `low` to
/// `high`, both included; no bound means no limit on that side.
fn unsigned_between(low: Option<&Bound>, high: Option<&Bound>) -> String {
    match (low, high) {
        (None, None) => r"[0-9]+(\.[0-9]{1,10})?".to_string(),
        (None, Some(high)) => at_most(high),
        (Some(low), None) => at_least(low),
        (Some(low), Some(high)) => format!("(?=(?:{})$)(?:{})", at_most(high), at_least(low)),
    }
}

/// Any fraction part the service reads, or none.
const FRACTION: &str = r"(\.[0-9]{1,10})?";

/// Unsigned decimal strings whose value is at most `high`.
fn at_most(high: &Bound) -> String {
    let digits: Vec<u8> = high.int.bytes().map(|b| b - b'0').collect();
    let n = digits.len();
    let mut alternatives = Vec::new();
    // Fewer integer digits (no integer digit at all is zero: `0`, `0.5`).
    if n >= 1 {
        let shorter = match n {
            1 => String::new(),
            2 => "[1-9]?".to_string(),
            _ => format!("([1-9][0-9]{{0,{}}})?", n - 2),
        };
        alternatives.push(format!("{shorter}{FRACTION}"));
    }
    // As many digits, smaller at the first place they differ.
    for (i, &d) in digits.iter().enumerate() {
        if d > 0 {
            alternatives.push(format!(
                "{}{}{}{FRACTION}",
                &high.int[..i],
                digits_between(0, d - 1),
                repeat(n - i - 1)
            ));
        }
    }
    // The same integer part, and a fraction no larger.
    alternatives.push(format!("{}{}", high.int, fraction_at_most(&high.frac)));
    format!("0*(?:{})", alternatives.join("|"))
}

/// Unsigned decimal strings whose value is at least `low`.
fn at_least(low: &Bound) -> String {
    let digits: Vec<u8> = low.int.bytes().map(|b| b - b'0').collect();
    let n = digits.len();
    // More integer digits.
    let mut alternatives = vec![format!("[1-9][0-9]{{{n},}}{FRACTION}")];
    // As many digits, larger at the first place they differ.
    for (i, &d) in digits.iter().enumerate() {
        if d < 9 {
            alternatives.push(format!(
                "{}{}{}{FRACTION}",
                &low.int[..i],
                digits_between(d + 1, 9),
                repeat(n - i - 1)
            ));
        }
    }
    // The same integer part, and a fraction no smaller.
    alternatives.push(format!("{}{}", low.int, fraction_at_least(&low.frac)));
    format!("0*(?:{})", alternatives.join("|"))
}

/// One digit from `low` to `high`: `[0-4]`, or `7` alone.
fn digits_between(low: u8, high: u8) -> String {
    if low == high {
        low.to_string()
    } else {
        format!("[{low}-{high}]")
    }
}

/// `[0-9]{n}`, or nothing for none.
fn repeat(n: usize) -> String {
    match n {
        0 => String::new(),
        1 => "[0-9]".to_string(),
        n => format!("[0-9]{{{n}}}"),
    }
}

/// An optional fraction part whose value is at most `0.frac`.
fn fraction_at_most(frac: &str) -> String {
    if frac.is_empty() {
        return r"(\.0+)?".to_string();
    }
    let digits: Vec<u8> = frac.bytes().map(|b| b - b'0').collect();
    let mut alternatives = Vec::new();
    for (i, &d) in digits.iter().enumerate() {
        // A prefix of `frac` followed by zeros is no larger.
        if i > 0 {
            alternatives.push(format!("{}0*", &frac[..i]));
        }
        if d > 0 {
            alternatives.push(format!("{}{}[0-9]*", &frac[..i], digits_between(0, d - 1)));
        }
    }
    alternatives.push(format!("{frac}0*"));
    format!(r"(\.(?:{}))?", alternatives.join("|"))
}

/// A fraction part (or none, when `frac` is zero) whose value is at least `0.frac`.
fn fraction_at_least(frac: &str) -> String {
    if frac.is_empty() {
        return FRACTION.to_string();
    }
    let digits: Vec<u8> = frac.bytes().map(|b| b - b'0').collect();
    let mut alternatives = Vec::new();
    for (i, &d) in digits.iter().enumerate() {
        if d < 9 {
            alternatives.push(format!("{}{}[0-9]*", &frac[..i], digits_between(d + 1, 9)));
        }
    }
    alternatives.push(format!("{frac}[0-9]*"));
    format!(r"\.(?:{})", alternatives.join("|"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `text` as an exact number of ten-billionths.
    fn value(text: &str) -> i128 {
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let int: i128 = if int.is_empty() {
            0
        } else {
            int.parse().unwrap()
        };
        let frac: i128 = format!("{frac:0<10}").parse().unwrap();
        let magnitude = int * 10_000_000_000 + frac;
        if negative {
            -magnitude
        } else {
            magnitude
        }
    }

    /// Decimal strings around the interesting places of the bounds below, written in every way
    /// the service reads them: signs, leading zeros, trailing fraction zeros.
    fn samples() -> Vec<String> {
        let mut out = Vec::new();
        for int in [
            0u64, 1, 5, 9, 10, 59, 60, 61, 99, 100, 999, 1000, 1001, 99_999, 100_000, 100_001,
            999_999, 1_000_000, 1_000_001, 12_345_678,
        ] {
            for frac in [
                "", ".0", ".00", ".4", ".49", ".5", ".50", ".500", ".51", ".6", ".9", ".99", ".05",
                ".0001",
            ] {
                for lead in ["", "0", "00"] {
                    for sign in ["", "-"] {
                        out.push(format!("{sign}{lead}{int}{frac}"));
                    }
                }
            }
        }
        out
    }

    /// Whether the whole `pattern(min, max)` matches `text`, as an ECMA-262 engine would
    /// (fancy-regex reads lookaheads).
    fn accepts(min: Option<&str>, max: Option<&str>, text: &str) -> bool {
        let pattern = pattern(min, max);
        fancy_regex::Regex::new(&pattern)
            .unwrap_or_else(|err| panic!("{pattern}: {err}"))
            .is_match(text)
            .unwrap()
    }

    #[test]
    fn patterns_accept_exactly_the_values_within_their_bounds() {
        let bounds = [
            (Some("0"), None),
            (None, Some("60")),
            (Some("0"), Some("60")),
            (Some("-1000.50"), Some("1000000")),
            (Some("1.5"), Some("100000")),
            (Some("0.05"), Some("0.5")),
            (Some("-99.99"), Some("-1")),
            (None, Some("-0.5")),
            (Some("10"), Some("10")),
            (Some("0"), Some("0")),
            (Some("999"), None),
        ];
        for (min, max) in bounds {
            for text in samples() {
                let v = value(&text);
                let within = min.is_none_or(|m| v >= value(m)) && max.is_none_or(|m| v <= value(m));
                assert_eq!(
                    accepts(min, max, &text),
                    within,
                    "{text} with min {min:?} and max {max:?}"
                );
            }
        }
    }

    #[test]
    fn a_decimal_without_bounds_keeps_the_plain_pattern() {
        assert_eq!(pattern(None, None), r"^-?[0-9]{1,18}(\.[0-9]{1,10})?$");
        let bounded = pattern(Some("0"), Some("60"));
        assert!(
            bounded.starts_with(r"^(?=-?[0-9]{1,18}(\.[0-9]{1,10})?$)"),
            "{bounded}"
        );
    }
}
