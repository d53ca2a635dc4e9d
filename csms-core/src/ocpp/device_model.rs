//! What 2.x stations report of their device model (NotifyReport, GetVariables and
//! SetVariables answers) as the model's [`VariableValue`]s, kept with the station's
//! configuration, and the EVSEs and connectors a report shows ([`reported_parts`]). An
//! attribute without a type is the `Actual` one.

use chrono::{DateTime, Utc};
use ocpp_types::{v21, v201};

use crate::model::{ConnectorStatus, VariableKey, VariableValue};

/// The attribute a value without an attribute type is.
const ACTUAL: &str = "Actual";

/// Where a variable lives, in no version's types.
struct Place<'a> {
    component: &'a str,
    component_instance: Option<&'a str>,
    evse_id: Option<i32>,
    connector_id: Option<i32>,
    variable: &'a str,
    variable_instance: Option<&'a str>,
}

impl Place<'_> {
    fn key(&self, attribute: Option<&str>) -> VariableKey {
        VariableKey {
            component: self.component.to_owned(),
            component_instance: self.component_instance.map(str::to_owned),
            evse_id: self.evse_id,
            connector_id: self.connector_id,
            variable: self.variable.to_owned(),
            variable_instance: self.variable_instance.map(str::to_owned),
            attribute: attribute.unwrap_or(ACTUAL).to_owned(),
        }
    }

    fn value(
        &self,
        attribute: Option<&str>,
        value: Option<&str>,
        mutability: Option<&str>,
        at: DateTime<Utc>,
    ) -> VariableValue {
        VariableValue {
            key: self.key(attribute),
            value: value.map(str::to_owned),
            mutability: mutability.map(str::to_owned),
            reported_at: at,
        }
    }
}

fn place_v201<'a>(component: &'a v201::Component, variable: &'a v201::Variable) -> Place<'a> {
    Place {
        component: &component.name,
        component_instance: component.instance.as_deref(),
        evse_id: component.evse.as_ref().map(|evse| evse.id),
        connector_id: component.evse.as_ref().and_then(|evse| evse.connector_id),
        variable: &variable.name,
        variable_instance: variable.instance.as_deref(),
    }
}

/// A 2.1 place; `None` when an EVSE or connector number does not fit the model's.
fn place_v21<'a>(component: &'a v21::Component, variable: &'a v21::Variable) -> Option<Place<'a>> {
    let evse = component.evse.as_ref();
    Some(Place {
        component: &component.name,
        component_instance: component.instance.as_deref(),
        evse_id: evse.map(|evse| i32::try_from(evse.id)).transpose().ok()?,
        connector_id: evse
            .and_then(|evse| evse.connector_id)
            .map(i32::try_from)
            .transpose()
            .ok()?,
        variable: &variable.name,
        variable_instance: variable.instance.as_deref(),
    })
}

/// The key of a 2.0.1 variable's attribute (as GetVariables and SetVariables name it).
pub(super) fn key_v201(
    component: &v201::Component,
    variable: &v201::Variable,
    attribute: Option<&v201::Attribute>,
) -> VariableKey {
    place_v201(component, variable).key(attribute.map(|a| a.as_str()))
}

/// The values of a 2.0.1 NotifyReport, reported at `at`.
pub fn from_report_v201(report: &[v201::ReportData], at: DateTime<Utc>) -> Vec<VariableValue> {
    report
        .iter()
        .flat_map(|data| {
            let place = place_v201(&data.component, &data.variable);
            data.variable_attribute
                .iter()
                .map(|attribute| {
                    place.value(
                        attribute.kind.as_ref().map(|kind| kind.as_str()),
                        attribute.value.as_deref(),
                        attribute.mutability.as_ref().map(|m| m.as_str()),
                        at,
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The values of a 2.1 NotifyReport, reported at `at` (an entry whose EVSE or connector
/// number does not fit is left out).
pub fn from_report_v21(report: &[v21::ReportData], at: DateTime<Utc>) -> Vec<VariableValue> {
    report
        .iter()
        .filter_map(|data| Some((data, place_v21(&data.component, &data.variable)?)))
        .flat_map(|(data, place)| {
            data.variable_attribute
                .iter()
                .map(|attribute| {
                    place.value(
                        attribute.kind.as_ref().map(|kind| kind.as_str()),
                        attribute.value.as_deref(),
                        attribute.mutability.as_ref().map(|m| m.as_str()),
                        at,
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect()
}
/// An EVSE or a connector a device-model report shows: the `EVSE` component of an EVSE,
/// the `Connector` component of a connector of one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportedPart {
    /// The EVSE's number.
    pub evse_id: i32,
    /// The connector's number; `None` for the EVSE itself.
    pub connector_id: Option<i32>,
    /// Its `AvailabilityState`, when the report gives it (and it is a status we know).
    pub status: Option<ConnectorStatus>,
}

/// The EVSEs and connectors `values` show, each once, in the order they first appear.
pub fn reported_parts(values: &[VariableValue]) -> Vec<ReportedPart> {
    let mut parts: Vec<ReportedPart> = Vec::new();
    for value in values {
        let key = &value.key;
        let connector_id = match key.component.as_str() {
            "EVSE" => None,
            "Connector" => match key.connector_id {
                Some(id) => Some(id),
                None => continue,
            },
            _ => continue,
        };
        let Some(evse_id) = key.evse_id.filter(|id| *id >= 1) else {
            continue;
        };
        if connector_id.is_some_and(|id| id < 1) {
            continue;
        }
        let status = (key.variable == "AvailabilityState" && key.attribute == ACTUAL)
            .then(|| value.value.as_deref().and_then(ConnectorStatus::parse))
            .flatten();
        match parts
            .iter_mut()
            .find(|part| part.evse_id == evse_id && part.connector_id == connector_id)
        {
            Some(part) => part.status = status.or(part.status),
            None => parts.push(ReportedPart {
                evse_id,
                connector_id,
                status,
            }),
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(
        component: &str,
        evse: Option<i32>,
        connector: Option<i32>,
        variable: &str,
        v: &str,
    ) -> VariableValue {
        VariableValue {
            key: VariableKey {
                component: component.to_owned(),
                component_instance: None,
                evse_id: evse,
                connector_id: connector,
                variable: variable.to_owned(),
                variable_instance: None,
                attribute: ACTUAL.to_owned(),
            },
            value: Some(v.to_owned()),
            mutability: None,
            reported_at: Utc::now(),
        }
    }

    #[test]
    fn evse_and_connector_components_are_parts_with_their_availability() {
        let values = [
            value("EVSE", Some(1), None, "Power", "22000"),
            value("Connector", Some(1), Some(1), "ConnectorType", "cType2"),
            value(
                "Connector",
                Some(1),
                Some(1),
                "AvailabilityState",
                "Occupied",
            ),
            value("EVSE", Some(1), None, "AvailabilityState", "Available"),
            value(
                "Connector",
                Some(2),
                Some(1),
                "AvailabilityState",
                "Sideways",
            ),
            value("Connector", Some(3), None, "AvailabilityState", "Available"),
            value("EVSE", Some(0), None, "AvailabilityState", "Available"),
            value(
                "OCPPCommCtrlr",
                Some(1),
                None,
                "AvailabilityState",
                "Available",
            ),
        ];
        let part = |evse_id, connector_id, status| ReportedPart {
            evse_id,
            connector_id,
            status,
        };
        assert_eq!(
            reported_parts(&values),
            [
                part(1, None, Some(ConnectorStatus::Available)),
                part(1, Some(1), Some(ConnectorStatus::Occupied)),
                part(2, Some(1), None),
            ]
        );
    }
}
