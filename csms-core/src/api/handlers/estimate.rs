//! Cost estimates: what a session of some energy and duration at a station would cost, with
//! the tariff that applies there and the tariff engine.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use ocpi_types::common::number::Number;
use ocpi_types::v221::cdrs::{CdrDimension, CdrDimensionType, ChargingPeriod};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::CheckBody;
use super::stations::find;
use crate::api::auth::{Caller, READ};
use crate::api::error::Body;
use crate::api::table::Route;
use crate::api::{ApiError, ApiState};
use crate::model::{StationId, TariffId};
use crate::tariff::{self, Amount, Consumption, Options};

pub(super) fn routes() -> Vec<Route> {
    vec![
        Route::post("/estimate", "estimateCost", READ, estimate)
            .summary(
                "tariffs",
                "What a session of this energy and duration at a station would cost",
            )
            .body::<EstimateRequest>()
            .returns::<Estimate>(),
    ]
}

/// The session to price.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct EstimateRequest {
    /// The station.
    station_id: StationId,
    /// The EVSE, for a tariff assigned to one.
    #[serde(default)]
    evse_id: Option<i32>,
    /// The uid of the token that would charge, for a tariff of its group.
    #[serde(default)]
    token_uid: Option<String>,
    /// Energy charged, in kWh (0 to 10000).
    #[serde(with = "ocpi_types::common::number")]
    #[schemars(with = "Number")]
    energy_kwh: Decimal,
    /// How long the session lasts, in minutes (more than 0, at most 10080: a week).
    #[serde(with = "ocpi_types::common::number")]
    #[schemars(with = "Number")]
    duration_minutes: Decimal,
    /// When it starts (now when absent): time-of-day and day-of-week prices depend on it.
    #[serde(default)]
    at: Option<DateTime<Utc>>,
}

/// An amount excluding and including VAT.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct Money {
    /// Excluding VAT.
    #[serde(with = "ocpi_types::common::number")]
    #[schemars(with = "Number")]
    excl_vat: Decimal,
    /// Including VAT.
    #[serde(with = "ocpi_types::common::number")]
    #[schemars(with = "Number")]
    incl_vat: Decimal,
}

impl From<Amount> for Money {
    fn from(amount: Amount) -> Money {
        Money {
            excl_vat: amount.excl_vat.normalize(),
            incl_vat: amount.incl_vat.normalize(),
        }
    }
}

/// The estimated cost, as the CDR of such a session would state it.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct Estimate {
    /// The tariff that applies (its store id).
    tariff_id: TariffId,
    /// The tariff's OCPI id.
    tariff: String,
    /// ISO 4217 currency.
    currency: String,
    /// What the session costs.
    total_cost: Money,
    /// Of which energy.
    total_energy_cost: Money,
    /// Of which time.
    total_time_cost: Money,
    /// Of which flat fees.
    total_fixed_cost: Money,
    /// Of which parking.
    total_parking_cost: Money,
    /// Energy billed, in kWh.
    #[serde(with = "ocpi_types::common::number")]
    #[schemars(with = "Number")]
    total_energy: Decimal,
    /// Duration, in hours.
    #[serde(with = "ocpi_types::common::number")]
    #[schemars(with = "Number")]
    total_time: Decimal,
    /// Every line of the price: period, dimension, volume, price, VAT, cost.
    breakdown: serde_json::Value,
    /// What the tariff engine had to assume.
    warnings: Vec<String>,
}

impl CheckBody for EstimateRequest {
    fn check_body(&self) -> Result<(), ApiError> {
        if self.energy_kwh < Decimal::ZERO || self.energy_kwh > Decimal::from(10_000) {
            return Err(ApiError::Invalid(
                "energy_kwh must be 0 to 10000".to_owned(),
            ));
        }
        let minutes = self.duration_minutes;
        if minutes <= Decimal::ZERO || minutes > Decimal::from(10_080) {
            return Err(ApiError::Invalid(
                "duration_minutes must be more than 0 and at most 10080".to_owned(),
            ));
        }
        Ok(())
    }
}

async fn estimate(
    State(state): State<ApiState>,
    caller: Caller,
    Body(request): Body<EstimateRequest>,
) -> Result<Json<Estimate>, ApiError> {
    request.check_body()?;
    let minutes = request.duration_minutes;
    let store = &state.inner.store;
    let station = find(&state, caller.tenant, request.station_id.0).await?;
    let group = match &request.token_uid {
        Some(uid) => {
            store
                .token_by_uid(caller.tenant, uid)
                .await?
                .ok_or(ApiError::NotFound("token"))?
                .group_id
        }
        None => None,
    };
    let stored = store
        .tariff_for(caller.tenant, station.id, request.evse_id, group.as_deref())
        .await?
        .ok_or(ApiError::NoTariff)?;

    // Local times are the location's, else the tenant's.
    let zone = match station.location_id {
        Some(location) => store
            .location(caller.tenant, location)
            .await?
            .map(|location| location.time_zone),
        None => None,
    };
    let zone = match zone {
        Some(zone) => zone,
        None => {
            let tenant = store.tenant(caller.tenant).await?;
            tenant.map_or_else(|| "UTC".to_owned(), |tenant| tenant.settings.time_zone)
        }
    };
    let options = Options {
        time_zone: zone.parse().ok(),
        ..Options::default()
    };

    let start = request.at.unwrap_or_else(Utc::now);
    let seconds = (minutes * Decimal::from(60)).round();
    let seconds = i64::try_from(seconds)
        .map_err(|_| ApiError::Invalid("duration_minutes is out of range".to_owned()))?;
    let end = start + chrono::Duration::seconds(seconds);
    let period = ChargingPeriod {
        start_date_time: ocpi_types::common::DateTime::from_utc(start),
        dimensions: vec![
            CdrDimension {
                r#type: CdrDimensionType::Energy,
                volume: request.energy_kwh,
            },
            CdrDimension {
                r#type: CdrDimensionType::Time,
                volume: minutes / Decimal::from(60),
            },
        ],
        tariff_id: None,
    };
    let session = Consumption::new(vec![period]).ending_at(end);
    let pricing = tariff::price(&stored.tariff, &session, &options)?;
    Ok(Json(Estimate {
        tariff_id: stored.id,
        tariff: stored.tariff.id.to_string(),
        currency: pricing.currency.clone(),
        total_cost: pricing.total_cost.into(),
        total_energy_cost: pricing.total_energy_cost.into(),
        total_time_cost: pricing.total_time_cost.into(),
        total_fixed_cost: pricing.total_fixed_cost.into(),
        total_parking_cost: pricing.total_parking_cost.into(),
        total_energy: pricing.total_energy.normalize(),
        total_time: pricing.total_time.normalize(),
        breakdown: serde_json::to_value(&pricing.breakdown).unwrap_or_default(),
        warnings: pricing.warnings.into_iter().map(|w| w.message).collect(),
    }))
}
