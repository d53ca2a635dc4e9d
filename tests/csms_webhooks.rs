//! Webhooks against an independent receiver: the Standard Webhooks reference library for
//! Python (`standardwebhooks`) verifies every delivery, as an integrator's receiver would.
//!
//! - A receiver that fails twice gets the event on the third attempt, once, signed so that
//!   the library accepts it; the delivery log says so.
//! - An event committed just before the CSMS is killed (SIGKILL) is delivered by the CSMS
//!   started again on the same database.
//!
//! The interpreter is `$OCPP_PYTHON` (default `python3`), with the package `standardwebhooks`
//! installed (`.ci/run` installs it); without it the tests say so and do not run, except
//! under CI, where they fail.

#[path = "csms/common.rs"]
mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{Csms, TempDir, free_port};
use ev_backend::csms_core::model::{
    Address, DeliveryStatus, NewLocation, NewTenant, NewWebhook, OpeningHours, TenantRole,
    TenantSettings,
};
use ev_backend::csms_core::outbox::{DeliveryConfig, RetryPolicy, WebhookSecret, WebhookSender};
use ev_backend::csms_core::store::{
    LocationStore, Page, SecretKey, SqliteStore, TenantStore, WebhookStore,
};
use serde_json::{Value, json};

/// The Python interpreter with `standardwebhooks`, or `None` (after saying so) outside CI.
fn python() -> Option<String> {
    let python = std::env::var("OCPP_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let works = Command::new(&python)
        .args(["-c", "import standardwebhooks"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if works {
        return Some(python);
    }
    let message = format!(
        "{python} cannot import the Python package `standardwebhooks`: install it \
         (python3 -m venv .venv && .venv/bin/pip install standardwebhooks==1.0.0) and set \
         OCPP_PYTHON=.venv/bin/python"
    );
    assert!(std::env::var_os("CI").is_none(), "{message}");
    eprintln!("\n*** WEBHOOK INTEROPERABILITY TEST NOT RUN: {message} ***\n");
    None
}

/// The receiver script, running: its port, and what it says of each request.
struct Receiver {
    child: Child,
    port: u16,
    lines: mpsc::Receiver<Value>,
}

impl Receiver {
    fn start(python: &str, secret: &str, failures: u32, port: Option<u16>) -> Receiver {
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/interop/webhook_receiver.py"
        );
        let mut command = Command::new(python);
        command.arg(script).arg(secret).arg(failures.to_string());
        if let Some(port) = port {
            command.arg(port.to_string());
        }
        let mut child = command
            .stdout(Stdio::piped())
            .spawn()
            .expect("the receiver starts");
        let stdout = child.stdout.take().expect("piped");
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let Ok(value) = serde_json::from_str(&line) else {
                    continue;
                };
                if sender.send(value).is_err() {
                    break;
                }
            }
        });
        let first: Value = lines
            .recv_timeout(Duration::from_secs(30))
            .expect("the receiver says where it listens");
        let port = u16::try_from(first["port"].as_u64().expect("a port")).expect("a port");
        Receiver { child, port, lines }
    }

    /// What it said of the requests it got within `wait`.
    fn requests(&self, wait: Duration) -> Vec<Value> {
        let deadline = Instant::now() + wait;
        let mut got = Vec::new();
        while let Ok(line) = self
            .lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            got.push(line);
        }
        got
    }

    /// Waits (at most `wait`) for a request that `wanted` accepts; every request up to it.
    fn until(&self, wait: Duration, wanted: impl Fn(&Value) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + wait;
        let mut got = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self
                .lines
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no such request; got {got:#?}"));
            let done = wanted(&line);
            got.push(line);
            if done {
                return got;
            }
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn location() -> NewLocation {
    NewLocation {
        name: "Depot".to_owned(),
        address: Address {
            street: "Kade 1".to_owned(),
            postal_code: None,
            city: "Amsterdam".to_owned(),
            state: None,
            country: "NLD".to_owned(),
        },
        coordinates: None,
        time_zone: "Europe/Amsterdam".to_owned(),
        opening_hours: OpeningHours::default(),
        parking_spots: Vec::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_fails_twice_gets_the_event_on_the_third_attempt_once() {
    let Some(python) = python() else { return };
    let dir = TempDir::new("webhooks");
    let store = Arc::new(
        SqliteStore::open(dir.path().join("csms.db"))
            .await
            .expect("store")
            .with_secret_key(SecretKey::generate().expect("key")),
    );
    let tenant = store
        .create_tenant(&NewTenant {
            name: "Webhooks".to_owned(),
            role: TenantRole::Cpo,
            country_code: "NL".to_owned(),
            party_id: "WHK".to_owned(),
            settings: TenantSettings::default(),
        })
        .await
        .expect("tenant")
        .id;
    let secret = WebhookSecret::generate().expect("secret").to_text();
    let receiver = Receiver::start(&python, &secret, 2, None);
    let webhook = store
        .create_webhook(
            tenant,
            &NewWebhook {
                url: format!("http://127.0.0.1:{}/hook", receiver.port),
                events: vec!["location.changed".to_owned()],
                secret,
                active: true,
            },
        )
        .await
        .expect("webhook");
    let created = store
        .create_location(tenant, &location())
        .await
        .expect("location");

    let sender = WebhookSender::new(
        Arc::clone(&store),
        DeliveryConfig {
            retry: RetryPolicy {
                first_retry: Duration::from_millis(200),
                max_retry: Duration::from_secs(1),
                max_attempts: 5,
            },
            ..DeliveryConfig::default()
        },
    )
    .expect("sender");
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut delivered = 0;
    while delivered == 0 {
        assert!(Instant::now() < deadline, "not delivered in 30 s");
        delivered += sender.run_once().await.expect("round").delivered;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // More rounds attempt nothing more.
    for _ in 0..5 {
        let round = sender.run_once().await.expect("round");
        assert_eq!(round.attempted, 0, "{round:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let requests = receiver.requests(Duration::from_millis(500));
    assert_eq!(requests.len(), 3, "{requests:#?}");
    assert_eq!(
        requests
            .iter()
            .map(|r| r["status"].clone())
            .collect::<Vec<_>>(),
        [json!(503), json!(503), json!(204)]
    );
    let id = requests[0]["id"].as_str().expect("a webhook-id");
    assert!(id.starts_with("evt_"), "{id}");
    assert!(
        requests.iter().all(|r| r["id"] == id),
        "one id for every attempt"
    );
    let last = &requests[2];
    assert_eq!(last["verified"], true, "{last:#}");
    assert_eq!(last["payload"]["id"], id);
    assert_eq!(last["payload"]["type"], "location.changed");
    assert_eq!(last["payload"]["data"]["id"], json!(created.id));
    assert_eq!(last["payload"]["data"]["name"], "Depot");

    let log = store
        .deliveries(tenant, webhook.id, Page::default())
        .await
        .expect("log");
    assert_eq!(log.items.len(), 1);
    let delivery = &log.items[0];
    assert_eq!(
        (delivery.status, delivery.attempts, delivery.response_status),
        (DeliveryStatus::Delivered, 3, Some(204))
    );
    store.close().await;
}

#[test]
fn an_event_committed_before_a_crash_is_delivered_after_the_restart() {
    let Some(python) = python() else { return };
    let dir = TempDir::new("webhooks-crash");
    let (csms, api) = Csms::start_demo(&dir, &[]);
    // The receiver is not there yet: the first attempts find nobody.
    let port = free_port();
    let created = api
        .post(
            "/webhooks",
            &json!({"url": format!("http://127.0.0.1:{port}/hook"), "events": ["location.changed"]}),
        )
        .expect(201);
    let secret = created["secret"]
        .as_str()
        .expect("the secret, once")
        .to_owned();
    let webhook = created["webhook"]["id"].as_i64().expect("an id");
    assert!(WebhookSecret::parse(&secret).is_ok(), "{secret}");
    assert!(
        api.get(&format!("/webhooks/{webhook}"))
            .expect(200)
            .get("secret")
            .is_none(),
        "the secret is shown once"
    );
    let location = api
        .post(
            "/locations",
            &json!({"name": "Crash Depot", "address": {"street": "Kade 2", "city": "Amsterdam",
                    "country": "NLD"}, "time_zone": "Europe/Amsterdam",
                    "opening_hours": {"twenty_four_seven": true}, "parking_spots": []}),
        )
        .expect(201);
    csms.kill();

    let receiver = Receiver::start(&python, &secret, 0, Some(port));
    let (_csms, api) = Csms::start_demo(&dir, &[]);
    let requests = receiver.until(Duration::from_secs(30), |request| {
        request["payload"]["data"]["name"] == "Crash Depot"
    });
    let last = requests.last().expect("a request");
    assert_eq!(last["verified"], true, "{last:#}");
    assert_eq!(last["payload"]["type"], "location.changed");
    assert_eq!(last["payload"]["data"]["id"], location["id"]);
    // Delivered once: no request follows.
    assert!(receiver.requests(Duration::from_secs(2)).is_empty());
    let log = api
        .get(&format!("/webhooks/{webhook}/deliveries"))
        .expect(200);
    let items = log["items"].as_array().expect("items");
    let crash_depot: Vec<&Value> = items
        .iter()
        .filter(|item| item["payload"]["data"]["name"] == "Crash Depot")
        .collect();
    assert_eq!(crash_depot.len(), 1, "{log:#}");
    assert_eq!(crash_depot[0]["status"], "delivered");
    assert_eq!(crash_depot[0]["response_status"], 204);
    // The event is in the outbox's list too.
    let events = api.get("/events?limit=500").expect(200);
    assert!(
        events
            .as_array()
            .expect("events")
            .iter()
            .any(|event| event["type"] == "location.changed"
                && event["data"]["name"] == "Crash Depot"),
        "{events:#}"
    );
}
