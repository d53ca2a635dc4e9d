//! The admin API's lists (filters, pages, `X-Total-Count`), updates and deletes, per tenant,
//! and what a driver's key may read.
#![cfg(feature = "http-api")]

mod api_support;

use api_support::{Response, TestApi};
use serde_json::{Value, json};

fn token(uid: &str, status: &str, owner: Option<i64>) -> Value {
    json!({ "uid": uid, "kind": "RFID", "status": status, "expires_at": null, "group_id": null,
            "visual_id": null, "owner": owner, "vehicle_id": null, "restrictions": {} })
}

fn created(response: Response) -> Value {
    assert_eq!(response.status, 201, "{}", response.text);
    response.body
}

fn uids(response: &Response) -> Vec<String> {
    assert_eq!(response.status, 200, "{}", response.text);
    response.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["uid"].as_str().unwrap().to_owned())
        .collect()
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
    lists_filter_and_page_within_the_tenant,
    updates_and_deletes_stay_within_the_tenant,
    a_drivers_key_lists_only_its_users_tokens_and_sessions,
);

async fn lists_filter_and_page_within_the_tenant(api: &TestApi) {
    let admin = api.tenant("Alpha", "ALP").await;
    let beta = api.tenant("Beta", "BET").await;
    let ann = created(
        api.post(
            "/users",
            &admin,
            json!({ "name": "Ann", "email": null, "roles": ["driver"] }),
        )
        .await,
    );
    let ann = ann["id"].as_i64().unwrap();
    for (uid, status, owner) in [
        ("AA01", "accepted", Some(ann)),
        ("AA02", "blocked", Some(ann)),
        ("AB01", "accepted", None),
        ("B001", "accepted", None),
    ] {
        created(api.post("/tokens", &admin, token(uid, status, owner)).await);
    }
    created(
        api.post("/tokens", &beta, token("AA03", "accepted", None))
            .await,
    );

    let all = api.get("/tokens", &admin).await;
    assert_eq!(uids(&all), ["AA01", "AA02", "AB01", "B001"]);
    assert_eq!(all.header("x-total-count"), Some("4"));
    let page = api.get("/tokens?offset=1&limit=2", &admin).await;
    assert_eq!(uids(&page), ["AA02", "AB01"]);
    assert_eq!(page.body["total"], 4);
    assert_eq!(
        uids(&api.get("/tokens?uid_prefix=AA", &admin).await),
        ["AA01", "AA02"]
    );
    assert_eq!(
        uids(&api.get("/tokens?status=blocked", &admin).await),
        ["AA02"]
    );
    assert_eq!(
        uids(&api.get(&format!("/tokens?owner={ann}"), &admin).await),
        ["AA01", "AA02"]
    );
    api.get("/tokens?status=lost", &admin)
        .await
        .assert_error(400, "invalid_query");
    api.get("/tokens?colour=red", &admin)
        .await
        .assert_error(400, "invalid_query");
    // Beta's list has only Beta's token.
    assert_eq!(uids(&api.get("/tokens", &beta).await), ["AA03"]);

    // Stations: filters, parts and live state in the list.
    for identity in ["ALP-1", "ALP-2", "OTHER-1"] {
        created(
            api.post("/stations", &admin, json!({ "identity": identity }))
                .await,
        );
    }
    let pending = created(
        api.post(
            "/stations",
            &admin,
            json!({ "identity": "ALP-3", "registration": "pending" }),
        )
        .await,
    );
    let stations = api.get("/stations?identity_prefix=ALP", &admin).await;
    assert_eq!(stations.body["total"], 3, "{}", stations.text);
    assert_eq!(stations.body["items"][0]["identity"], "ALP-1");
    assert_eq!(stations.body["items"][0]["evses"], json!([]));
    assert_eq!(stations.body["items"][0]["connection"], Value::Null);
    let only_pending = api.get("/stations?registration=pending", &admin).await;
    assert_eq!(only_pending.body["total"], 1);
    assert_eq!(only_pending.body["items"][0]["id"], pending["id"]);
    assert_eq!(api.get("/stations", &beta).await.body["total"], 0);

    // Users, vehicles, locations, sessions, audit.
    assert_eq!(api.get("/users", &admin).await.body["total"], 1);
    assert_eq!(api.get("/users", &beta).await.body["total"], 0);
    assert_eq!(api.get("/vehicles", &admin).await.body["total"], 0);
    assert_eq!(api.get("/locations", &admin).await.body["total"], 0);
    let sessions = api
        .get(
            "/sessions?status=charging&from=2026-01-01T00:00:00Z",
            &admin,
        )
        .await;
    assert_eq!(sessions.status, 200, "{}", sessions.text);
    assert_eq!(sessions.body["total"], 0);
    let audit = api.get("/audit?limit=3", &admin).await;
    assert_eq!(audit.status, 200, "{}", audit.text);
    assert_eq!(audit.body["items"].as_array().unwrap().len(), 3);
    assert_eq!(audit.body["items"][0]["action"], "station.create");
    assert_eq!(audit.body["items"][0]["actor"]["kind"], "api_key");
    assert_eq!(audit.body["total"], 9);
    assert_eq!(api.get("/audit", &beta).await.body["total"], 1);
}

async fn updates_and_deletes_stay_within_the_tenant(api: &TestApi) {
    let admin = api.tenant("Alpha", "ALP").await;
    let beta = api.tenant("Beta", "BET").await;
    let user = created(
        api.post(
            "/users",
            &admin,
            json!({ "name": "Ann", "email": null, "roles": ["driver"] }),
        )
        .await,
    );
    let user_id = user["id"].as_i64().unwrap();
    let vehicle = created(
        api.post(
            "/vehicles",
            &admin,
            json!({ "vin": null, "make": "Kia", "model": "EV6", "owner": user_id }),
        )
        .await,
    );
    let vehicle_id = vehicle["id"].as_i64().unwrap();
    let tag = created(
        api.post("/tokens", &admin, token("T1", "accepted", Some(user_id)))
            .await,
    );
    let tag_id = tag["id"].as_i64().unwrap();
    let location = json!({ "name": "Depot", "address": { "street": "Dock 2", "postal_code": null,
        "city": "Rotterdam", "state": null, "country": "NLD" }, "coordinates": null,
        "time_zone": "Europe/Amsterdam", "opening_hours": { "twenty_four_seven": true },
        "parking_spots": [{ "label": "P1", "floor": null, "renter": null }] });
    let place = created(api.post("/locations", &admin, location.clone()).await);
    let place_id = place["id"].as_i64().unwrap();
    let station = created(
        api.post(
            "/stations",
            &admin,
            json!({ "identity": "UPD-1", "location_id": place_id, "security_profile": 1,
            "password": "0123456789abcdef" }),
        )
        .await,
    );
    let station_id = station["id"].as_i64().unwrap();

    // B can change and delete none of A's.
    let user_update =
        json!({ "name": "Bob", "email": null, "roles": ["viewer"], "disabled": false });
    let vehicle_update = json!({ "vin": null, "make": "Kia", "model": "EV9", "owner": null });
    let station_update = json!({ "identity": "UPD-1", "group": "north", "security_profile": 1 });
    for (path, body) in [
        (format!("/users/{user_id}"), user_update.clone()),
        (format!("/vehicles/{vehicle_id}"), vehicle_update.clone()),
        (format!("/tokens/{tag_id}"), token("T1", "blocked", None)),
        (format!("/locations/{place_id}"), location.clone()),
        (format!("/stations/{station_id}"), station_update.clone()),
        (
            format!("/locations/{place_id}/spots/P1/renter"),
            json!({ "renter": null }),
        ),
    ] {
        api.put(&path, &beta, body)
            .await
            .assert_error(404, "not_found");
    }
    for path in [
        format!("/users/{user_id}"),
        format!("/vehicles/{vehicle_id}"),
        format!("/tokens/{tag_id}"),
        format!("/locations/{place_id}"),
        format!("/stations/{station_id}"),
    ] {
        api.delete(&path, &beta)
            .await
            .assert_error(404, "not_found");
        assert_eq!(api.get(&path, &admin).await.status, 200, "{path}");
    }

    // A changes its own.
    let renter = api
        .put(
            &format!("/locations/{place_id}/spots/P1/renter"),
            &admin,
            json!({ "renter": user_id }),
        )
        .await;
    assert_eq!(renter.status, 200, "{}", renter.text);
    assert_eq!(
        renter.body["parking_spots"][0]["renter"].as_i64(),
        Some(user_id)
    );
    api.put(
        &format!("/locations/{place_id}/spots/P9/renter"),
        &admin,
        json!({ "renter": null }),
    )
    .await
    .assert_error(404, "not_found");
    let changed = api
        .put(&format!("/stations/{station_id}"), &admin, station_update)
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(changed.body["group"], "north");
    assert_eq!(changed.body["has_password"], true);
    let vehicle = api
        .put(&format!("/vehicles/{vehicle_id}"), &admin, vehicle_update)
        .await;
    assert_eq!(vehicle.body["model"], "EV9");
    let blocked = api
        .put(
            &format!("/tokens/{tag_id}"),
            &admin,
            token("T1", "blocked", Some(user_id)),
        )
        .await;
    assert_eq!(blocked.body["status"], "blocked");

    // A user still referenced cannot go; a disabled user's key stops working.
    api.delete(&format!("/users/{user_id}"), &admin)
        .await
        .assert_error(409, "conflict");
    let key = api
        .post(
            "/api-keys",
            &admin,
            json!({ "name": "ann", "roles": ["driver"], "user_id": user_id }),
        )
        .await;
    let ann_key = key.body["key"].as_str().unwrap().to_owned();
    assert_eq!(api.get("/tokens", &ann_key).await.status, 200);
    let disabled = api
        .put(
            &format!("/users/{user_id}"),
            &admin,
            json!({ "name": "Ann", "email": null, "roles": ["driver"], "disabled": true }),
        )
        .await;
    assert_eq!(disabled.status, 200, "{}", disabled.text);
    api.get("/tokens", &ann_key)
        .await
        .assert_error(401, "unauthenticated");

    // Deletes of unreferenced objects work.
    for path in [
        format!("/tokens/{tag_id}"),
        format!("/stations/{station_id}"),
        format!("/locations/{place_id}"),
    ] {
        let gone = api.delete(&path, &admin).await;
        assert_eq!(gone.status, 204, "{path}: {}", gone.text);
        api.get(&path, &admin).await.assert_error(404, "not_found");
    }
}

async fn a_drivers_key_lists_only_its_users_tokens_and_sessions(api: &TestApi) {
    let admin = api.tenant("Alpha", "ALP").await;
    let ann = created(
        api.post(
            "/users",
            &admin,
            json!({ "name": "Ann", "email": null, "roles": ["driver"] }),
        )
        .await,
    );
    let ann = ann["id"].as_i64().unwrap();
    created(
        api.post("/tokens", &admin, token("ANN1", "accepted", Some(ann)))
            .await,
    );
    created(
        api.post("/tokens", &admin, token("OTHER", "accepted", None))
            .await,
    );
    let key = api
        .post(
            "/api-keys",
            &admin,
            json!({ "name": "ann", "roles": ["driver"], "user_id": ann }),
        )
        .await;
    let driver = key.body["key"].as_str().unwrap().to_owned();
    assert_eq!(uids(&api.get("/tokens", &driver).await), ["ANN1"]);
    // Asking for someone else's gives one's own still.
    assert_eq!(uids(&api.get("/tokens?owner=999", &driver).await), ["ANN1"]);
    assert_eq!(api.get("/sessions", &driver).await.status, 200);
    assert_eq!(api.get("/cdrs", &driver).await.status, 200);
    // But nothing an operator reads.
    api.get("/stations", &driver)
        .await
        .assert_error(403, "forbidden");
    api.get("/tokens/1", &driver)
        .await
        .assert_error(403, "forbidden");
    // A driver key without a user reads no lists.
    let loose = api.key(&admin, &["driver"]).await;
    api.get("/tokens", &loose)
        .await
        .assert_error(403, "forbidden");
}
