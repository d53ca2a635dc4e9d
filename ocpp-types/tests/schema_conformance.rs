//! Differential conformance test of the generated messages against the official OCPP JSON
//! schemas (`schemas/ocpp/{1.6,2.0.1,2.1}`), judged by an independent validator (the
//! `jsonschema` crate).
//!
//! For every schema file, a schema-driven generator (`conformance::generate`, seeded by the
//! file name) writes valid instances. Each must decode strictly through the version's
//! `Request::decode` or `Response::decode`, re-encode to the same JSON (numbers compared by
//! value), and still satisfy the schema. Each instance is then broken in one place per kind
//! of mutation (`conformance::mutate`); strict decoding must reject the result exactly when
//! the validator does, with the CallError code of the fault and at the path the validator
//! names, and lenient decoding must accept the deviations it tolerates with a warning there.
//!
//! Where the validator is wrong, the exact meaning of the schema wins: such cases are listed,
//! each with its reason, in `conformance::subject::KNOWN_VALIDATOR_DIFFERENCES`.
//!
//! A failure names the schema file, the instance (its number in the file's sequence, and its
//! JSON), the mutation, and both verdicts. Instances are reproducible:
//! `Rng::for_name("<file label>")` drives the generator of a file, and
//! `Rng::for_name("<file label>#<instance>")` its mutations.

mod conformance;

use std::collections::BTreeMap;

use ocpp_types::ErrorCode;
use ocpp_types::validate::{ValidationOptions, ViolationKind};
use serde_json::{Value, json};

use conformance::compare::first_difference;
use conformance::generate::Generator;
use conformance::mutate::{self, Mutation, MutationKind, abbreviate};
use conformance::rng::Rng;
use conformance::schema::{self, Kind, SchemaFile, Version};
use conformance::subject::{self, KNOWN_VALIDATOR_DIFFERENCES, Verdict, describe_decoded};

/// Valid instances generated per schema file.
const INSTANCES_PER_FILE: usize = 25;

/// A bug of the crate that this test found, kept out of the assertions until it is fixed.
/// Each entry must still be met by the run, so a fix shows up as a stale entry to remove.
#[derive(Debug)]
struct KnownCrateBug {
    /// The schema files where it shows; empty for every file of `draft`.
    files: &'static [&'static str],
    /// The draft of the files where it shows, if that is what selects them.
    draft: Option<jsonschema::Draft>,
    /// The check that fails: `valid`, or a mutation kind.
    check: &'static str,
    /// A text of the failure message that identifies it.
    needle: &'static str,
    /// Input, expected and actual behaviour.
    description: &'static str,
}

/// The crate bugs found so far; see each description.
const KNOWN_CRATE_BUGS: &[KnownCrateBug] = &[];

impl KnownCrateBug {
    fn matches(&self, failure: &Failure) -> bool {
        (self.files.contains(&failure.file.as_str())
            || (self.files.is_empty() && self.draft == Some(failure.draft)))
            && self.check == failure.check
            && failure.message.contains(self.needle)
    }
}

/// A disagreement: the file, the check (`valid` or the mutation kind), and the message.
struct Failure {
    file: String,
    draft: jsonschema::Draft,
    check: String,
    message: String,
}

/// What a run over some schema files found.
#[derive(Default)]
struct Run {
    failures: Vec<Failure>,
    valid_instances: usize,
    mutations: BTreeMap<MutationKind, usize>,
    lenient_checks: BTreeMap<MutationKind, usize>,
    /// How often each entry of `KNOWN_VALIDATOR_DIFFERENCES` set a finding aside.
    differences_used: BTreeMap<usize, usize>,
}

impl Run {
    fn merge(&mut self, other: Run) {
        self.failures.extend(other.failures);
        self.valid_instances += other.valid_instances;
        for (kind, n) in other.mutations {
            *self.mutations.entry(kind).or_default() += n;
        }
        for (kind, n) in other.lenient_checks {
            *self.lenient_checks.entry(kind).or_default() += n;
        }
        for (index, n) in other.differences_used {
            *self.differences_used.entry(index).or_default() += n;
        }
    }

    fn note_verdict(&mut self, verdict: &Verdict) {
        for (_, difference) in &verdict.set_aside {
            let index = KNOWN_VALIDATOR_DIFFERENCES
                .iter()
                .position(|d| std::ptr::eq(d, *difference))
                .unwrap();
            *self.differences_used.entry(index).or_default() += 1;
        }
    }
}

fn strict() -> ValidationOptions {
    ValidationOptions::strict()
}

fn lenient() -> ValidationOptions {
    ValidationOptions::lenient()
}

/// Checks one valid instance: the schema accepts it, strict decoding accepts it without
/// warnings, and it re-encodes to the same JSON, which the schema accepts too.
fn check_valid(
    file: &SchemaFile,
    validator: &jsonschema::Validator,
    instance: &Value,
    context: &str,
    run: &mut Run,
) -> Result<(), String> {
    run.valid_instances += 1;
    let verdict = Verdict::new(file, validator, instance);
    run.note_verdict(&verdict);
    let payload = serde_json::to_string(instance).unwrap();
    let decoded = subject::decode(file, &payload, &strict());
    let fail = |problem: String| {
        format!(
            "{context}: valid instance: {problem}\n  instance: {}\n  crate (strict): {}\n  \
             validator: {}",
            abbreviate(instance),
            describe_decoded(&decoded),
            verdict.describe()
        )
    };
    if !verdict.is_valid() {
        return Err(fail(
            "the generator wrote an instance the schema rejects".into(),
        ));
    }
    let decoded = match &decoded {
        Ok(decoded) if decoded.warnings.is_empty() => decoded,
        Ok(_) => return Err(fail("strict decoding gives warnings".into())),
        Err(_) => return Err(fail("strict decoding rejects it".into())),
    };
    if let Some(at) = first_difference(instance, &decoded.value) {
        return Err(fail(format!(
            "the re-encoded value differs at {at:?}: {}",
            abbreviate(&decoded.value)
        )));
    }
    let again = Verdict::new(file, validator, &decoded.value);
    if !again.is_valid() {
        return Err(fail(format!(
            "the schema rejects the re-encoded value: {}",
            again.describe()
        )));
    }
    Ok(())
}

/// Checks one mutation: strict decoding rejects it exactly when the schema does, with the
/// fault's CallError code at the path the validator names; lenient decoding accepts the
/// deviations it tolerates with a warning at that path, and keeps what it can.
fn check_mutation(
    file: &SchemaFile,
    validator: &jsonschema::Validator,
    original: &Value,
    mutation: &Mutation,
    context: &str,
    run: &mut Run,
) -> Result<(), String> {
    *run.mutations.entry(mutation.kind).or_default() += 1;
    let verdict = Verdict::new(file, validator, &mutation.instance);
    run.note_verdict(&verdict);
    let payload = serde_json::to_string(&mutation.instance).unwrap();
    let decoded = subject::decode(file, &payload, &strict());
    let fail = |problem: String| {
        format!(
            "{context}: mutation {:?} ({}): {problem}\n  mutated instance: {}\n  crate \
             (strict): {}\n  validator: {}",
            mutation.kind,
            mutation.describe(),
            abbreviate(&mutation.instance),
            describe_decoded(&decoded),
            verdict.describe()
        )
    };
    let error = match (&decoded, verdict.is_valid()) {
        (Ok(_), true) if mutation.kind.always_invalid() => {
            return Err(fail("the mutation does not break the schema".into()));
        }
        (Ok(_), true) => return Ok(()),
        (Ok(_), false) => return Err(fail("the crate accepts what the schema rejects".into())),
        (Err(_), true) => return Err(fail("the crate rejects what the schema accepts".into())),
        (Err(error), false) => error,
    };
    let validator_locates = |pointer: &str| {
        verdict
            .errors
            .iter()
            .any(|e| e.located.iter().any(|l| l == pointer))
    };
    if !validator_locates(&mutation.reported_at) {
        return Err(fail(format!(
            "the validator does not place the fault at {:?}",
            mutation.reported_at
        )));
    }
    let first = &error.errors[0];
    if first.path.to_pointer() != mutation.reported_at {
        return Err(fail(format!(
            "the crate places the fault at {:?}, the validator at {:?}",
            first.path.to_pointer(),
            mutation.reported_at
        )));
    }
    if error.error_code() != mutation.kind.expected_code() {
        return Err(fail(format!(
            "CallError code {:?}, expected {:?}",
            error.error_code(),
            mutation.kind.expected_code()
        )));
    }
    if let Some(extra) = error
        .errors
        .iter()
        .find(|e| !validator_locates(&e.path.to_pointer()))
    {
        return Err(fail(format!(
            "the crate also reports {:?} at {:?}, where the validator finds nothing",
            extra.kind,
            extra.path.to_pointer()
        )));
    }

    let Some(warning) = mutation.lenient_warning() else {
        return Ok(());
    };
    *run.lenient_checks.entry(mutation.kind).or_default() += 1;
    let lenient = subject::decode(file, &payload, &lenient());
    let fail = |problem: String| {
        format!(
            "{context}: mutation {:?} ({}), lenient: {problem}\n  mutated instance: {}\n  \
             crate (lenient): {}\n  validator: {}",
            mutation.kind,
            mutation.describe(),
            abbreviate(&mutation.instance),
            describe_decoded(&lenient),
            verdict.describe()
        )
    };
    let Ok(decoded) = &lenient else {
        return Err(fail(
            "lenient decoding rejects a tolerated deviation".into(),
        ));
    };
    if !decoded
        .warnings
        .iter()
        .any(|w| w.kind == warning && w.path.to_pointer() == mutation.reported_at)
    {
        return Err(fail(format!(
            "no {warning:?} warning at {:?}",
            mutation.reported_at
        )));
    }
    let expected = mutation.lenient_result(original);
    if let Some(at) = first_difference(&expected, &decoded.value) {
        return Err(fail(format!(
            "the re-encoded value differs at {at:?}: {}",
            abbreviate(&decoded.value)
        )));
    }
    Ok(())
}

/// Generates the instances of one file and checks them and their mutations.
fn check_file(file: &SchemaFile) -> Run {
    let mut run = Run::default();
    let validator = schema::validator_for(file);
    let mut generator = Generator::new(&file.schema, &file.label);
    let mut rng = Rng::for_name(&file.label);
    for index in 0..INSTANCES_PER_FILE {
        // The first instance has only the required members, the second every member.
        generator.optional_percent = match index {
            0 => 0,
            1 => 100,
            _ => 50,
        };
        let instance = generator.instance(&mut rng);
        let context = format!("{file}, instance #{index}");
        if let Err(message) = check_valid(file, &validator, &instance, &context, &mut run) {
            run.failures.push(Failure {
                file: file.label.clone(),
                draft: schema::draft_of(file),
                check: "valid".to_owned(),
                message,
            });
            continue;
        }
        // One mutation of each kind that applies, at a random place.
        let mut mutation_rng = Rng::for_name(&format!("{}#{index}", file.label));
        let sites = mutate::sites(&file.schema, &instance);
        for kind in MutationKind::ALL {
            let of_kind: Vec<_> = sites.iter().filter(|s| s.kind == kind).collect();
            if of_kind.is_empty() {
                continue;
            }
            let site = *mutation_rng.pick(&of_kind);
            let mutation = mutate::apply(site, &instance, &generator, &mut mutation_rng);
            if let Err(message) =
                check_mutation(file, &validator, &instance, &mutation, &context, &mut run)
            {
                run.failures.push(Failure {
                    file: file.label.clone(),
                    draft: schema::draft_of(file),
                    check: format!("{kind:?}"),
                    message,
                });
            }
        }
    }
    run
}

/// Runs `check_file` over every schema file, on two threads.
fn check_all() -> Run {
    let files = schema::load_all();
    let mut run = Run::default();
    let halves: Vec<Run> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..2)
            .map(|worker| {
                let files = &files;
                scope.spawn(move || {
                    let mut run = Run::default();
                    for file in files.iter().skip(worker).step_by(2) {
                        run.merge(check_file(file));
                    }
                    run
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    for half in halves {
        run.merge(half);
    }
    run
}

#[test]
fn generated_and_mutated_instances_agree_with_the_schemas() {
    let run = check_all();
    eprintln!(
        "{} valid instances; mutations: {:?}; lenient checks: {:?}; known validator \
         differences used: {:?}",
        run.valid_instances, run.mutations, run.lenient_checks, run.differences_used
    );
    let mut bugs_met = vec![0; KNOWN_CRATE_BUGS.len()];
    let mut failures = Vec::new();
    for failure in run.failures {
        match KNOWN_CRATE_BUGS
            .iter()
            .position(|bug| bug.matches(&failure))
        {
            Some(index) => bugs_met[index] += 1,
            None => failures.push(failure),
        }
    }
    for (bug, met) in KNOWN_CRATE_BUGS.iter().zip(&bugs_met) {
        eprintln!("known crate bug, met {met} times: {}", bug.description);
        assert!(
            *met > 0,
            "a known crate bug was not met: fixed? remove it from KNOWN_CRATE_BUGS: {bug:?}"
        );
    }
    if !failures.is_empty() {
        // One example per file and check, with the number of instances that failed it.
        let mut groups: BTreeMap<(&str, &str), (usize, &str)> = BTreeMap::new();
        for failure in &failures {
            let group = groups
                .entry((&failure.file, &failure.check))
                .or_insert((0, &failure.message));
            group.0 += 1;
        }
        let report: Vec<String> = groups
            .iter()
            .map(|((file, check), (count, example))| {
                format!("{file} / {check}: {count} failing, for example\n{example}")
            })
            .collect();
        panic!(
            "{} disagreements with the schemas, in {} files and checks:\n\n{}",
            failures.len(),
            groups.len(),
            report.join("\n\n")
        );
    }
    // The run must have exercised every kind of mutation, and every listed difference.
    let files: usize = Version::ALL.iter().map(|v| v.file_count()).sum();
    assert_eq!(run.valid_instances, files * INSTANCES_PER_FILE);
    for kind in MutationKind::ALL {
        let count = run.mutations.get(&kind).copied().unwrap_or(0);
        assert!(count >= 20, "only {count} mutations of kind {kind:?}");
    }
    for kind in [
        MutationKind::TooLong,
        MutationKind::UnknownEnumValue,
        MutationKind::ExtraProperty,
        MutationKind::Null,
        MutationKind::BadDateTime,
    ] {
        let count = run.lenient_checks.get(&kind).copied().unwrap_or(0);
        assert!(count >= 20, "only {count} lenient checks of kind {kind:?}");
    }
    for (index, difference) in KNOWN_VALIDATOR_DIFFERENCES.iter().enumerate() {
        assert!(
            run.differences_used.contains_key(&index),
            "known validator difference never met, remove it or fix the test: {difference:?}"
        );
    }
}

#[test]
fn every_schema_file_is_a_message_of_its_version() {
    for version in Version::ALL {
        let files = schema::load(version);
        assert_eq!(files.len(), version.file_count(), "{version:?}");
        let actions = subject::actions(version);
        for file in &files {
            let known = actions.iter().find(|(name, _)| *name == file.action);
            let Some((_, has_response)) = known else {
                panic!("{file}: the crate has no action {}", file.action);
            };
            assert!(
                file.kind == Kind::Request || *has_response,
                "{file}: a response to a SEND"
            );
        }
        for (action, has_response) in actions {
            let has = |kind| files.iter().any(|f| f.action == action && f.kind == kind);
            assert!(
                has(Kind::Request),
                "{version:?} {action}: no request schema"
            );
            assert_eq!(
                has(Kind::Response),
                has_response,
                "{version:?} {action}: response schema"
            );
        }
    }
    let send = schema::load(Version::V21)
        .into_iter()
        .find(|f| f.action == "NotifyPeriodicEventStream")
        .unwrap();
    assert_eq!(send.kind, Kind::Request);
    assert!(
        !subject::actions(Version::V21)
            .iter()
            .any(|(name, has_response)| *name == "NotifyPeriodicEventStream" && *has_response)
    );
}

fn file(label: &str) -> SchemaFile {
    let version = Version::ALL
        .into_iter()
        .find(|v| label.starts_with(&format!("{}/", v.dir())))
        .unwrap();
    schema::load(version)
        .into_iter()
        .find(|f| f.label == label)
        .unwrap_or_else(|| panic!("no schema file {label}"))
}

/// The crate's verdict, the validator's raw findings, and the exact verdict (raw findings
/// less the known differences).
fn verdicts(
    file: &SchemaFile,
    instance: &Value,
    options: &ValidationOptions,
) -> (
    Result<ocpp_types::decode::Decoded<Value>, ocpp_types::decode::DecodeError>,
    Vec<subject::SchemaError>,
    Verdict,
) {
    let validator = schema::validator_for(file);
    let payload = serde_json::to_string(instance).unwrap();
    (
        subject::decode(file, &payload, options),
        subject::schema_errors(&validator, instance),
        Verdict::new(file, &validator, instance),
    )
}

/// Sets the value at `pointer` of a copy of `instance`.
fn with(instance: &Value, pointer: &str, value: Value) -> Value {
    let mut copy = instance.clone();
    *copy.pointer_mut(pointer).expect("the pointer exists") = value;
    copy
}

#[test]
fn max_length_counts_characters_not_bytes() {
    let cases = [
        ("1.6/Authorize.json", json!({"idTag": ""}), "/idTag"),
        (
            "2.0.1/BootNotificationRequest.json",
            json!({"chargingStation": {"model": "", "vendorName": "Acme"}, "reason": "PowerUp"}),
            "/chargingStation/model",
        ),
        (
            "2.1/DataTransferRequest.json",
            json!({"vendorId": ""}),
            "/vendorId",
        ),
    ];
    for (label, base, pointer) in cases {
        let file = file(label);
        let node = mutate::sites(&file.schema, &base)
            .into_iter()
            .find(|s| s.kind == MutationKind::TooLong && s.pointer == pointer)
            .unwrap()
            .node;
        let max = node["maxLength"].as_u64().unwrap() as usize;
        for c in ['a', 'é', '€', '😀'] {
            let at_limit = with(&base, pointer, json!(c.to_string().repeat(max)));
            let (crate_verdict, _, verdict) = verdicts(&file, &at_limit, &strict());
            assert!(
                verdict.is_valid() && crate_verdict.is_ok(),
                "{label}: {max} × {c:?} at {pointer}: crate {}, validator {}",
                describe_decoded(&crate_verdict),
                verdict.describe()
            );

            let past = with(&base, pointer, json!(c.to_string().repeat(max + 1)));
            let (crate_verdict, _, verdict) = verdicts(&file, &past, &strict());
            let error = crate_verdict.as_ref().expect_err("one past maxLength");
            assert!(!verdict.is_valid(), "{label}: {}", verdict.describe());
            assert_eq!(error.error_code(), ErrorCode::PropertyConstraintViolation);
            assert_eq!(error.errors[0].kind, ViolationKind::TooLong);
            assert_eq!(error.errors[0].path.to_pointer(), pointer);

            let (lenient_verdict, _, _) = verdicts(&file, &past, &lenient());
            let decoded = lenient_verdict.expect("lenient decoding keeps over-long strings");
            assert_eq!(decoded.warnings.len(), 1, "{label}");
            assert_eq!(decoded.warnings[0].path.to_pointer(), pointer);
            assert_eq!(first_difference(&past, &decoded.value), None);
        }
    }
}

/// Whether the decimal `text` is a multiple of `step` (a power of ten such as `0.1`),
/// decided on the decimal digits alone.
fn is_decimal_multiple(text: &str, step: &str) -> bool {
    let places = step.split_once('.').map_or(0, |(_, f)| f.len());
    let fraction = text.split_once('.').map_or("", |(_, f)| f);
    fraction.len() <= places || fraction[places..].bytes().all(|b| b == b'0')
}

#[test]
fn multiple_of_is_decided_on_decimals_not_binary_floats() {
    let file = file("1.6/SetChargingProfile.json");
    let base = json!({
        "connectorId": 1,
        "csChargingProfiles": {
            "chargingProfileId": 7,
            "stackLevel": 0,
            "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Absolute",
            "chargingSchedule": {
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16}],
                "minChargingRate": 6
            }
        }
    });
    let limit = "/csChargingProfiles/chargingSchedule/chargingSchedulePeriod/0/limit";
    let rate = "/csChargingProfiles/chargingSchedule/minChargingRate";
    for pointer in [limit, rate] {
        for text in [
            "2.8",
            "0.3",
            "0.7",
            "16.1",
            "1.1",
            "4.6",
            "9.9",
            "1234567.8",
            "32",
            "2.85",
            "0.05",
            "16.01",
            "0.31",
        ] {
            let value: Value = serde_json::from_str(text).unwrap();
            let instance = with(&base, pointer, value);
            let exact = is_decimal_multiple(text, "0.1");
            let (crate_verdict, raw, verdict) = verdicts(&file, &instance, &strict());
            assert_eq!(
                crate_verdict.is_ok(),
                exact,
                "{pointer} = {text}: crate {}",
                describe_decoded(&crate_verdict)
            );
            assert_eq!(
                verdict.is_valid(),
                exact,
                "{pointer} = {text}: the validator ({}) disagrees with the exact meaning and no \
                 known difference covers it; raw findings: {raw:?}",
                verdict.describe()
            );
            if let Err(error) = &crate_verdict {
                assert_eq!(error.error_code(), ErrorCode::PropertyConstraintViolation);
                assert_eq!(error.errors[0].kind, ViolationKind::NotMultipleOf);
                assert_eq!(error.errors[0].path.to_pointer(), pointer);
            }
        }
    }
}

#[test]
fn celsius_is_accepted_in_1_6_stop_transaction_as_the_errata_says() {
    let stop = file("1.6/StopTransaction.json");
    let instance = json!({
        "meterStop": 1200,
        "timestamp": "2024-05-01T10:00:00Z",
        "transactionId": 42,
        "transactionData": [{
            "timestamp": "2024-05-01T10:00:00Z",
            "sampledValue": [{"value": "21.5", "measurand": "Temperature", "unit": "Celsius"}]
        }]
    });
    let unit = "/transactionData/0/sampledValue/0/unit";
    let (crate_verdict, raw, verdict) = verdicts(&stop, &instance, &strict());
    let decoded = crate_verdict.expect("Celsius is accepted");
    assert!(decoded.warnings.is_empty());
    assert_eq!(first_difference(&instance, &decoded.value), None);
    // The 2019 file does not list it: the validator's finding is set aside by the list.
    assert!(
        raw.iter()
            .any(|e| e.keyword == "enum" && e.instance_path == unit),
        "{raw:?}"
    );
    assert!(verdict.is_valid(), "{}", verdict.describe());

    // The misspelt value stays valid, in both files; MeterValues.json lists both spellings.
    let celcius = with(&instance, unit, json!("Celcius"));
    let (crate_verdict, raw, _) = verdicts(&stop, &celcius, &strict());
    assert!(crate_verdict.is_ok() && raw.is_empty());
    let meter = file("1.6/MeterValues.json");
    for spelling in ["Celsius", "Celcius"] {
        let instance = json!({
            "connectorId": 1,
            "meterValue": [{
                "timestamp": "2024-05-01T10:00:00Z",
                "sampledValue": [{"value": "21.5", "unit": spelling}]
            }]
        });
        let (crate_verdict, raw, _) = verdicts(&meter, &instance, &strict());
        assert!(
            crate_verdict.is_ok() && raw.is_empty(),
            "{spelling}: {raw:?}"
        );
    }
    // Other unlisted units are still rejected.
    let other = with(&instance, unit, json!("celsius"));
    let (crate_verdict, _, verdict) = verdicts(&stop, &other, &strict());
    let error = crate_verdict.expect_err("an unlisted unit");
    assert!(!verdict.is_valid());
    assert_eq!(error.error_code(), ErrorCode::PropertyConstraintViolation);
    assert_eq!(error.errors[0].path.to_pointer(), unit);
}

#[test]
fn the_independent_validator_uses_the_declared_draft_checks_formats_and_stays_offline() {
    let files = schema::load_all();
    let draft4 = files
        .iter()
        .filter(|f| schema::draft_of(f) == jsonschema::Draft::Draft4)
        .count();
    // The 1.6 core files; the security extension and 2.x are draft-06.
    assert_eq!(draft4, 56);
    assert!(
        files
            .iter()
            .filter(|f| f.version != Version::V16)
            .all(|f| schema::draft_of(f) == jsonschema::Draft::Draft6)
    );

    for f in &files {
        let draft = schema::draft_of(f);
        // The validator's own detection agrees, and the file names itself with the
        // identifier keyword of its draft.
        assert_eq!(jsonschema::Draft::default().detect(&f.schema), draft, "{f}");
        assert!(f.schema.get(draft.id_keyword()).is_some(), "{f}");
    }
    // The drafts differ on `300.0` as an integer: draft-04 has no fraction in an integer.
    let boot =
        json!({"currentTime": "2024-05-01T10:00:00Z", "interval": 300.0, "status": "Accepted"});
    let draft4 = schema::validator_for(&file("1.6/BootNotificationResponse.json"));
    let draft6 = schema::validator_for(&file("2.0.1/BootNotificationResponse.json"));
    assert!(!draft4.is_valid(&boot));
    assert!(draft6.is_valid(&boot));

    let heartbeat = file("2.0.1/HeartbeatResponse.json");
    let validator = schema::validator_for(&heartbeat);
    assert!(validator.is_valid(&json!({"currentTime": "2024-05-01T10:00:00.123Z"})));
    let errors = subject::schema_errors(&validator, &json!({"currentTime": "yesterday"}));
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].keyword, "format");
    assert_eq!(errors[0].instance_path, "/currentTime");

    // Draft-04's `id` is honoured as the base URI and nothing is fetched: a reference
    // outside the file cannot be built.
    let mut remote = file("1.6/Heartbeat.json");
    remote.schema["properties"]["x"] = json!({"$ref": "https://example.com/other.json"});
    let built = std::panic::catch_unwind(|| schema::validator_for(&remote));
    assert!(built.is_err(), "a remote $ref was resolved");
}
