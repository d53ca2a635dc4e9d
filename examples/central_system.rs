//! A small CSMS on the in-memory store: stations of OCPP 1.6, 2.0.1 and 2.1 connect at
//! `ws://ADDR/ocpp/<station-id>`.
//!
//! ```text
//! cargo run --example central_system -- [--listen 127.0.0.1:9000] [--metrics 127.0.0.1:9100]
//! ```
//!
//! It accepts every boot, authorizes every token, hands out 1.6 transaction ids, logs what
//! stations report, and serves Prometheus metrics at `http://METRICS/metrics`. It prints
//! `listening on ADDR` once ready (a port of 0 picks a free one). Stop it with Ctrl-C: calls
//! in flight finish before the connections close.

use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};

use chrono::Utc;
use ev_backend::ocpp_server::server::{Server, ServerConfig};
use ev_backend::ocpp_server::storage::InMemoryStorage;
use ev_backend::ocpp_server::{Context, ErrorReply, Router};
use ev_backend::ocpp_types::{v16, v21, v201};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tracing::info;

const USAGE: &str = "usage: central_system [--listen ADDR] [--metrics ADDR]";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().with_target(false).init();
    let mut listen = "127.0.0.1:9000".to_owned();
    let mut metrics_addr = "127.0.0.1:9100".to_owned();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--listen", Some(value)) => listen = value,
            ("--metrics", Some(value)) => metrics_addr = value,
            _ => {
                eprintln!("{USAGE}");
                std::process::exit(2);
            }
        }
    }

    let prometheus = PrometheusBuilder::new().install_recorder()?;
    let metrics_listener = TcpListener::bind(&metrics_addr).await?;
    println!(
        "metrics on http://{}/metrics",
        metrics_listener.local_addr()?
    );
    tokio::spawn(serve_metrics(metrics_listener, prometheus));

    let storage = Arc::new(InMemoryStorage::new());
    let server = Server::bind(&listen, ServerConfig::default(), router(), storage).await?;
    println!("listening on {}", server.local_addr());

    tokio::signal::ctrl_c().await?;
    info!(stations = server.stations().len(), "shutting down");
    server.shutdown().await;
    Ok(())
}

/// Answers every HTTP request with the metrics in the Prometheus text format.
async fn serve_metrics(listener: TcpListener, prometheus: PrometheusHandle) {
    while let Ok((mut stream, _)) = listener.accept().await {
        let prometheus = prometheus.clone();
        tokio::spawn(async move {
            let mut request = [0; 1024];
            let _ = stream.read(&mut request).await;
            let body = prometheus.render();
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes()).await;
        });
    }
}

fn router() -> Router {
    let router = v16_handlers(Router::new());
    let router = v201_handlers(router);
    v21_handlers(router)
}

fn v16_handlers(router: Router) -> Router {
    let transactions = Arc::new(AtomicI32::new(1));
    let accepted = || v16::IdTagInfo {
        status: v16::AuthorizationStatus::Accepted,
        expiry_date: None,
        parent_id_tag: None,
    };
    router
        .on(|ctx: Context, boot: v16::BootNotificationRequest| async move {
            info!(station = ctx.identity(), vendor = boot.charge_point_vendor, model = boot.charge_point_model, "boot");
            Ok(v16::BootNotificationResponse {
                status: v16::RegistrationStatus::Accepted,
                current_time: Utc::now(),
                interval: 300,
            })
        })
        .on(|_ctx, _: v16::HeartbeatRequest| async {
            Ok(v16::HeartbeatResponse { current_time: Utc::now() })
        })
        .on(|ctx: Context, status: v16::StatusNotificationRequest| async move {
            info!(station = ctx.identity(), connector = status.connector_id, status = ?status.status, "status");
            Ok(v16::StatusNotificationResponse {})
        })
        .on(move |ctx: Context, request: v16::AuthorizeRequest| async move {
            info!(station = ctx.identity(), id_tag = request.id_tag, "authorize");
            Ok(v16::AuthorizeResponse { id_tag_info: accepted() })
        })
        .on(move |ctx: Context, start: v16::StartTransactionRequest| {
            let transaction_id = transactions.fetch_add(1, Ordering::Relaxed);
            async move {
                info!(station = ctx.identity(), transaction_id, connector = start.connector_id, meter_start = start.meter_start, "transaction started");
                Ok(v16::StartTransactionResponse {
                    id_tag_info: accepted(),
                    transaction_id,
                })
            }
        })
        .on(|ctx: Context, stop: v16::StopTransactionRequest| async move {
            info!(station = ctx.identity(), transaction_id = stop.transaction_id, meter_stop = stop.meter_stop, "transaction stopped");
            Ok(v16::StopTransactionResponse { id_tag_info: None })
        })
        .on(|ctx: Context, values: v16::MeterValuesRequest| async move {
            for value in values.meter_value.iter().flat_map(|v| &v.sampled_value) {
                info!(station = ctx.identity(), connector = values.connector_id, value = value.value, unit = ?value.unit, "meter value");
            }
            Ok(v16::MeterValuesResponse {})
        })
        .on(|_ctx, _: v16::DataTransferRequest| async {
            Err::<v16::DataTransferResponse, _>(ErrorReply::not_supported("DataTransfer"))
        })
        .on(|_ctx, _: v16::DiagnosticsStatusNotificationRequest| async {
            Ok(v16::DiagnosticsStatusNotificationResponse {})
        })
        .on(|_ctx, _: v16::FirmwareStatusNotificationRequest| async {
            Ok(v16::FirmwareStatusNotificationResponse {})
        })
}

/// The handlers of a 2.x version: 2.0.1 and 2.1 share the shape of these messages.
macro_rules! v2x_handlers {
    ($name:ident, $v:ident, { $($authorize_extra:tt)* }) => {
        fn $name(router: Router) -> Router {
            let accepted = || $v::IdTokenInfo {
                status: $v::AuthorizationStatus::Accepted,
                cache_expiry_date_time: None,
                charging_priority: None,
                custom_data: None,
                evse_id: None,
                group_id_token: None,
                language1: None,
                language2: None,
                personal_message: None,
            };
            router
                .on(|ctx: Context, boot: $v::BootNotificationRequest| async move {
                    info!(station = ctx.identity(), vendor = boot.charging_station.vendor_name, model = boot.charging_station.model, reason = ?boot.reason, "boot");
                    Ok($v::BootNotificationResponse {
                        status: $v::RegistrationStatus::Accepted,
                        current_time: Utc::now(),
                        interval: 300,
                        status_info: None,
                        custom_data: None,
                    })
                })
                .on(|_ctx, _: $v::HeartbeatRequest| async {
                    Ok($v::HeartbeatResponse { current_time: Utc::now(), custom_data: None })
                })
                .on(|ctx: Context, status: $v::StatusNotificationRequest| async move {
                    info!(station = ctx.identity(), evse = status.evse_id, connector = status.connector_id, status = ?status.connector_status, "status");
                    Ok($v::StatusNotificationResponse::default())
                })
                .on(move |ctx: Context, request: $v::AuthorizeRequest| async move {
                    info!(station = ctx.identity(), id_token = request.id_token.id_token, "authorize");
                    Ok($v::AuthorizeResponse {
                        id_token_info: accepted(),
                        certificate_status: None,
                        custom_data: None,
                        $($authorize_extra)*
                    })
                })
                .on(move |ctx: Context, event: $v::TransactionEventRequest| async move {
                    let energy = event.meter_value.iter().flatten().flat_map(|m| &m.sampled_value).map(|s| s.value.to_string()).collect::<Vec<_>>();
                    info!(station = ctx.identity(), transaction = event.transaction_info.transaction_id, event = ?event.event_type, trigger = ?event.trigger_reason, seq_no = event.seq_no, ?energy, "transaction event");
                    Ok($v::TransactionEventResponse {
                        id_token_info: event.id_token.as_ref().map(|_| accepted()),
                        ..Default::default()
                    })
                })
                .on(|ctx: Context, values: $v::MeterValuesRequest| async move {
                    info!(station = ctx.identity(), evse = values.evse_id, samples = values.meter_value.len(), "meter values");
                    Ok($v::MeterValuesResponse::default())
                })
                .on(|_ctx, _: $v::NotifyReportRequest| async { Ok($v::NotifyReportResponse::default()) })
                .on(|_ctx, _: $v::NotifyEventRequest| async { Ok($v::NotifyEventResponse::default()) })
                .on(|ctx: Context, event: $v::SecurityEventNotificationRequest| async move {
                    info!(station = ctx.identity(), kind = event.kind, "security event");
                    Ok($v::SecurityEventNotificationResponse::default())
                })
                .on(|_ctx, _: $v::FirmwareStatusNotificationRequest| async {
                    Ok($v::FirmwareStatusNotificationResponse::default())
                })
                .on(|_ctx, _: $v::LogStatusNotificationRequest| async {
                    Ok($v::LogStatusNotificationResponse::default())
                })
        }
    };
}

v2x_handlers!(v201_handlers, v201, {});
v2x_handlers!(v21_handlers, v21, { allowed_energy_transfer: None, tariff: None, });
