//! Validation of decoded OCPI objects against the rules of the specification.
//!
//! Decoding (see [`crate::decode()`]) is deliberately forgiving about what it can
//! keep: strings of any length, enum values the specification does not list,
//! timestamps with a UTC offset. Validation then judges the value:
//!
//! - in [`Mode::Strict`] every rule of the specification that is broken is an
//!   **error**;
//! - in [`Mode::Lenient`] the same findings are **warnings**, so that a back end
//!   can accept and store what a partner sent while still logging what was wrong.
//!
//! Every finding carries a JSON path such as `$.evses[0].connectors[1].standard`.
//!
//! Besides the rules of single fields (lengths, patterns, enum values,
//! cardinalities), objects check the rules that relate their fields, listed in
//! [`crate::rules`].

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// How strictly the rules of the specification are applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Every violation of the specification is an error.
    #[default]
    Strict,
    /// Violations that leave the value usable (over-long strings, unknown enum
    /// values, unknown fields, broken cross-field rules, ...) are warnings.
    /// What cannot be decoded into the type (a missing required field, a
    /// value of the wrong JSON type) is an error for [`decode()`](crate::decode())
    /// and makes [`decode_partial()`](crate::decode_partial()) keep the object
    /// as a [`Partial`](crate::Partial) one, with a warning per gap.
    Lenient,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Strict => "strict",
            Mode::Lenient => "lenient",
        })
    }
}

impl std::str::FromStr for Mode {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "strict" => Ok(Mode::Strict),
            "lenient" => Ok(Mode::Lenient),
            other => Err(crate::Error::Usage(format!(
                "unknown mode '{other}' (expected 'strict' or 'lenient')"
            ))),
        }
    }
}

/// One finding: where (a JSON path) and what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    /// JSON path of the offending value, e.g. `$.evses[0].connectors[1].standard`.
    pub path: String,
    /// What is wrong, in words.
    pub message: String,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// The findings of a validation: errors and warnings.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Report {
    /// Violations that make the value invalid in the chosen mode.
    pub errors: Vec<Issue>,
    /// Violations that were tolerated (lenient mode) and remarks.
    pub warnings: Vec<Issue>,
}

impl Report {
    /// `true` when there is no error (warnings may be present).
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// Appends the findings of `other`.
    pub fn merge(&mut self, other: Report) {
        self.errors.extend(other.errors);
        self.warnings.extend(other.warnings);
    }
}

/// One step of a JSON path.
#[derive(Debug, Clone)]
enum Segment {
    Field(String),
    Index(usize),
}

/// Walks a value, keeping track of the JSON path and collecting findings.
///
/// Implementations of [`Validate`] receive a `Validator`, descend with
/// [`Validator::field`] and [`Validator::index`], and report with
/// [`Validator::violation`].
#[derive(Debug)]
pub struct Validator {
    mode: Mode,
    base: String,
    path: Vec<Segment>,
    report: Report,
    /// Paths whose values are stand-ins (see [`crate::partial`]): cross-field
    /// rules that involve them are not checked.
    gaps: Vec<String>,
}

impl Validator {
    /// A validator whose paths start at `$`.
    pub fn new(mode: Mode) -> Self {
        Self::with_base(mode, "$")
    }

    /// A validator whose paths start at `base` (e.g. `$.data[3]`).
    pub fn with_base(mode: Mode, base: &str) -> Self {
        Validator {
            mode,
            base: base.to_owned(),
            path: Vec::new(),
            report: Report::default(),
            gaps: Vec::new(),
        }
    }

    /// Declares the JSON paths whose values are stand-ins for missing or
    /// undecodable values; cross-field rules that involve them are skipped.
    pub(crate) fn with_gaps(mut self, gaps: Vec<String>) -> Self {
        self.gaps = gaps;
        self
    }

    /// A cross-field rule is broken: reports `message` at member `at` of the
    /// current object (the object itself when `at` is empty), unless one of
    /// the members named in `involved` is (or holds) a stand-in.
    pub(crate) fn rule(&mut self, involved: &[&str], at: &str, message: impl Into<String>) {
        let here = self.path();
        let touches_gap = involved.iter().any(|field| {
            let member = format!("{here}.{field}");
            self.gaps
                .iter()
                .any(|gap| is_at_or_below(gap, &member) || is_at_or_below(&member, gap))
        });
        if touches_gap {
            return;
        }
        if at.is_empty() {
            self.violation(message);
        } else {
            let message = message.into();
            self.field(at, |v| v.violation(message));
        }
    }

    /// The mode in use.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The current JSON path.
    pub fn path(&self) -> String {
        let mut out = self.base.clone();
        for segment in &self.path {
            match segment {
                Segment::Field(name) => {
                    out.push('.');
                    out.push_str(name);
                }
                Segment::Index(i) => {
                    out.push('[');
                    out.push_str(&i.to_string());
                    out.push(']');
                }
            }
        }
        out
    }

    /// Runs `f` one level deeper, at object member `name`.
    pub fn field(&mut self, name: &str, f: impl FnOnce(&mut Self)) {
        let name = name.strip_prefix("r#").unwrap_or(name);
        self.path.push(Segment::Field(name.to_owned()));
        f(self);
        self.path.pop();
    }

    /// Runs `f` one level deeper, at array element `index`.
    pub fn index(&mut self, index: usize, f: impl FnOnce(&mut Self)) {
        self.path.push(Segment::Index(index));
        f(self);
        self.path.pop();
    }

    /// A rule of the specification is broken here: an error in strict mode,
    /// a warning in lenient mode.
    pub fn violation(&mut self, message: impl Into<String>) {
        let issue = Issue {
            path: self.path(),
            message: message.into(),
        };
        match self.mode {
            Mode::Strict => self.report.errors.push(issue),
            Mode::Lenient => self.report.warnings.push(issue),
        }
    }

    /// An error in every mode.
    pub fn error(&mut self, message: impl Into<String>) {
        let issue = Issue {
            path: self.path(),
            message: message.into(),
        };
        self.report.errors.push(issue);
    }

    /// A warning in every mode.
    pub fn warning(&mut self, message: impl Into<String>) {
        let issue = Issue {
            path: self.path(),
            message: message.into(),
        };
        self.report.warnings.push(issue);
    }

    /// The findings so far.
    pub fn finish(self) -> Report {
        self.report
    }
}

/// `true` when `path` is `ancestor` or lies below it.
pub(crate) fn is_at_or_below(path: &str, ancestor: &str) -> bool {
    match path.strip_prefix(ancestor) {
        Some(rest) => rest.is_empty() || rest.starts_with('.') || rest.starts_with('['),
        None => false,
    }
}

/// A value that can be checked against the rules of the specification.
pub trait Validate {
    /// Checks `self`, reporting findings to `v` at its current path.
    fn validate_at(&self, v: &mut Validator);

    /// Checks `self` and returns the findings, with paths starting at `$`.
    ///
    /// ```
    /// use ocpi_types::v221::DisplayText;
    /// use ocpi_types::{Mode, Validate};
    ///
    /// let text: DisplayText = serde_json::from_str(r#"{"language": "english", "text": "Hi"}"#).unwrap();
    /// let report = text.validate(Mode::Strict);
    /// assert_eq!(report.errors[0].path, "$.language");
    /// assert!(text.validate(Mode::Lenient).is_ok());
    /// ```
    fn validate(&self, mode: Mode) -> Report {
        let mut v = Validator::new(mode);
        self.validate_at(&mut v);
        v.finish()
    }
}

impl<T: Validate> Validate for Option<T> {
    fn validate_at(&self, v: &mut Validator) {
        if let Some(inner) = self {
            inner.validate_at(v);
        }
    }
}

impl<T: Validate> Validate for Vec<T> {
    fn validate_at(&self, v: &mut Validator) {
        for (i, item) in self.iter().enumerate() {
            v.index(i, |v| item.validate_at(v));
        }
    }
}

impl<T: Validate> Validate for Box<T> {
    fn validate_at(&self, v: &mut Validator) {
        (**self).validate_at(v);
    }
}

macro_rules! no_rules {
    ($($t:ty),*) => {
        $(impl Validate for $t {
            fn validate_at(&self, _v: &mut Validator) {}
        })*
    };
}
no_rules!(bool, i64, u64, i32, u32, Decimal, serde_json::Value);

/// Extra checks that object definitions attach to single fields
/// (`pub connectors: Vec<Connector> => checks::non_empty`).
pub mod checks {
    use super::Validator;
    use rust_decimal::Decimal;

    /// Cardinality `+`: the list must hold at least one element.
    pub fn non_empty<T>(list: &[T], v: &mut Validator) {
        if list.is_empty() {
            v.violation("must contain at least one element");
        }
    }

    /// `int(n)`: at most `digits` decimal digits.
    pub fn int_digits(value: &Option<i64>, v: &mut Validator, digits: u32) {
        if let Some(n) = value {
            let max = 10_i64.pow(digits) - 1;
            if *n < 0 || *n > max {
                v.violation(format!(
                    "must be an integer of at most {digits} digits (0..={max}), got {n}"
                ));
            }
        }
    }

    /// `int(5)`, e.g. image width and height.
    pub fn int5(value: &Option<i64>, v: &mut Validator) {
        int_digits(value, v, 5);
    }

    /// Weekday numbers 1 (Monday) to 7 (Sunday).
    pub fn weekday(value: &i64, v: &mut Validator) {
        if !(1..=7).contains(value) {
            v.violation(format!(
                "weekday must be 1 (Monday) to 7 (Sunday), got {value}"
            ));
        }
    }

    /// A value that cannot be negative (counts, durations, step sizes).
    pub fn non_negative(value: &i64, v: &mut Validator) {
        if *value < 0 {
            v.violation(format!("must not be negative, got {value}"));
        }
    }

    /// A percentage between 0 and 100.
    pub fn percentage(value: &Decimal, v: &mut Validator) {
        if *value < Decimal::ZERO || *value > Decimal::ONE_HUNDRED {
            v.violation(format!("percentage must be between 0 and 100, got {value}"));
        }
    }
}
