//! What a station reports of its configuration: OCPP 1.6 keys (GetConfiguration) and
//! OCPP 2.0.1 device-model variables (GetVariables, NotifyReport).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One OCPP 1.6 configuration key of a station, as it last reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigurationKey {
    /// The key (`HeartbeatInterval`).
    pub key: String,
    /// Its value, if the station gave one.
    pub value: Option<String>,
    /// Whether the station refuses to change it.
    pub readonly: bool,
    /// When the station reported it.
    pub reported_at: DateTime<Utc>,
}

/// Where a 2.0.1 variable lives and which of its attributes a value is: the unique key of a
/// [`VariableValue`] within a station.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VariableKey {
    /// The component (`OCPPCommCtrlr`).
    pub component: String,
    /// The component's instance, if any.
    pub component_instance: Option<String>,
    /// The EVSE of the component, if any.
    pub evse_id: Option<i32>,
    /// The connector of the component, if any.
    pub connector_id: Option<i32>,
    /// The variable (`HeartbeatInterval`).
    pub variable: String,
    /// The variable's instance, if any.
    pub variable_instance: Option<String>,
    /// The attribute (`Actual`, `Target`, `MinSet`, `MaxSet`).
    pub attribute: String,
}

/// One attribute value of a 2.0.1 device-model variable, as the station last reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariableValue {
    /// Which variable and attribute.
    pub key: VariableKey,
    /// The value, if the station gave one.
    pub value: Option<String>,
    /// `ReadOnly`, `WriteOnly` or `ReadWrite`, when reported.
    pub mutability: Option<String>,
    /// When the station reported it.
    pub reported_at: DateTime<Utc>,
}
