//! What a station decided about a command, read once from its typed answer: one rule per
//! response type, on the version's own status enumeration (no comparison of status text).
//! OCPP 2.1 answers are read back as their 2.0.1 form before they come here.

use ocpp_types::{v16 as o16, v201 as o201};

use super::Refusal;

/// What the station decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Verdict {
    /// Whether it does what it was asked (now or when it can: `Scheduled`,
    /// `RebootRequired`).
    pub(crate) accepted: bool,
    /// The status it answered, as the specification spells it; for answers of one status
    /// per item, the first refused item's (else the first item's).
    pub(crate) status: Option<String>,
    /// Why it refused, where its status says more than no.
    pub(crate) refusal: Option<Refusal>,
}

impl Verdict {
    fn of(accepted: bool, status: &str) -> Verdict {
        Verdict {
            accepted,
            status: Some(status.to_owned()),
            refusal: None,
        }
    }

    /// A refusal `refusal` (accepted when `None` and `accepted`).
    fn refused(accepted: bool, status: &str, refusal: Option<Refusal>) -> Verdict {
        Verdict {
            refusal,
            ..Verdict::of(accepted, status)
        }
    }

    /// An answer without a status (a report, a list): the station did what was asked.
    fn done() -> Verdict {
        Verdict {
            accepted: true,
            status: None,
            refusal: None,
        }
    }

    /// Accepted when every item is; the status of the first refused item, else the first.
    fn of_items<'a>(items: impl IntoIterator<Item = (bool, &'a str)>) -> Verdict {
        let items: Vec<_> = items.into_iter().collect();
        match items.iter().find(|(accepted, _)| !accepted) {
            Some((_, refused)) => Verdict::of(false, refused),
            None => Verdict {
                accepted: true,
                status: items.first().map(|(_, status)| (*status).to_owned()),
                refusal: None,
            },
        }
    }
}

/// A typed answer to an operator command.
pub(crate) trait Decided {
    /// What the station decided.
    fn verdict(&self) -> Verdict;
}

/// `Decided` for answers of one `status` field: accepted when it matches the pattern.
macro_rules! decided_by_status {
    ($($response:ty => $accepted:pat,)*) => {
        $(
            impl Decided for $response {
                fn verdict(&self) -> Verdict {
                    Verdict::of(matches!(self.status, $accepted), self.status.as_str())
                }
            }
        )*
    };
}

decided_by_status! {
    o16::ChangeAvailabilityResponse => o16::AvailabilityStatus::Accepted | o16::AvailabilityStatus::Scheduled,
    o16::ChangeConfigurationResponse => o16::ConfigurationStatus::Accepted | o16::ConfigurationStatus::RebootRequired,
    o16::GetCompositeScheduleResponse => o16::GetCompositeScheduleStatus::Accepted,
    o16::RemoteStartTransactionResponse => o16::RemoteStartStopStatus::Accepted,
    o16::RemoteStopTransactionResponse => o16::RemoteStartStopStatus::Accepted,
    o16::ResetResponse => o16::ResetStatus::Accepted,
    o16::SendLocalListResponse => o16::UpdateStatus::Accepted,
    o16::SetChargingProfileResponse => o16::ChargingProfileStatus::Accepted,
    o16::TriggerMessageResponse => o16::TriggerMessageStatus::Accepted,
    o16::UnlockConnectorResponse => o16::UnlockStatus::Unlocked,
    o201::ChangeAvailabilityResponse => o201::ChangeAvailabilityStatus::Accepted | o201::ChangeAvailabilityStatus::Scheduled,
    o201::GetBaseReportResponse => o201::GenericDeviceModelStatus::Accepted,
    o201::GetCompositeScheduleResponse => o201::GenericStatus::Accepted,
    o201::RequestStartTransactionResponse => o201::RequestStartStopStatus::Accepted,
    o201::RequestStopTransactionResponse => o201::RequestStartStopStatus::Accepted,
    o201::ResetResponse => o201::ResetStatus::Accepted | o201::ResetStatus::Scheduled,
    o201::SendLocalListResponse => o201::SendLocalListStatus::Accepted,
    o201::SetChargingProfileResponse => o201::ChargingProfileStatus::Accepted,
    o201::TriggerMessageResponse => o201::TriggerMessageStatus::Accepted,
    o201::UnlockConnectorResponse => o201::UnlockStatus::Unlocked,
}

// Answers whose refusal says why.

impl Decided for o16::ReserveNowResponse {
    fn verdict(&self) -> Verdict {
        use o16::ReservationStatus as S;
        let refusal = match self.status {
            S::Occupied => Some(Refusal::Occupied),
            S::Faulted | S::Unavailable => Some(Refusal::Inoperative),
            _ => None,
        };
        Verdict::refused(self.status == S::Accepted, self.status.as_str(), refusal)
    }
}

impl Decided for o201::ReserveNowResponse {
    fn verdict(&self) -> Verdict {
        use o201::ReserveNowStatus as S;
        let refusal = match self.status {
            S::Occupied => Some(Refusal::Occupied),
            S::Faulted | S::Unavailable => Some(Refusal::Inoperative),
            _ => None,
        };
        Verdict::refused(self.status == S::Accepted, self.status.as_str(), refusal)
    }
}

/// `Rejected`: the station has no reservation of that id.
impl Decided for o16::CancelReservationResponse {
    fn verdict(&self) -> Verdict {
        use o16::CancelReservationStatus as S;
        let refusal = (self.status == S::Rejected).then_some(Refusal::Unknown);
        Verdict::refused(self.status == S::Accepted, self.status.as_str(), refusal)
    }
}

/// `Rejected`: the station has no reservation of that id.
impl Decided for o201::CancelReservationResponse {
    fn verdict(&self) -> Verdict {
        use o201::CancelReservationStatus as S;
        let refusal = (self.status == S::Rejected).then_some(Refusal::Unknown);
        Verdict::refused(self.status == S::Accepted, self.status.as_str(), refusal)
    }
}

impl Decided for o16::ClearChargingProfileResponse {
    fn verdict(&self) -> Verdict {
        use o16::ClearChargingProfileStatus as S;
        let refusal = (self.status == S::Unknown).then_some(Refusal::Unknown);
        Verdict::refused(self.status == S::Accepted, self.status.as_str(), refusal)
    }
}

impl Decided for o201::ClearChargingProfileResponse {
    fn verdict(&self) -> Verdict {
        use o201::ClearChargingProfileStatus as S;
        let refusal = (self.status == S::Unknown).then_some(Refusal::Unknown);
        Verdict::refused(self.status == S::Accepted, self.status.as_str(), refusal)
    }
}

impl Decided for o16::GetConfigurationResponse {
    fn verdict(&self) -> Verdict {
        Verdict::done()
    }
}

impl Decided for o201::SetVariablesResponse {
    fn verdict(&self) -> Verdict {
        Verdict::of_items(self.set_variable_result.iter().map(|item| {
            let accepted = matches!(
                item.attribute_status,
                o201::SetVariableStatus::Accepted | o201::SetVariableStatus::RebootRequired
            );
            (accepted, item.attribute_status.as_str())
        }))
    }
}

impl Decided for o201::GetVariablesResponse {
    fn verdict(&self) -> Verdict {
        Verdict::of_items(self.get_variable_result.iter().map(|item| {
            let accepted = matches!(item.attribute_status, o201::GetVariableStatus::Accepted);
            (accepted, item.attribute_status.as_str())
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_answer_is_read_by_its_own_status() {
        let unlocked = o16::UnlockConnectorResponse {
            status: o16::UnlockStatus::Unlocked,
        };
        assert_eq!(unlocked.verdict(), Verdict::of(true, "Unlocked"));
        let failed = o16::UnlockConnectorResponse {
            status: o16::UnlockStatus::UnlockFailed,
        };
        assert_eq!(failed.verdict(), Verdict::of(false, "UnlockFailed"));
        let scheduled = o201::ResetResponse::new(o201::ResetStatus::Scheduled);
        assert!(scheduled.verdict().accepted);
        let odd = o16::ResetResponse {
            status: o16::ResetStatus::Unrecognized("Maybe".into()),
        };
        assert_eq!(odd.verdict(), Verdict::of(false, "Maybe"));
        assert_eq!(
            o16::GetConfigurationResponse::default().verdict(),
            Verdict::done()
        );
    }

    #[test]
    fn a_refusal_says_why_where_the_status_does() {
        let reserve = |status| o201::ReserveNowResponse::new(status).verdict().refusal;
        assert_eq!(
            reserve(o201::ReserveNowStatus::Occupied),
            Some(Refusal::Occupied)
        );
        assert_eq!(
            reserve(o201::ReserveNowStatus::Unavailable),
            Some(Refusal::Inoperative)
        );
        assert_eq!(reserve(o201::ReserveNowStatus::Rejected), None);
        let reserve_16 = |status| o16::ReserveNowResponse { status }.verdict().refusal;
        assert_eq!(
            reserve_16(o16::ReservationStatus::Faulted),
            Some(Refusal::Inoperative)
        );
        assert_eq!(reserve_16(o16::ReservationStatus::Accepted), None);
        let cancel = o16::CancelReservationResponse {
            status: o16::CancelReservationStatus::Rejected,
        };
        assert_eq!(cancel.verdict().refusal, Some(Refusal::Unknown));
        let clear =
            o201::ClearChargingProfileResponse::new(o201::ClearChargingProfileStatus::Unknown);
        assert_eq!(
            (clear.verdict().accepted, clear.verdict().refusal),
            (false, Some(Refusal::Unknown))
        );
        let odd = o16::ClearChargingProfileResponse {
            status: o16::ClearChargingProfileStatus::Unrecognized("Gone".into()),
        };
        assert_eq!(
            odd.verdict().refusal,
            None,
            "an unknown status says nothing more"
        );
    }

    #[test]
    fn answers_of_one_status_per_item_are_accepted_when_every_item_is() {
        let item = |status| {
            o201::SetVariableResult::new(
                status,
                o201::Component::new("OCPPCommCtrlr"),
                o201::Variable::new("HeartbeatInterval"),
            )
        };
        let all = o201::SetVariablesResponse::new(vec![
            item(o201::SetVariableStatus::RebootRequired),
            item(o201::SetVariableStatus::Accepted),
        ]);
        assert_eq!(all.verdict(), Verdict::of(true, "RebootRequired"));
        let one_refused = o201::SetVariablesResponse::new(vec![
            item(o201::SetVariableStatus::Accepted),
            item(o201::SetVariableStatus::UnknownVariable),
        ]);
        assert_eq!(one_refused.verdict(), Verdict::of(false, "UnknownVariable"));
    }
}
