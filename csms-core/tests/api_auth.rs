//! The admin API's authentication and roles, over a real socket: every refusal is a JSON
//! error with the right status.
#![cfg(feature = "http-api")]

mod api_support;

use api_support::{SYSTEM_KEY, TestApi};
use serde_json::json;

#[tokio::test]
async fn missing_malformed_unknown_wrong_and_revoked_keys_get_401_json() {
    let api = TestApi::start().await;
    let admin = api.tenant("Alpha", "ALP").await;

    let missing = api.call("GET", "/tenant", None, None).await;
    missing.assert_error(401, "unauthenticated");
    assert_eq!(missing.header("www-authenticate"), Some("Bearer"));

    let basic = api
        .raw(b"GET /tenant HTTP/1.1\r\nHost: t\r\nAuthorization: Basic YTpi\r\nConnection: close\r\n\r\n")
        .await;
    basic.assert_error(401, "unauthenticated");

    api.get("/tenant", "no-dot-in-it")
        .await
        .assert_error(401, "unauthenticated");
    api.get("/tenant", "key_unknown.secret")
        .await
        .assert_error(401, "unauthenticated");

    // The right prefix with a wrong secret.
    let (prefix, _) = admin.split_once('.').unwrap();
    api.get("/tenant", &format!("{prefix}.wrong"))
        .await
        .assert_error(401, "unauthenticated");

    // A working key, then revoked.
    let created = api
        .post(
            "/api-keys",
            &admin,
            json!({ "name": "ci", "roles": ["viewer"] }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert!(created.body.get("secret_hash").is_none());
    let viewer = created.body["key"].as_str().unwrap().to_owned();
    let id = created.body["id"].as_i64().unwrap();
    assert_eq!(api.get("/tenant", &viewer).await.status, 200);
    let revoked = api.delete(&format!("/api-keys/{id}"), &admin).await;
    assert_eq!(revoked.status, 204, "{}", revoked.text);
    api.get("/tenant", &viewer)
        .await
        .assert_error(401, "unauthenticated");
    // Revoking again: the key is still the tenant's, so it is found.
    api.delete("/api-keys/999999", &admin)
        .await
        .assert_error(404, "not_found");
}

#[tokio::test]
async fn expired_keys_and_keys_of_disabled_or_foreign_users_do_not_work() {
    let api = TestApi::start().await;
    let admin = api.tenant("Alpha", "ALP").await;
    let expired = api
        .post(
            "/api-keys",
            &admin,
            json!({ "name": "old", "roles": ["admin"], "expires_at": "2020-01-01T00:00:00Z" }),
        )
        .await;
    assert_eq!(expired.status, 201, "{}", expired.text);
    let key = expired.body["key"].as_str().unwrap();
    api.get("/tenant", key)
        .await
        .assert_error(401, "unauthenticated");

    // A key for a user of another tenant cannot be made.
    let other = api.tenant("Beta", "BET").await;
    let user = api
        .post(
            "/users",
            &other,
            json!({ "name": "Bea", "email": null, "roles": ["driver"] }),
        )
        .await;
    assert_eq!(user.status, 201, "{}", user.text);
    let foreign = user.body["id"].as_i64().unwrap();
    api.post(
        "/api-keys",
        &admin,
        json!({ "name": "x", "roles": ["viewer"], "user_id": foreign }),
    )
    .await
    .assert_error(400, "invalid");
}

#[tokio::test]
async fn roles_are_checked_per_route_with_403() {
    let api = TestApi::start().await;
    let admin = api.tenant("Alpha", "ALP").await;
    let viewer = api.key(&admin, &["viewer"]).await;
    let operator = api.key(&admin, &["operator"]).await;
    let driver = api.key(&admin, &["driver"]).await;

    let station = json!({ "identity": "ROLE-1" });
    // Viewers read but do not change.
    assert_eq!(api.get("/tenant", &viewer).await.status, 200);
    api.post("/stations", &viewer, station.clone())
        .await
        .assert_error(403, "forbidden");
    // Operators change stations, not users, keys or settings.
    assert_eq!(api.post("/stations", &operator, station).await.status, 201);
    api.post(
        "/users",
        &operator,
        json!({ "name": "x", "email": null, "roles": [] }),
    )
    .await
    .assert_error(403, "forbidden");
    api.post(
        "/api-keys",
        &operator,
        json!({ "name": "x", "roles": ["admin"] }),
    )
    .await
    .assert_error(403, "forbidden");
    api.put(
        "/tenant/settings",
        &operator,
        json!({ "time_zone": "UTC", "currency": "EUR", "language": "en", "unknown_stations": "reject" }),
    )
    .await
    .assert_error(403, "forbidden");
    // Drivers have no operator routes.
    api.get("/tenant", &driver)
        .await
        .assert_error(403, "forbidden");
    // Admins do it all.
    let settings = api
        .put(
            "/tenant/settings",
            &admin,
            json!({ "time_zone": "Europe/Amsterdam", "currency": "EUR", "language": "nl", "unknown_stations": "pending" }),
        )
        .await;
    assert_eq!(settings.status, 200, "{}", settings.text);
    assert_eq!(settings.body["settings"]["time_zone"], "Europe/Amsterdam");
}

#[tokio::test]
async fn tenants_need_the_system_key_and_the_system_key_only_manages_tenants() {
    let api = TestApi::start().await;
    let body = json!({ "name": "Alpha", "role": "CPO", "country_code": "NL", "party_id": "ALP" });
    api.call("POST", "/tenants", None, Some(&body))
        .await
        .assert_error(401, "unauthenticated");
    api.post("/tenants", "not-the-system-key", body.clone())
        .await
        .assert_error(401, "unauthenticated");
    let admin = api.tenant("Alpha", "ALP").await;
    // A tenant's key is not the system key.
    api.post("/tenants", &admin, body)
        .await
        .assert_error(401, "unauthenticated");
    // The system key does not act as a tenant.
    api.get("/tenant", SYSTEM_KEY)
        .await
        .assert_error(403, "forbidden");
    // Bad tenant fields are 400 with the field named.
    let bad = api
        .post(
            "/tenants",
            SYSTEM_KEY,
            json!({ "name": "X", "role": "CPO", "country_code": "nl", "party_id": "ALP" }),
        )
        .await;
    bad.assert_error(400, "invalid");
    assert!(
        bad.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("country_code")
    );
    let tenant = api.get("/tenant", &admin).await;
    let id = tenant.body["id"].as_i64().unwrap();
    let by_system = api.get(&format!("/tenants/{id}"), SYSTEM_KEY).await;
    assert_eq!(by_system.status, 200);
    assert_eq!(by_system.body["name"], "Alpha");
    api.get("/tenants/424242", SYSTEM_KEY)
        .await
        .assert_error(404, "not_found");
}

#[tokio::test]
async fn axum_rejections_and_unknown_routes_are_json_errors() {
    let api = TestApi::start().await;
    let admin = api.tenant("Alpha", "ALP").await;
    // Not JSON at all.
    let request = format!(
        "POST /tokens HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {admin}\r\n\
         Content-Type: application/json\r\nContent-Length: 5\r\nConnection: close\r\n\r\n{{oops"
    );
    api.raw(request.as_bytes())
        .await
        .assert_error(400, "invalid_body");
    // JSON of the wrong shape names the field.
    let wrong = api
        .post(
            "/tokens",
            &admin,
            json!({ "uid": "A", "kind": "RFID", "status": "maybe" }),
        )
        .await;
    wrong.assert_error(400, "invalid_body");
    assert!(wrong.text.contains("status"), "{}", wrong.text);
    // Not declared as JSON.
    let request = format!(
        "POST /tokens HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {admin}\r\n\
         Content-Length: 2\r\nConnection: close\r\n\r\n{{}}"
    );
    api.raw(request.as_bytes())
        .await
        .assert_error(415, "unsupported_media_type");
    // A path parameter that is not a number, a bad query, an unknown path, a wrong method.
    api.get("/tokens/abc", &admin)
        .await
        .assert_error(400, "invalid_path");
    api.get("/stations/1/boots?limit=lots", &admin)
        .await
        .assert_error(400, "invalid_query");
    api.get("/no/such/thing", &admin)
        .await
        .assert_error(404, "no_route");
    api.call("PATCH", "/tenant", Some(&admin), None)
        .await
        .assert_error(405, "method_not_allowed");
}

#[tokio::test]
async fn a_users_key_loses_the_rights_the_user_loses() {
    let api = TestApi::start().await;
    let admin = api.tenant("Alpha", "ALP").await;
    let user = api
        .post(
            "/users",
            &admin,
            json!({ "name": "Ada", "email": "ada@example.com", "roles": ["admin"] }),
        )
        .await;
    assert_eq!(user.status, 201, "{}", user.text);
    let user_id = user.body["id"].as_i64().unwrap();
    let created = api
        .post(
            "/api-keys",
            &admin,
            json!({ "name": "ada's", "roles": ["admin"], "user_id": user_id }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let key = created.body["key"].as_str().unwrap().to_owned();
    // A key without a user keeps its own roles throughout.
    let standalone = api.key(&admin, &["operator"]).await;

    let write = |name: &str| json!({ "identity": name });
    assert_eq!(
        api.post("/stations", &key, write("KEY-1")).await.status,
        201
    );

    // Demoted to viewer: the key still reads, and no longer writes.
    let demoted = api
        .put(
            &format!("/users/{user_id}"),
            &admin,
            json!({ "name": "Ada", "email": "ada@example.com", "roles": ["viewer"], "disabled": false }),
        )
        .await;
    assert_eq!(demoted.status, 200, "{}", demoted.text);
    let read = api.get("/tenant", &key).await;
    assert_eq!(read.status, 200, "{} {}", read.text, demoted.text);
    api.post("/stations", &key, write("KEY-2"))
        .await
        .assert_error(403, "forbidden");
    api.post(
        "/api-keys",
        &key,
        json!({ "name": "x", "roles": ["admin"] }),
    )
    .await
    .assert_error(403, "forbidden");
    assert_eq!(
        api.post("/stations", &standalone, write("KEY-3"))
            .await
            .status,
        201
    );

    // A user with keys cannot be deleted (the store refuses while keys point at it), so a
    // user is removed by disabling them: their keys are refused at once.
    api.delete(&format!("/users/{user_id}"), &admin)
        .await
        .assert_error(409, "conflict");
    let disabled = api
        .put(
            &format!("/users/{user_id}"),
            &admin,
            json!({ "name": "Ada", "email": "ada@example.com", "roles": ["viewer"], "disabled": true }),
        )
        .await;
    assert_eq!(disabled.status, 200, "{}", disabled.text);
    api.get("/tenant", &key)
        .await
        .assert_error(401, "unauthenticated");
    assert_eq!(api.get("/tenant", &standalone).await.status, 200);
}

/// Words of database and driver errors (sqlx, SQLite, PostgreSQL) that must not reach a
/// caller.
const STORE_WORDS: [&str; 8] = [
    "pool",
    "sqlx",
    "sqlite",
    "postgres",
    "database",
    "sql",
    "closed",
    "connection",
];

fn tells_nothing_of_the_store(text: &str) {
    let lower = text.to_ascii_lowercase();
    for word in STORE_WORDS {
        assert!(!lower.contains(word), "{word:?} in {text}");
    }
}

#[tokio::test]
async fn store_failures_tell_unauthenticated_callers_nothing() {
    let api = TestApi::start().await;
    let admin = api.tenant("Alpha", "ALP").await;
    api.sqlite.as_ref().unwrap().close().await;
    for key in ["key_0123456789abcdef.bogus", admin.as_str()] {
        let refused = api.get("/tenant", key).await;
        assert!(
            refused.status == 500 || refused.status == 503,
            "{}",
            refused.text
        );
        assert!(
            refused.body["error"]["code"].is_string(),
            "{}",
            refused.text
        );
        tells_nothing_of_the_store(&refused.text);
    }
    let health = api.call("GET", "/health", None, None).await;
    health.assert_error(503, "unavailable");
    tells_nothing_of_the_store(&health.text);
}
