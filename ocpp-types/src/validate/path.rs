//! JSON paths that locate a value inside a message payload.

use std::borrow::Cow;
use std::fmt;

/// One step of a [`JsonPath`]: an object member or an array index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathSegment {
    /// An object member, by its wire name.
    Field(Cow<'static, str>),
    /// An array element, counted from 0.
    Index(usize),
}

/// Where a value sits in a payload, written as `$.meterValue[0].sampledValue[2].unit`.
///
/// ```
/// use ocpp_types::validate::{JsonPath, PathSegment};
///
/// let path = JsonPath::from(vec![
///     PathSegment::Field("meterValue".into()),
///     PathSegment::Index(0),
///     PathSegment::Field("timestamp".into()),
/// ]);
/// assert_eq!(path.to_string(), "$.meterValue[0].timestamp");
/// assert_eq!(path.to_pointer(), "/meterValue/0/timestamp");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct JsonPath(Vec<PathSegment>);

impl JsonPath {
    /// The path of the payload itself (`$`).
    pub const fn root() -> JsonPath {
        JsonPath(Vec::new())
    }

    /// The segments, outermost first.
    pub fn segments(&self) -> &[PathSegment] {
        &self.0
    }

    /// This path with one more segment.
    pub fn join(&self, segment: PathSegment) -> JsonPath {
        let mut segments = self.0.clone();
        segments.push(segment);
        JsonPath(segments)
    }

    /// The same location as a JSON Pointer (RFC 6901), as JSON Schema validators report it.
    pub fn to_pointer(&self) -> String {
        let mut pointer = String::new();
        for segment in &self.0 {
            pointer.push('/');
            match segment {
                PathSegment::Field(name) => {
                    pointer.push_str(&name.replace('~', "~0").replace('/', "~1"))
                }
                PathSegment::Index(index) => pointer.push_str(&index.to_string()),
            }
        }
        pointer
    }
}

impl From<Vec<PathSegment>> for JsonPath {
    fn from(segments: Vec<PathSegment>) -> Self {
        JsonPath(segments)
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("$")?;
        for segment in &self.0 {
            match segment {
                PathSegment::Field(name) if is_plain_name(name) => write!(f, ".{name}")?,
                PathSegment::Field(name) => write!(f, "[{name:?}]")?,
                PathSegment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// A path pattern that names a field wherever it occurs in arrays, for
/// [validation overrides](super::ValidationOptions): `$.meterValue[*].sampledValue[*].value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathPattern(Vec<PatternSegment>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum PatternSegment {
    Field(String),
    AnyIndex,
    Index(usize),
}

/// The text is not a path pattern.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid path pattern {pattern:?}: {reason}")]
pub struct InvalidPathPattern {
    /// The text that was given.
    pub pattern: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl PathPattern {
    /// Reads a pattern such as `$.chargingStation.serialNumber` or
    /// `$.meterValue[*].sampledValue[*].signedMeterValue.signedMeterData`; the leading `$.`
    /// may be left out.
    ///
    /// ```
    /// use ocpp_types::validate::PathPattern;
    ///
    /// assert!(PathPattern::parse("meterValue[*].sampledValue[0].value").is_ok());
    /// assert!(PathPattern::parse("$.a[x]").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<PathPattern, InvalidPathPattern> {
        let invalid = |reason| InvalidPathPattern {
            pattern: text.to_owned(),
            reason,
        };
        let rest = text.strip_prefix('$').unwrap_or(text);
        let rest = rest.strip_prefix('.').unwrap_or(rest);
        let mut segments = Vec::new();
        if rest.is_empty() {
            return Ok(PathPattern(segments));
        }
        for part in rest.split('.') {
            let (name, mut indices) = match part.find('[') {
                Some(at) => (&part[..at], &part[at..]),
                None => (part, ""),
            };
            if name.is_empty() {
                return Err(invalid("empty field name"));
            }
            segments.push(PatternSegment::Field(name.to_owned()));
            while !indices.is_empty() {
                let close = indices.find(']').ok_or_else(|| invalid("unclosed '['"))?;
                let inner = &indices[1..close];
                segments.push(match inner {
                    "*" => PatternSegment::AnyIndex,
                    _ => PatternSegment::Index(
                        inner
                            .parse()
                            .map_err(|_| invalid("an index is a number or '*'"))?,
                    ),
                });
                indices = &indices[close + 1..];
                if !indices.is_empty() && !indices.starts_with('[') {
                    return Err(invalid("unexpected text after ']'"));
                }
            }
        }
        Ok(PathPattern(segments))
    }

    /// Whether `path` is one of the locations this pattern names.
    pub fn matches(&self, path: &JsonPath) -> bool {
        self.0.len() == path.0.len()
            && self
                .0
                .iter()
                .zip(&path.0)
                .all(|(pattern, segment)| match (pattern, segment) {
                    (PatternSegment::Field(want), PathSegment::Field(have)) => want == have,
                    (PatternSegment::AnyIndex, PathSegment::Index(_)) => true,
                    (PatternSegment::Index(want), PathSegment::Index(have)) => want == have,
                    _ => false,
                })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(segments: &[&str]) -> JsonPath {
        JsonPath(
            segments
                .iter()
                .map(|s| match s.parse() {
                    Ok(index) => PathSegment::Index(index),
                    Err(_) => PathSegment::Field(s.to_string().into()),
                })
                .collect(),
        )
    }

    #[test]
    fn display_and_pointer() {
        assert_eq!(JsonPath::root().to_string(), "$");
        assert_eq!(path(&["a", "0", "b"]).to_string(), "$.a[0].b");
        assert_eq!(path(&["a b"]).to_string(), "$[\"a b\"]");
        assert_eq!(path(&["a/b~"]).to_pointer(), "/a~1b~0");
    }

    #[test]
    fn patterns_match_indices() {
        let pattern = PathPattern::parse("$.meterValue[*].sampledValue[*].value").unwrap();
        assert!(pattern.matches(&path(&["meterValue", "3", "sampledValue", "0", "value"])));
        assert!(!pattern.matches(&path(&["meterValue", "3", "sampledValue", "0"])));
        assert!(!pattern.matches(&path(&["meterValue", "3", "other", "0", "value"])));
        let exact = PathPattern::parse("a[1]").unwrap();
        assert!(exact.matches(&path(&["a", "1"])));
        assert!(!exact.matches(&path(&["a", "2"])));
        assert!(PathPattern::parse("$").unwrap().matches(&JsonPath::root()));
        assert!(PathPattern::parse("a[1").is_err());
        assert!(PathPattern::parse("a[1]b").is_err());
        assert!(PathPattern::parse("a..b").is_err());
    }
}
