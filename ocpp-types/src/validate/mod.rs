//! Validation of message payloads against their schema, in strict or lenient mode.
//!
//! Decoding ([`crate::decode`]) checks what the JSON itself must satisfy (types, required
//! fields, unknown fields); [`Validate`] checks the constraints a typed value must satisfy
//! (lengths, ranges, listed values, array sizes). Both report [`Violation`]s that name their
//! JSON path and map to the CallError code of the version ([`ViolationKind::error_code`]).
//!
//! In [`Mode::Strict`] every violation is an error. In [`Mode::Lenient`] the deviations real
//! charging stations are known for (over-long strings, values the schema does not list, unknown
//! fields, `null` for an optional field, timestamps without a time zone) are warnings, and the
//! values are kept. [`ValidationOptions`] refines either mode per action and field.

mod path;

use std::borrow::Cow;
use std::fmt;

use rust_decimal::Decimal;

use crate::ErrorCode;
pub use path::{InvalidPathPattern, JsonPath, PathPattern, PathSegment};

/// What is wrong with a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ViolationKind {
    /// The payload is not valid JSON, or not a JSON object.
    InvalidJson,
    /// The action is not one of the version's actions.
    UnknownAction,
    /// A required field is missing.
    MissingField,
    /// An array has fewer items than `minItems`.
    TooFewItems,
    /// An array has more items than `maxItems`.
    TooManyItems,
    /// A value has the wrong JSON type.
    WrongType,
    /// An integer written with a zero fraction part (`7.0`), which JSON Schema draft-04, the
    /// draft of the OCPP 1.6 core schemas, does not count as an integer; read as the integer.
    IntegerWithFraction,
    /// An optional field is `null` (the schemas allow leaving it out, not `null`).
    NullValue,
    /// A string is not in the format its field requires (`date-time`, `uri`).
    InvalidFormat,
    /// A timestamp without a time zone, or with a space for `T`; read as UTC.
    NonStandardTimestamp,
    /// A string is longer than `maxLength` (counted in Unicode characters).
    TooLong,
    /// A string is not one of the values the schema lists.
    UnknownEnumValue,
    /// A number is below `minimum`.
    BelowMinimum,
    /// A number is above `maximum`.
    AboveMaximum,
    /// A number is not a multiple of `multipleOf`.
    NotMultipleOf,
    /// An object has a member its schema does not define.
    UnknownField,
}

impl ViolationKind {
    /// The CallError code that reports this violation to the peer.
    ///
    /// | violation | code |
    /// | --- | --- |
    /// | invalid JSON, unknown field | `FormatViolation` (1.6: `FormationViolation`) |
    /// | unknown action | `NotImplemented` |
    /// | missing field, too few or too many items | `OccurrenceConstraintViolation` (1.6: `OccurenceConstraintViolation`) |
    /// | wrong type, `null`, `7.0` for a 1.6 integer, bad `date-time` or `uri` format | `TypeConstraintViolation` |
    /// | too long, unlisted value, out of range, not a multiple | `PropertyConstraintViolation` |
    pub const fn error_code(self) -> ErrorCode {
        match self {
            ViolationKind::InvalidJson | ViolationKind::UnknownField => ErrorCode::FormatViolation,
            ViolationKind::UnknownAction => ErrorCode::NotImplemented,
            ViolationKind::MissingField
            | ViolationKind::TooFewItems
            | ViolationKind::TooManyItems => ErrorCode::OccurrenceConstraintViolation,
            ViolationKind::WrongType
            | ViolationKind::IntegerWithFraction
            | ViolationKind::NullValue
            | ViolationKind::InvalidFormat
            | ViolationKind::NonStandardTimestamp => ErrorCode::TypeConstraintViolation,
            ViolationKind::TooLong
            | ViolationKind::UnknownEnumValue
            | ViolationKind::BelowMinimum
            | ViolationKind::AboveMaximum
            | ViolationKind::NotMultipleOf => ErrorCode::PropertyConstraintViolation,
        }
    }

    /// Whether [`Mode::Lenient`] accepts this deviation (as a warning).
    pub const fn tolerated_when_lenient(self) -> bool {
        matches!(
            self,
            ViolationKind::TooLong
                | ViolationKind::UnknownEnumValue
                | ViolationKind::UnknownField
                | ViolationKind::NullValue
                | ViolationKind::IntegerWithFraction
                | ViolationKind::NonStandardTimestamp
        )
    }
}

/// One way in which a payload breaks its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// What is wrong.
    pub kind: ViolationKind,
    /// Where it is.
    pub path: JsonPath,
    /// A sentence for people.
    pub message: String,
}

impl Violation {
    /// The CallError code that reports this violation.
    pub const fn error_code(&self) -> ErrorCode {
        self.kind.error_code()
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// How strictly payloads are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Every constraint of the schema is an error.
    #[default]
    Strict,
    /// The deviations real stations are known for are warnings
    /// (see [`ViolationKind::tolerated_when_lenient`]).
    Lenient,
}

/// What an [`Override`] does where it applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OverrideRule {
    /// Allow strings up to this many characters (instead of the schema's `maxLength`).
    MaxLength(usize),
    /// Report violations of this kind as warnings, whatever the mode.
    Tolerate(ViolationKind),
    /// Report violations of this kind as errors, whatever the mode.
    Forbid(ViolationKind),
}

/// A refinement of the validation mode for one field of one action (or of every action).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// The action it applies to; `None` for every action.
    pub action: Option<String>,
    /// The fields it applies to.
    pub path: PathPattern,
    /// What it does.
    pub rule: OverrideRule,
}

/// The validation mode with its per-action, per-field overrides.
///
/// ```
/// use ocpp_types::validate::{Mode, ValidationOptions, ViolationKind};
///
/// // Strict, but some stations send 50-character serial numbers, and signed meter data
/// // longer than 2,500 characters.
/// let options = ValidationOptions::strict()
///     .with_max_length("BootNotification", "$.chargePointSerialNumber", 50)
///     .unwrap()
///     .with_max_length(
///         "MeterValues",
///         "$.meterValue[*].sampledValue[*].signedMeterValue.signedMeterData",
///         10_000,
///     )
///     .unwrap();
/// assert_eq!(options.mode(), Mode::Strict);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationOptions {
    mode: Mode,
    overrides: Vec<Override>,
}

impl ValidationOptions {
    /// Strict validation without overrides.
    pub fn strict() -> Self {
        ValidationOptions::new(Mode::Strict)
    }

    /// Lenient validation without overrides.
    pub fn lenient() -> Self {
        ValidationOptions::new(Mode::Lenient)
    }

    /// Validation in `mode` without overrides.
    pub fn new(mode: Mode) -> Self {
        ValidationOptions {
            mode,
            overrides: Vec::new(),
        }
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The overrides, in the order they were added.
    pub fn overrides(&self) -> &[Override] {
        &self.overrides
    }

    /// Adds an override; later overrides win over earlier ones.
    pub fn with_override(mut self, rule: Override) -> Self {
        self.overrides.push(rule);
        self
    }

    /// Allows strings of up to `max` characters at `path` in `action` (`"*"` for every action).
    pub fn with_max_length(
        self,
        action: &str,
        path: &str,
        max: usize,
    ) -> Result<Self, InvalidPathPattern> {
        self.with_rule(action, path, OverrideRule::MaxLength(max))
    }

    /// Reports violations of `kind` at `path` in `action` (`"*"` for every action) as warnings.
    pub fn tolerate(
        self,
        action: &str,
        path: &str,
        kind: ViolationKind,
    ) -> Result<Self, InvalidPathPattern> {
        self.with_rule(action, path, OverrideRule::Tolerate(kind))
    }

    /// Reports violations of `kind` at `path` in `action` (`"*"` for every action) as errors.
    pub fn forbid(
        self,
        action: &str,
        path: &str,
        kind: ViolationKind,
    ) -> Result<Self, InvalidPathPattern> {
        self.with_rule(action, path, OverrideRule::Forbid(kind))
    }

    fn with_rule(
        self,
        action: &str,
        path: &str,
        rule: OverrideRule,
    ) -> Result<Self, InvalidPathPattern> {
        Ok(self.with_override(Override {
            action: (action != "*").then(|| action.to_owned()),
            path: PathPattern::parse(path)?,
            rule,
        }))
    }

    fn overrides_for<'a>(
        &'a self,
        action: &'a str,
        path: &'a JsonPath,
    ) -> impl DoubleEndedIterator<Item = &'a OverrideRule> + 'a {
        self.overrides
            .iter()
            .filter(move |o| o.action.as_deref().is_none_or(|a| a == action))
            .filter(move |o| o.path.matches(path))
            .map(|o| &o.rule)
    }

    /// Whether a violation of `kind` at `path` in `action` is an error (else a warning).
    pub fn is_error(&self, action: &str, path: &JsonPath, kind: ViolationKind) -> bool {
        for rule in self.overrides_for(action, path).rev() {
            match rule {
                OverrideRule::Tolerate(k) if *k == kind => return false,
                OverrideRule::Forbid(k) if *k == kind => return true,
                _ => {}
            }
        }
        !(self.mode == Mode::Lenient && kind.tolerated_when_lenient())
    }

    /// The greatest length allowed at `path` in `action`, given the schema's `max`.
    pub fn max_length(&self, action: &str, path: &JsonPath, max: usize) -> usize {
        self.overrides_for(action, path)
            .rev()
            .find_map(|rule| match rule {
                OverrideRule::MaxLength(n) => Some(*n),
                _ => None,
            })
            .unwrap_or(max)
    }
}

/// Errors and warnings found in one payload.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Violations that make the payload invalid.
    pub errors: Vec<Violation>,
    /// Violations that were tolerated.
    pub warnings: Vec<Violation>,
}

impl Report {
    /// Whether there is no error.
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }

    /// Files `violation` as an error or a warning, as `options` say for `action`.
    pub fn file(&mut self, options: &ValidationOptions, action: &str, violation: Violation) {
        if options.is_error(action, &violation.path, violation.kind) {
            self.errors.push(violation);
        } else {
            self.warnings.push(violation);
        }
    }
}

/// An enumeration of the schemas, with a catch-all for values the schema does not list.
pub trait WireEnum {
    /// The wire spelling of the value.
    fn as_wire_str(&self) -> &str;
    /// Whether the value is one the schema does not list.
    fn is_unrecognized(&self) -> bool;
}

/// Checks the constraints of a typed value; implemented by every generated type.
pub trait Validate {
    /// Reports every violation of `self` to `validator`.
    fn validate(&self, validator: &mut Validator<'_>);

    /// Validates `self` as the payload of `action`.
    ///
    /// ```
    /// # #[cfg(feature = "v16")] {
    /// use ocpp_types::v16::AuthorizeRequest;
    /// use ocpp_types::validate::{Validate, ValidationOptions};
    ///
    /// let request = AuthorizeRequest { id_tag: "A-TAG-THAT-IS-MUCH-TOO-LONG".into() };
    /// let report = request.validate_with(&ValidationOptions::strict(), "Authorize");
    /// assert_eq!(report.errors[0].path.to_string(), "$.idTag");
    /// let report = request.validate_with(&ValidationOptions::lenient(), "Authorize");
    /// assert!(report.is_valid());
    /// assert_eq!(report.warnings.len(), 1);
    /// # }
    /// ```
    fn validate_with(&self, options: &ValidationOptions, action: &str) -> Report {
        let mut validator = Validator::new(options, action);
        self.validate(&mut validator);
        validator.finish()
    }
}

/// Walks a typed value, tracking the JSON path, and files violations into a [`Report`].
///
/// The generated `Validate` implementations call its methods; applications rarely need to.
#[derive(Debug)]
pub struct Validator<'a> {
    options: &'a ValidationOptions,
    action: &'a str,
    path: Vec<PathSegment>,
    report: Report,
}

impl<'a> Validator<'a> {
    /// A validator for a payload of `action`.
    pub fn new(options: &'a ValidationOptions, action: &'a str) -> Self {
        Validator {
            options,
            action,
            path: Vec::new(),
            report: Report::default(),
        }
    }

    /// Starts from an existing report (for example the decoder's findings).
    pub fn with_report(mut self, report: Report) -> Self {
        self.report = report;
        self
    }

    /// The findings.
    pub fn finish(self) -> Report {
        self.report
    }

    fn current_path(&self) -> JsonPath {
        JsonPath::from(self.path.clone())
    }

    /// Files a violation at the current path.
    pub fn report(&mut self, kind: ViolationKind, message: impl Into<String>) {
        let violation = Violation {
            kind,
            path: self.current_path(),
            message: message.into(),
        };
        self.report.file(self.options, self.action, violation);
    }

    /// Runs `check` with the path extended by the field `name`.
    #[inline]
    pub fn field(&mut self, name: &'static str, check: impl FnOnce(&mut Self)) {
        self.path.push(PathSegment::Field(Cow::Borrowed(name)));
        check(self);
        self.path.pop();
    }

    /// Runs `check` on every item, with the path extended by its index.
    #[inline]
    pub fn each<T>(&mut self, items: &[T], mut check: impl FnMut(&mut Self, &T)) {
        for (index, item) in items.iter().enumerate() {
            self.path.push(PathSegment::Index(index));
            check(self, item);
            self.path.pop();
        }
    }

    /// Checks `minItems` and `maxItems`.
    pub fn items<T>(&mut self, items: &[T], min: Option<usize>, max: Option<usize>) {
        if let Some(min) = min.filter(|min| items.len() < *min) {
            self.report(
                ViolationKind::TooFewItems,
                format!("{} items, at least {min} required", items.len()),
            );
        }
        if let Some(max) = max.filter(|max| items.len() > *max) {
            self.report(
                ViolationKind::TooManyItems,
                format!("{} items, at most {max} allowed", items.len()),
            );
        }
    }

    /// Checks `maxLength`, counting Unicode characters.
    #[inline]
    pub fn max_length(&mut self, value: &str, max: usize) {
        // A string of at most `max` bytes has at most `max` characters.
        if value.len() > max {
            self.max_length_slow(value, max);
        }
    }

    #[cold]
    fn max_length_slow(&mut self, value: &str, max: usize) {
        let length = value.chars().count();
        if length <= max {
            return;
        }
        let path = self.current_path();
        let allowed = self.options.max_length(self.action, &path, max);
        if length > allowed {
            self.report(
                ViolationKind::TooLong,
                format!("string of {length} characters, at most {max} allowed"),
            );
        }
    }

    /// Checks that an enumeration holds a value the schema lists.
    #[inline]
    pub fn enumeration(&mut self, value: &impl WireEnum) {
        if value.is_unrecognized() {
            self.report(
                ViolationKind::UnknownEnumValue,
                format!("{:?} is not one of the listed values", value.as_wire_str()),
            );
        }
    }

    /// Checks `minimum` and `maximum` of an integer.
    #[inline]
    pub fn integer_range<T: Copy + Into<i64>>(
        &mut self,
        value: &T,
        min: Option<i64>,
        max: Option<i64>,
    ) {
        let value: i64 = (*value).into();
        if let Some(min) = min.filter(|min| value < *min) {
            self.report(
                ViolationKind::BelowMinimum,
                format!("{value} is below the minimum {min}"),
            );
        }
        if let Some(max) = max.filter(|max| value > *max) {
            self.report(
                ViolationKind::AboveMaximum,
                format!("{value} is above the maximum {max}"),
            );
        }
    }

    /// Checks `minimum`, `maximum` and `multipleOf` of a number, exactly.
    pub fn number(
        &mut self,
        value: &Decimal,
        min: Option<Decimal>,
        max: Option<Decimal>,
        multiple_of: Option<Decimal>,
    ) {
        if let Some(min) = min.filter(|min| value < min) {
            self.report(
                ViolationKind::BelowMinimum,
                format!("{value} is below the minimum {min}"),
            );
        }
        if let Some(max) = max.filter(|max| value > max) {
            self.report(
                ViolationKind::AboveMaximum,
                format!("{value} is above the maximum {max}"),
            );
        }
        if let Some(step) = multiple_of.filter(|step| !step.is_zero()) {
            if !value.checked_rem(step).is_some_and(|rest| rest.is_zero()) {
                self.report(
                    ViolationKind::NotMultipleOf,
                    format!("{value} is not a multiple of {step}"),
                );
            }
        }
    }

    /// Checks the `uri` format: a scheme (RFC 3986), a colon, and no spaces.
    pub fn uri(&mut self, value: &str) {
        if !is_uri(value) {
            self.report(
                ViolationKind::InvalidFormat,
                format!("{value:?} is not a URI"),
            );
        }
    }
}

fn is_uri(value: &str) -> bool {
    let Some((scheme, rest)) = value.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_length_counts_characters() {
        let options = ValidationOptions::strict();
        let mut v = Validator::new(&options, "Test");
        v.field("a", |v| v.max_length("ééééé", 5));
        v.field("b", |v| v.max_length("ééééé!", 5));
        let report = v.finish();
        assert_eq!(report.errors.len(), 1);
        assert_eq!(report.errors[0].path.to_string(), "$.b");
        assert_eq!(report.errors[0].kind, ViolationKind::TooLong);
    }

    #[test]
    fn multiple_of_is_exact() {
        let options = ValidationOptions::strict();
        let mut v = Validator::new(&options, "Test");
        let step = Some(Decimal::new(1, 1));
        v.number(&Decimal::new(28, 1), None, None, step);
        v.number(&Decimal::new(1234567, 1), None, None, step);
        assert!(v.finish().is_valid());
        let mut v = Validator::new(&options, "Test");
        v.number(&Decimal::new(281, 2), None, None, step);
        assert_eq!(v.finish().errors[0].kind, ViolationKind::NotMultipleOf);
    }

    #[test]
    fn overrides_apply_per_action_and_path() {
        let options = ValidationOptions::strict()
            .with_max_length("Boot", "$.serial", 50)
            .unwrap()
            .tolerate("*", "$.list[*].kind", ViolationKind::UnknownEnumValue)
            .unwrap();
        let long = "x".repeat(40);
        let mut v = Validator::new(&options, "Boot");
        v.field("serial", |v| v.max_length(&long, 25));
        assert!(v.finish().is_valid());
        let mut v = Validator::new(&options, "Other");
        v.field("serial", |v| v.max_length(&long, 25));
        assert!(!v.finish().is_valid());

        let path = JsonPath::from(vec![
            PathSegment::Field("list".into()),
            PathSegment::Index(3),
            PathSegment::Field("kind".into()),
        ]);
        assert!(!options.is_error("Any", &path, ViolationKind::UnknownEnumValue));
        assert!(options.is_error("Any", &path, ViolationKind::TooLong));
        let lenient = ValidationOptions::lenient()
            .forbid("*", "$.list[*].kind", ViolationKind::UnknownEnumValue)
            .unwrap();
        assert!(lenient.is_error("Any", &path, ViolationKind::UnknownEnumValue));
        assert!(!lenient.is_error("Any", &path, ViolationKind::UnknownField));
    }

    #[test]
    fn uris() {
        assert!(is_uri("https://example.com/a"));
        assert!(is_uri("urn:isbn:123"));
        assert!(!is_uri("no scheme"));
        assert!(!is_uri("1http://x"));
        assert!(!is_uri("http://a b"));
    }
}
