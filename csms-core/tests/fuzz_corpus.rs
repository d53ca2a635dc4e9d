//! The pipeline of the `api_body` fuzz target (`fuzz/`), run in the normal test suite over its
//! committed corpus, over mutations of it and over arbitrary bytes: nothing may panic, and
//! refusals are 400 or 422 (see `csms_core::api::fuzzing::request_body`).

#![cfg(feature = "http-api")]

use std::path::PathBuf;

use csms_core::api::fuzzing::request_body;
use proptest::prelude::*;

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
fn the_api_body_corpus_runs_clean() {
    let accepted: usize = corpus("api_body")
        .iter()
        .map(|body| request_body(body))
        .sum();
    assert!(accepted > 0, "no body of the corpus is accepted");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn arbitrary_bytes(body in prop::collection::vec(any::<u8>(), 0..200)) {
        request_body(&body);
    }

    #[test]
    fn mutated_bodies(
        pick in any::<prop::sample::Index>(),
        flips in prop::collection::vec((any::<usize>(), any::<u8>()), 1..4),
    ) {
        let inputs = corpus("api_body");
        let mut input = pick.get(&inputs).clone();
        for (at, byte) in flips {
            let len = input.len();
            input[at % len] = byte;
        }
        request_body(&input);
    }
}
