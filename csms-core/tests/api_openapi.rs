//! The OpenAPI document: served at /openapi.json, the same as `api::openapi()`, naming every
//! route the router serves (and no other), with every schema it refers to.
#![cfg(feature = "http-api")]

mod api_support;

use api_support::TestApi;
use serde_json::Value;

/// Every `$ref` in `value`.
fn refs<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    ("$ref", Value::String(target)) => found.push(target),
                    _ => refs(inner, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| refs(item, found)),
        _ => {}
    }
}

#[tokio::test]
async fn the_document_names_every_route_and_every_documented_route_is_served() {
    let api = TestApi::start().await;
    let served = api.call("GET", "/openapi.json", None, None).await;
    assert_eq!(served.status, 200);
    let document = csms_core::api::openapi();
    assert_eq!(served.body, document);
    assert_eq!(document["openapi"], "3.1.0");

    let paths = document["paths"].as_object().unwrap();
    // What the API promises, at least.
    for (method, path) in [
        ("get", "/health"),
        ("get", "/openapi.json"),
        ("post", "/tenants"),
        ("get", "/tenant"),
        ("post", "/users"),
        ("post", "/api-keys"),
        ("post", "/tokens"),
        ("get", "/tokens/{id}"),
        ("post", "/vehicles"),
        ("post", "/locations"),
        ("post", "/stations"),
        ("get", "/stations/{id}"),
        ("get", "/sessions/{id}"),
    ] {
        assert!(
            paths.get(path).and_then(|item| item.get(method)).is_some(),
            "{method} {path}"
        );
    }

    // Every documented operation is routed: a request to it never meets the fallbacks.
    let mut operations = 0;
    for (path, item) in paths {
        let concrete = path.replace("{id}", "1").replace("{label}", "P1");
        for method in item.as_object().unwrap().keys() {
            operations += 1;
            let response = api
                .call(&method.to_uppercase(), &concrete, Some("key_x.y"), None)
                .await;
            let code = response.body["error"]["code"].as_str().unwrap_or("");
            assert!(
                code != "no_route" && code != "method_not_allowed",
                "{method} {path} is documented but not routed: {}",
                response.text
            );
        }
        // The other methods are not routed.
        for method in ["get", "post", "put", "delete"] {
            if item.get(method).is_none() {
                let response = api
                    .call(&method.to_uppercase(), &concrete, Some("key_x.y"), None)
                    .await;
                assert_eq!(
                    response.status, 405,
                    "{method} {path} is routed but not documented"
                );
            }
        }
        let operation_ids: Vec<&Value> = item.as_object().unwrap().values().collect();
        for operation in operation_ids {
            assert!(operation["operationId"].is_string());
            assert!(operation["responses"]["default"].is_object());
        }
    }
    assert!(operations >= 20, "{operations} operations");

    // Every referenced schema exists.
    let mut found = Vec::new();
    refs(&document, &mut found);
    assert!(!found.is_empty());
    for target in found {
        let pointer = target.strip_prefix('#').expect("local reference");
        assert!(document.pointer(pointer).is_some(), "{target} is missing");
    }
    // The model's schemas are there, with their fields.
    let schemas = &document["components"]["schemas"];
    assert!(schemas["Token"]["properties"]["restrictions"].is_object());
    assert!(schemas["StationView"]["properties"]["connection"].is_object());
    assert_eq!(schemas["TokenStatus"]["enum"][0], "accepted");
}
