//! What 2.x stations report of their device model (NotifyReport, GetVariables and
//! SetVariables answers) as the model's [`VariableValue`]s, kept with the station's
//! configuration. An attribute without a type is the `Actual` one.

use chrono::{DateTime, Utc};
use ocpp_types::{v21, v201};

use crate::model::{VariableKey, VariableValue};

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
