//! The admin API's resources over a real socket: creating and reading each, and tenant
//! isolation: with tenant B's key, nothing of tenant A is visible or changeable (404).
#![cfg(feature = "http-api")]

mod api_support;

use api_support::TestApi;
use serde_json::{Value, json};

/// Tenant A's objects, by kind: (path of the object, its id).
struct Objects {
    user: i64,
    token: i64,
    vehicle: i64,
    location: i64,
    station: i64,
}

async fn populate(api: &TestApi, admin: &str) -> Objects {
    let created = |response: api_support::Response| {
        assert_eq!(response.status, 201, "{}", response.text);
        response.body
    };
    let user = created(
        api.post(
            "/users",
            admin,
            json!({ "name": "Ann", "email": "ann@example.com", "roles": ["driver"] }),
        )
        .await,
    );
    let user_id = user["id"].as_i64().unwrap();
    let vehicle = created(
        api.post(
            "/vehicles",
            admin,
            json!({ "vin": "WVWZZZ1JZXW000001", "make": "Renault", "model": "Zoe",
                    "battery_capacity_kwh": 52.5, "owner": user_id }),
        )
        .await,
    );
    assert_eq!(vehicle["battery_capacity_kwh"], json!(52.5));
    let token = created(
        api.post(
            "/tokens",
            admin,
            json!({ "uid": "04A1B2C3", "kind": "RFID", "status": "accepted", "expires_at": null,
                    "group_id": null, "visual_id": "NL-ALP-000001", "owner": user_id,
                    "vehicle_id": vehicle["id"], "restrictions": { "max_duration_minutes": 240 } }),
        )
        .await,
    );
    assert_eq!(token["restrictions"]["max_duration_minutes"], 240);
    assert_eq!(token["usage"]["sessions"], 0);
    let location = created(
        api.post(
            "/locations",
            admin,
            json!({ "name": "Garage", "address": { "street": "Main 1", "postal_code": "1011AA",
                    "city": "Amsterdam", "state": null, "country": "NLD" },
                    "coordinates": { "latitude": 52.37, "longitude": 4.89 },
                    "time_zone": "Europe/Amsterdam",
                    "opening_hours": { "twenty_four_seven": true },
                    "parking_spots": [{ "label": "B-17", "floor": "-2", "renter": user_id }] }),
        )
        .await,
    );
    let station = created(
        api.post(
            "/stations",
            admin,
            json!({ "identity": "ALP-1", "location_id": location["id"], "security_profile": 1,
                    "password": "0123456789abcdef0123" }),
        )
        .await,
    );
    assert_eq!(station["has_password"], true);
    assert!(station.get("credentials_hash").is_none());
    assert_eq!(station["registration"], "accepted");
    assert_eq!(station["connection"], Value::Null);
    Objects {
        user: user_id,
        token: token["id"].as_i64().unwrap(),
        vehicle: vehicle["id"].as_i64().unwrap(),
        location: location["id"].as_i64().unwrap(),
        station: station["id"].as_i64().unwrap(),
    }
}

/// Runs a scenario on SQLite, and on PostgreSQL when `DATABASE_URL` is set.
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let api = super::TestApi::start().await;
                    super::$name(&api).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(api) = super::TestApi::postgres().await else { return };
                    super::$name(&api).await;
                    api.finish().await;
                }
            )*
        }
    };
}

on_both_stores!(
    resources_are_created_read_and_changed,
    another_tenants_key_sees_and_changes_nothing,
);

async fn resources_are_created_read_and_changed(api: &TestApi) {
    let admin = api.tenant("Alpha", "ALP").await;
    let objects = populate(api, &admin).await;

    let user = api.get(&format!("/users/{}", objects.user), &admin).await;
    assert_eq!(user.body["email"], "ann@example.com");
    let location = api
        .get(&format!("/locations/{}", objects.location), &admin)
        .await;
    assert_eq!(location.body["parking_spots"][0]["label"], "B-17");
    assert_eq!(location.body["coordinates"]["latitude"], json!(52.37));

    let blocked = api
        .put(
            &format!("/tokens/{}/status", objects.token),
            &admin,
            json!({ "status": "blocked" }),
        )
        .await;
    assert_eq!(blocked.status, 200, "{}", blocked.text);
    assert_eq!(blocked.body["status"], "blocked");
    let read = api.get(&format!("/tokens/{}", objects.token), &admin).await;
    assert_eq!(read.body["status"], "blocked");

    let pending = api
        .put(
            &format!("/stations/{}/registration", objects.station),
            &admin,
            json!({ "registration": "pending" }),
        )
        .await;
    assert_eq!(pending.status, 200, "{}", pending.text);
    assert_eq!(pending.body["registration"], "pending");
    let boots = api
        .get(
            &format!("/stations/{}/boots?limit=5", objects.station),
            &admin,
        )
        .await;
    assert_eq!(boots.body, json!([]));

    // Unique values conflict.
    api.post("/stations", &admin, json!({ "identity": "ALP-1" }))
        .await
        .assert_error(409, "conflict");
    api.post(
        "/tokens",
        &admin,
        json!({ "uid": "04A1B2C3", "kind": "RFID", "status": "accepted",
        "expires_at": null, "group_id": null, "visual_id": null, "owner": null, "vehicle_id": null,
        "restrictions": {} }),
    )
    .await
    .assert_error(409, "conflict");
    // Bad values are refused with what is wrong.
    api.post("/stations", &admin, json!({ "identity": "ALP 2" }))
        .await
        .assert_error(400, "invalid");
    // A station of profile 1 may be registered before it has a password (which the API
    // then generates); it cannot connect until then.
    let waiting = api
        .post(
            "/stations",
            &admin,
            json!({ "identity": "ALP-2", "security_profile": 1 }),
        )
        .await;
    assert_eq!(waiting.status, 201, "{}", waiting.text);
    assert_eq!(waiting.body["has_password"], false);
    api.post(
        "/stations",
        &admin,
        json!({ "identity": "ALP-3", "security_profile": 1, "password": "too short" }),
    )
    .await
    .assert_error(400, "invalid");
    api.post(
        "/vehicles",
        &admin,
        json!({ "vin": "short", "make": "A", "model": "B", "owner": null }),
    )
    .await
    .assert_error(400, "invalid");

    // Changes are in the audit log.
    let tenant = csms_core::model::TenantId(
        api.get("/tenant", &admin).await.body["id"]
            .as_i64()
            .unwrap(),
    );
    let actions: Vec<String> = api
        .store
        .audit_log(tenant, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|entry| entry.action)
        .collect();
    for action in [
        "user.create",
        "token.create",
        "token.status",
        "station.create",
        "station.registration",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
}

async fn another_tenants_key_sees_and_changes_nothing(api: &TestApi) {
    let alpha = api.tenant("Alpha", "ALP").await;
    let beta = api.tenant("Beta", "BET").await;
    let a = populate(api, &alpha).await;
    let _b = populate_beta(api, &beta).await;

    for path in [
        format!("/users/{}", a.user),
        format!("/tokens/{}", a.token),
        format!("/vehicles/{}", a.vehicle),
        format!("/locations/{}", a.location),
        format!("/stations/{}", a.station),
        format!("/stations/{}/boots", a.station),
    ] {
        api.get(&path, &beta).await.assert_error(404, "not_found");
        assert_eq!(api.get(&path, &alpha).await.status, 200, "{path}");
    }
    api.put(
        &format!("/tokens/{}/status", a.token),
        &beta,
        json!({ "status": "blocked" }),
    )
    .await
    .assert_error(404, "not_found");
    api.put(
        &format!("/stations/{}/registration", a.station),
        &beta,
        json!({ "registration": "rejected" }),
    )
    .await
    .assert_error(404, "not_found");
    // Nothing changed for A.
    let token = api.get(&format!("/tokens/{}", a.token), &alpha).await;
    assert_eq!(token.body["status"], "accepted");
    let station = api.get(&format!("/stations/{}", a.station), &alpha).await;
    assert_eq!(station.body["registration"], "accepted");

    // B cannot point its objects at A's.
    api.post(
        "/vehicles",
        &beta,
        json!({ "vin": null, "make": "A", "model": "B", "owner": a.user }),
    )
    .await
    .assert_error(400, "invalid");
    api.post(
        "/stations",
        &beta,
        json!({ "identity": "BET-9", "location_id": a.location }),
    )
    .await
    .assert_error(400, "invalid");
    api.post(
        "/tokens",
        &beta,
        json!({ "uid": "X1", "kind": "RFID", "status": "accepted",
        "expires_at": null, "group_id": null, "visual_id": null, "owner": null,
        "vehicle_id": a.vehicle, "restrictions": {} }),
    )
    .await
    .assert_error(400, "invalid");
    // Nor revoke A's keys.
    let key = api
        .post(
            "/api-keys",
            &alpha,
            json!({ "name": "k", "roles": ["viewer"] }),
        )
        .await;
    let id = key.body["id"].as_i64().unwrap();
    api.delete(&format!("/api-keys/{id}"), &beta)
        .await
        .assert_error(404, "not_found");
    let viewer = key.body["key"].as_str().unwrap();
    assert_eq!(api.get("/tenant", viewer).await.status, 200);
    // Each key sees its own tenant.
    assert_eq!(api.get("/tenant", &beta).await.body["name"], "Beta");
}

async fn populate_beta(api: &TestApi, admin: &str) -> i64 {
    let station = api
        .post("/stations", admin, json!({ "identity": "BET-1" }))
        .await;
    assert_eq!(station.status, 201, "{}", station.text);
    station.body["id"].as_i64().unwrap()
}

#[tokio::test]
async fn health_answers_without_a_key() {
    let api = TestApi::start().await;
    let health = api.call("GET", "/health", None, None).await;
    assert_eq!(health.status, 200, "{}", health.text);
    assert_eq!(health.body["status"], "ok");
    assert_eq!(health.body["store"], "ok");
    // With the store closed, health says so with 503.
    api.sqlite.as_ref().unwrap().close().await;
    api.call("GET", "/health", None, None)
        .await
        .assert_error(503, "unavailable");
}
