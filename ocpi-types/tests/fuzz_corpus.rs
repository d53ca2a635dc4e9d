//! The pipeline of the `ocpi_body` fuzz target (`fuzz/`), run in the normal test suite over
//! its committed corpus, over mutations of it and over arbitrary JSON: nothing may panic (see
//! `ocpi_types::fuzzing::request_body` for what it checks).

use std::path::PathBuf;

use ocpi_types::fuzzing::request_body;
use proptest::prelude::*;
use serde_json::Value;

/// The inputs of the committed corpus of `target`.
fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| std::fs::read(entry.unwrap().path()).unwrap())
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "no corpus in {}", dir.display());
    inputs
}

#[test]
fn the_ocpi_body_corpus_runs_clean() {
    let decoded: usize = corpus("ocpi_body")
        .iter()
        .map(|body| request_body(body))
        .sum();
    assert!(decoded > 0, "nothing in the corpus decodes");
}

/// JSON values of a few levels, with the keys OCPI objects use.
fn json_value() -> impl Strategy<Value = Value> {
    let key = prop::sample::select(vec![
        "country_code",
        "party_id",
        "id",
        "uid",
        "type",
        "auth_id",
        "last_updated",
        "evses",
        "connectors",
        "elements",
        "price_components",
        "start_date_time",
        "kwh",
        "token",
        "roles",
        "url",
        "data",
        "status_code",
        "timestamp",
        "currency",
        "x",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
        Just(Value::from("2024-05-01T12:00:00Z")),
    ];
    leaf.prop_recursive(3, 24, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(key.clone(), inner, 0..6).prop_map(|map| Value::Object(
                map.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn arbitrary_json(value in json_value()) {
        request_body(value.to_string().as_bytes());
    }

    #[test]
    fn mutated_bodies(
        pick in any::<prop::sample::Index>(),
        flips in prop::collection::vec((any::<usize>(), any::<u8>()), 1..4),
    ) {
        let inputs = corpus("ocpi_body");
        let mut input = pick.get(&inputs).clone();
        for (at, byte) in flips {
            let len = input.len();
            input[at % len] = byte;
        }
        request_body(&input);
    }
}
