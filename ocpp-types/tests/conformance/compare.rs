//! Comparing JSON values with numbers compared by value (`5.0` equals `5`).

use serde_json::{Number, Value};

use super::subject::escape;

fn numbers_equal(a: &Number, b: &Number) -> bool {
    match (a.as_i64(), b.as_i64(), a.as_u64(), b.as_u64()) {
        (Some(x), Some(y), _, _) => x == y,
        (_, _, Some(x), Some(y)) => x == y,
        _ => a.as_f64() == b.as_f64(),
    }
}

/// The pointer of the first place where `a` and `b` differ, or `None` if they are equal.
pub(crate) fn first_difference(a: &Value, b: &Value) -> Option<String> {
    difference_at(a, b, String::new())
}

fn difference_at(a: &Value, b: &Value, at: String) -> Option<String> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => (!numbers_equal(x, y)).then_some(at),
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                return Some(at);
            }
            x.iter()
                .zip(y)
                .enumerate()
                .find_map(|(i, (x, y))| difference_at(x, y, format!("{at}/{i}")))
        }
        (Value::Object(x), Value::Object(y)) => {
            if let Some(key) = x
                .keys()
                .chain(y.keys())
                .find(|k| x.get(*k).is_none() || y.get(*k).is_none())
            {
                return Some(format!("{at}/{}", escape(key)));
            }
            x.iter()
                .find_map(|(k, v)| difference_at(v, &y[k], format!("{at}/{}", escape(k))))
        }
        _ => (a != b).then_some(at),
    }
}
