//! The route table: every route with what it needs and what it takes and returns. The
//! router and the OpenAPI document are both built from it, so they cannot disagree.

use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodRouter, delete, get, post, put};
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

use super::ApiState;
use super::auth::Access;
use super::error::ErrorBody;

/// Produces a schema (a reference to a component, mostly) in a generator.
type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

fn schema_of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

fn inline_schema_of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    T::json_schema(generator)
}

/// One route.
pub(crate) struct Route {
    pub(crate) method: Method,
    pub(crate) path: &'static str,
    pub(crate) handler: MethodRouter<ApiState>,
    pub(crate) operation_id: &'static str,
    pub(crate) summary: &'static str,
    pub(crate) tag: &'static str,
    pub(crate) access: Access,
    request: Option<SchemaFn>,
    response: Option<SchemaFn>,
    status: u16,
    query: Option<SchemaFn>,
    paged: bool,
}

macro_rules! constructor {
    ($name:ident, $method:ident, $routing:ident) => {
        /// A route of this method.
        pub(crate) fn $name<H, T>(
            path: &'static str,
            operation_id: &'static str,
            access: Access,
            handler: H,
        ) -> Route
        where
            H: Handler<T, ApiState>,
            T: 'static,
        {
            Route::new(
                Method::$method,
                path,
                operation_id,
                access,
                $routing(handler),
            )
        }
    };
}

impl Route {
    fn new(
        method: Method,
        path: &'static str,
        operation_id: &'static str,
        access: Access,
        handler: MethodRouter<ApiState>,
    ) -> Route {
        Route {
            method,
            path,
            handler,
            operation_id,
            summary: "",
            tag: "",
            access,
            request: None,
            response: None,
            status: 200,
            query: None,
            paged: false,
        }
    }

    constructor!(get, GET, get);
    constructor!(post, POST, post);
    constructor!(put, PUT, put);
    constructor!(delete, DELETE, delete);

    /// What it does, in one line.
    pub(crate) fn summary(mut self, tag: &'static str, summary: &'static str) -> Route {
        self.tag = tag;
        self.summary = summary;
        self
    }

    /// It takes a JSON body of this schema.
    pub(crate) fn body<T: JsonSchema>(mut self) -> Route {
        self.request = Some(schema_of::<T>);
        self
    }

    /// It answers 200 with a JSON body of this schema.
    pub(crate) fn returns<T: JsonSchema>(mut self) -> Route {
        self.response = Some(schema_of::<T>);
        self
    }

    /// It answers `status` with a JSON body of this schema.
    pub(crate) fn returns_status<T: JsonSchema>(mut self, status: u16) -> Route {
        self.response = Some(schema_of::<T>);
        self.status = status;
        self
    }

    /// It answers a page of a list, with `X-Total-Count`.
    pub(crate) fn paged(mut self) -> Route {
        self.paged = true;
        self
    }

    /// It answers 204 without a body.
    pub(crate) fn no_content(mut self) -> Route {
        self.response = None;
        self.status = 204;
        self
    }

    /// It reads the query parameters of this type (its properties).
    pub(crate) fn query<T: JsonSchema>(mut self) -> Route {
        self.query = Some(inline_schema_of::<T>);
        self
    }
}

/// The OpenAPI 3.1 document of `routes`.
pub(crate) fn openapi(routes: &[Route]) -> Value {
    let settings = SchemaSettings::draft2020_12().with(|settings| {
        settings.definitions_path = "/components/schemas".into();
        settings.meta_schema = None;
    });
    let mut generator = SchemaGenerator::new(settings);
    let error = generator.subschema_for::<ErrorBody>().to_value();
    let mut paths = Map::new();
    for route in routes {
        let operation = operation(route, &mut generator, &error);
        let item = paths
            .entry(route.path.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(item) = item {
            item.insert(route.method.as_str().to_ascii_lowercase(), operation);
        }
    }
    let schemas = generator.take_definitions(true);
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "CSMS admin API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Operators' API of the reference CSMS: tenants, users and keys, tokens, \
                vehicles, locations, stations with their live connection, sessions, commands \
                to stations and cost estimates. Every route but /health and /openapi.json \
                needs `Authorization: Bearer <key>`; everything is scoped to the key's tenant. \
                Errors are `{\"error\": {\"code\", \"message\"}}`. Requests are limited: \
                bodies to 1 MiB by default (413), each key's request rate (429 with \
                Retry-After), the requests in flight (503 with Retry-After) and their time \
                (503)."
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "apiKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A tenant's API key `<prefix>.<secret>`, or the system key for /tenants."
                }
            }
        }
    })
}

fn operation(route: &Route, generator: &mut SchemaGenerator, error: &Value) -> Value {
    let mut parameters = Vec::new();
    for segment in route.path.split('/') {
        if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            // Identifiers are numbers; other parameters (a spot's label) text.
            let schema = if name == "id" {
                json!({ "type": "integer", "format": "int64" })
            } else {
                json!({ "type": "string" })
            };
            parameters.push(json!({
                "name": name,
                "in": "path",
                "required": true,
                "schema": schema
            }));
        }
    }
    if let Some(query) = route.query {
        let schema = query(generator).to_value();
        let required: Vec<&str> = schema["required"]
            .as_array()
            .map(|names| names.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if let Some(properties) = schema["properties"].as_object() {
            for (name, property) in properties {
                let mut parameter = json!({
                    "name": name,
                    "in": "query",
                    "required": required.contains(&name.as_str()),
                    "schema": property,
                });
                if let Some(description) = property.get("description") {
                    parameter["description"] = description.clone();
                }
                parameters.push(parameter);
            }
        }
    }
    let mut operation = json!({
        "operationId": route.operation_id,
        "summary": route.summary,
        "tags": [route.tag],
        "parameters": parameters,
    });
    if route.access != Access::Public {
        operation["security"] = json!([{ "apiKey": [] }]);
        operation["x-roles"] = json!(route.access.roles());
    }
    if let Some(request) = route.request {
        operation["requestBody"] = json!({
            "required": true,
            "content": { "application/json": { "schema": request(generator).to_value() } }
        });
    }
    let mut success = match route.response {
        Some(response) => json!({
            "description": "Success",
            "content": { "application/json": { "schema": response(generator).to_value() } }
        }),
        None => json!({ "description": "Done" }),
    };
    if route.paged {
        success["headers"] = json!({
            "X-Total-Count": {
                "description": "How many items match, over all pages.",
                "schema": { "type": "integer" }
            }
        });
    }
    operation["responses"] = json!({
        route.status.to_string(): success,
        "default": {
            "description": "An error: 400 bad input, 401 no or bad key, 403 role not allowed, \
                404 not found (or another tenant's), 409 conflict, 413 body too large, \
                422 cannot price, 429 too many requests with this key (with Retry-After), \
                500 internal, 503 store unavailable, too many requests in flight (with \
                Retry-After) or request timeout.",
            "content": { "application/json": { "schema": error } }
        }
    });
    operation
}
