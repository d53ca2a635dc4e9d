//! Helpers shared by the integration tests.

#![allow(dead_code, unreachable_pub)]

use serde_json::Value;

/// JSON equality where numbers are compared by value (`15.00` equals `15`).
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.to_string(), y.to_string());
            match (
                x.parse::<rust_decimal::Decimal>()
                    .or_else(|_| rust_decimal::Decimal::from_scientific(&x)),
                y.parse::<rust_decimal::Decimal>()
                    .or_else(|_| rust_decimal::Decimal::from_scientific(&y)),
            ) {
                (Ok(x), Ok(y)) => x == y,
                _ => x == y,
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// The first difference between two JSON values, for failure messages.
pub fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (a, b))| first_difference(a, b, &format!("{path}[{i}]"))),
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                match y.get(k) {
                    None => return Some(format!("{path}.{k}: missing on the right")),
                    Some(w) => {
                        if let Some(d) = first_difference(v, w, &format!("{path}.{k}")) {
                            return Some(d);
                        }
                    }
                }
            }
            y.keys()
                .find(|k| !x.contains_key(*k))
                .map(|k| format!("{path}.{k}: missing on the left"))
        }
        _ if json_eq(a, b) => None,
        _ => Some(format!("{path}: {a} != {b}")),
    }
}

/// Resolves a local `$ref` (`#/$defs/Name`) against the root schema.
pub fn resolve<'a>(schema: &'a Value, root: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.trim_start_matches("#/$defs/");
            resolve(&root["$defs"][name], root)
        }
        None => schema,
    }
}

/// The JSON type of a schema, ignoring `null` in a type list.
pub fn schema_type(schema: &Value) -> Option<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => Some(t.as_str()),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null"),
        _ => None,
    }
}

/// A small valid instance of `schema`: required properties only, one element
/// per array, the first enum value, and fixed strings matching the patterns.
pub fn minimal(schema: &Value, root: &Value) -> Value {
    let schema = resolve(schema, root);
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return values[0].clone();
    }
    if let Some(options) = schema.get("anyOf").and_then(Value::as_array) {
        let option = options
            .iter()
            .find(|o| o.get("type").and_then(Value::as_str) != Some("null"))
            .expect("a non-null option");
        return minimal(option, root);
    }
    match schema_type(schema) {
        Some("object") => {
            let mut out = serde_json::Map::new();
            let required: Vec<&str> = schema["required"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            for name in required {
                out.insert(name.to_owned(), minimal(&schema["properties"][name], root));
            }
            Value::Object(out)
        }
        Some("array") => Value::Array(vec![minimal(&schema["items"], root)]),
        Some("string") => Value::String(sample_string(schema)),
        Some("integer") => {
            serde_json::json!(schema.get("minimum").and_then(Value::as_i64).unwrap_or(1))
        }
        Some("number") => serde_json::json!(1.5),
        Some("boolean") => Value::Bool(true),
        other => panic!("no minimal value for schema type {other:?}: {schema}"),
    }
}

fn sample_string(schema: &Value) -> String {
    if schema.get("format").and_then(Value::as_str) == Some("date-time") {
        return "2019-06-24T12:39:09Z".to_owned();
    }
    let pattern = schema.get("pattern").and_then(Value::as_str).unwrap_or("");
    let candidates = [
        "AB",
        "https://example.com/x",
        "50.770774",
        "-126.104965",
        "18:15",
        "2015-12-24",
    ];
    let max = schema
        .get("maxLength")
        .and_then(Value::as_u64)
        .unwrap_or(64) as usize;
    for c in candidates {
        if c.len() <= max && matches_pattern(pattern, c) {
            return c.to_owned();
        }
    }
    panic!("no sample string for pattern {pattern:?}")
}

/// A tiny check of the few patterns the schemas use (the real check in the
/// tests is the `jsonschema` validator).
fn matches_pattern(pattern: &str, text: &str) -> bool {
    match pattern {
        "" | "^[ -~]*$" | "^[^\\x00-\\x1F\\x7F-\\x9F]*$" => text == "AB",
        "^[A-Za-z][A-Za-z0-9+.-]*:[!-~]*$" => text.starts_with("https:"),
        "^-?[0-9]{1,2}\\.[0-9]{5,7}$" => text == "50.770774",
        "^-?[0-9]{1,3}\\.[0-9]{5,7}$" => text == "-126.104965",
        "^([0-1][0-9]|2[0-3]):[0-5][0-9]$" => text == "18:15",
        "^([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$" => text == "2015-12-24",
        other => panic!("unexpected pattern {other:?}"),
    }
}
