//! The pipelines of the `upgrade_request` and `inflate` fuzz targets (`fuzz/`), run in the
//! normal test suite over their committed corpora, over mutations of them and over arbitrary
//! bytes: nothing may panic (see `ocpp_server::fuzzing` for what each checks).

use std::path::PathBuf;

use ocpp_server::fuzzing::{self, HeadOutcome, InflateOutcome};
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

/// `input` with `flips` bytes replaced (positions and values from the pairs).
fn mutate(mut input: Vec<u8>, flips: &[(usize, u8)]) -> Vec<u8> {
    if !input.is_empty() {
        for &(at, byte) in flips {
            let len = input.len();
            input[at % len] = byte;
        }
    }
    input
}

#[test]
fn the_upgrade_request_corpus_runs_clean() {
    let outcomes: Vec<_> = corpus("upgrade_request")
        .iter()
        .map(|head| fuzzing::upgrade_request(head))
        .collect();
    // The corpus reaches every kind of outcome.
    assert!(outcomes.contains(&HeadOutcome::Upgrade));
    assert!(outcomes.contains(&HeadOutcome::Incomplete));
    assert!(
        outcomes
            .iter()
            .any(|o| matches!(o, HeadOutcome::Refused(_)))
    );
}

#[test]
fn the_inflate_corpus_runs_clean() {
    let outcomes: Vec<_> = corpus("inflate")
        .iter()
        .map(|input| fuzzing::inflate(input))
        .collect();
    for outcome in [
        InflateOutcome::Read,
        InflateOutcome::TooBig,
        InflateOutcome::Failed,
    ] {
        assert!(outcomes.contains(&outcome), "{outcome:?} not reached");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn arbitrary_heads(head in prop::collection::vec(any::<u8>(), 0..300)) {
        fuzzing::upgrade_request(&head);
    }

    #[test]
    fn mutated_heads(
        pick in any::<prop::sample::Index>(),
        flips in prop::collection::vec((any::<usize>(), any::<u8>()), 1..4),
    ) {
        let inputs = corpus("upgrade_request");
        let input = pick.get(&inputs).clone();
        fuzzing::upgrade_request(&mutate(input, &flips));
    }

    #[test]
    fn arbitrary_deflate_input(input in prop::collection::vec(any::<u8>(), 0..300)) {
        fuzzing::inflate(&input);
    }

    #[test]
    fn mutated_deflate_input(
        pick in any::<prop::sample::Index>(),
        flips in prop::collection::vec((any::<usize>(), any::<u8>()), 1..4),
    ) {
        let inputs = corpus("inflate");
        let input = pick.get(&inputs).clone();
        fuzzing::inflate(&mutate(input, &flips));
    }
}
