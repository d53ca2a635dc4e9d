//! Facts the schemas do not carry: which side sends each action, the names of the inline
//! types of OCPP 1.6 (as the 1.6 specification names them), and the action counts.

/// How many actions each version must have; the generator fails on any other count.
pub(crate) const EXPECTED_ACTIONS: [(&str, usize); 3] = [("1.6", 39), ("2.0.1", 64), ("2.1", 91)];

/// Actions that either side may send.
const FROM_BOTH: &[&str] = &["DataTransfer"];

/// Actions sent by the charge point (1.6); every other action is sent by the central system.
const FROM_STATION_16: &[&str] = &[
    "Authorize",
    "BootNotification",
    "DiagnosticsStatusNotification",
    "FirmwareStatusNotification",
    "Heartbeat",
    "LogStatusNotification",
    "MeterValues",
    "SecurityEventNotification",
    "SignCertificate",
    "SignedFirmwareStatusNotification",
    "StartTransaction",
    "StatusNotification",
    "StopTransaction",
];

/// Actions sent by the charging station in 2.0.1 (and 2.1); every other action is sent by
/// the CSMS.
const FROM_STATION_201: &[&str] = &[
    "Authorize",
    "BootNotification",
    "ClearedChargingLimit",
    "FirmwareStatusNotification",
    "Get15118EVCertificate",
    "GetCertificateStatus",
    "Heartbeat",
    "LogStatusNotification",
    "MeterValues",
    "NotifyChargingLimit",
    "NotifyCustomerInformation",
    "NotifyDisplayMessages",
    "NotifyEVChargingNeeds",
    "NotifyEVChargingSchedule",
    "NotifyEvent",
    "NotifyMonitoringReport",
    "NotifyReport",
    "PublishFirmwareStatusNotification",
    "ReportChargingProfiles",
    "ReservationStatusUpdate",
    "SecurityEventNotification",
    "SignCertificate",
    "StatusNotification",
    "TransactionEvent",
];

/// Actions new in 2.1 that the charging station sends.
const FROM_STATION_21: &[&str] = &[
    "BatterySwap",
    "ClosePeriodicEventStream",
    "GetCertificateChainStatus",
    "NotifyDERAlarm",
    "NotifyDERStartStop",
    "NotifyPeriodicEventStream",
    "NotifyPriorityCharging",
    "NotifySettlement",
    "OpenPeriodicEventStream",
    "PullDynamicScheduleUpdate",
    "ReportDERControl",
    "VatNumberValidation",
];

/// The `Sender` variant for an action of a version.
pub(crate) fn sender(version: &str, action: &str) -> &'static str {
    let from_station = match version {
        "1.6" => FROM_STATION_16.contains(&action),
        "2.0.1" => FROM_STATION_201.contains(&action),
        _ => FROM_STATION_201.contains(&action) || FROM_STATION_21.contains(&action),
    };
    if FROM_BOTH.contains(&action) {
        "Both"
    } else if from_station {
        "ChargingStation"
    } else {
        "Csms"
    }
}

/// Names of the inline object and enumeration types of the OCPP 1.6 core schemas, keyed by
/// `File:path` (array items as `[]`), as the OCPP 1.6 specification names them.
pub(crate) const INLINE_NAMES_16: &[(&str, &str)] = &[
    ("AuthorizeResponse:idTagInfo", "IdTagInfo"),
    ("AuthorizeResponse:idTagInfo.status", "AuthorizationStatus"),
    ("StartTransactionResponse:idTagInfo", "IdTagInfo"),
    (
        "StartTransactionResponse:idTagInfo.status",
        "AuthorizationStatus",
    ),
    ("StopTransactionResponse:idTagInfo", "IdTagInfo"),
    (
        "StopTransactionResponse:idTagInfo.status",
        "AuthorizationStatus",
    ),
    ("BootNotificationResponse:status", "RegistrationStatus"),
    (
        "CancelReservationResponse:status",
        "CancelReservationStatus",
    ),
    ("ChangeAvailability:type", "AvailabilityType"),
    ("ChangeAvailabilityResponse:status", "AvailabilityStatus"),
    ("ChangeConfigurationResponse:status", "ConfigurationStatus"),
    ("ClearCacheResponse:status", "ClearCacheStatus"),
    (
        "ClearChargingProfile:chargingProfilePurpose",
        "ChargingProfilePurposeType",
    ),
    (
        "ClearChargingProfileResponse:status",
        "ClearChargingProfileStatus",
    ),
    ("DataTransferResponse:status", "DataTransferStatus"),
    ("DiagnosticsStatusNotification:status", "DiagnosticsStatus"),
    ("FirmwareStatusNotification:status", "FirmwareStatus"),
    (
        "GetCompositeSchedule:chargingRateUnit",
        "ChargingRateUnitType",
    ),
    (
        "GetCompositeScheduleResponse:status",
        "GetCompositeScheduleStatus",
    ),
    (
        "GetCompositeScheduleResponse:chargingSchedule",
        "ChargingSchedule",
    ),
    (
        "GetCompositeScheduleResponse:chargingSchedule.chargingRateUnit",
        "ChargingRateUnitType",
    ),
    (
        "GetCompositeScheduleResponse:chargingSchedule.chargingSchedulePeriod[]",
        "ChargingSchedulePeriod",
    ),
    ("GetConfigurationResponse:configurationKey[]", "KeyValue"),
    ("MeterValues:meterValue[]", "MeterValue"),
    ("MeterValues:meterValue[].sampledValue[]", "SampledValue"),
    (
        "MeterValues:meterValue[].sampledValue[].context",
        "ReadingContext",
    ),
    (
        "MeterValues:meterValue[].sampledValue[].format",
        "ValueFormat",
    ),
    (
        "MeterValues:meterValue[].sampledValue[].measurand",
        "Measurand",
    ),
    ("MeterValues:meterValue[].sampledValue[].phase", "Phase"),
    (
        "MeterValues:meterValue[].sampledValue[].location",
        "Location",
    ),
    (
        "MeterValues:meterValue[].sampledValue[].unit",
        "UnitOfMeasure",
    ),
    ("StopTransaction:transactionData[]", "MeterValue"),
    (
        "StopTransaction:transactionData[].sampledValue[]",
        "SampledValue",
    ),
    (
        "StopTransaction:transactionData[].sampledValue[].context",
        "ReadingContext",
    ),
    (
        "StopTransaction:transactionData[].sampledValue[].format",
        "ValueFormat",
    ),
    (
        "StopTransaction:transactionData[].sampledValue[].measurand",
        "Measurand",
    ),
    (
        "StopTransaction:transactionData[].sampledValue[].phase",
        "Phase",
    ),
    (
        "StopTransaction:transactionData[].sampledValue[].location",
        "Location",
    ),
    (
        "StopTransaction:transactionData[].sampledValue[].unit",
        "UnitOfMeasure",
    ),
    ("StopTransaction:reason", "Reason"),
    ("RemoteStartTransaction:chargingProfile", "ChargingProfile"),
    (
        "RemoteStartTransaction:chargingProfile.chargingProfilePurpose",
        "ChargingProfilePurposeType",
    ),
    (
        "RemoteStartTransaction:chargingProfile.chargingProfileKind",
        "ChargingProfileKindType",
    ),
    (
        "RemoteStartTransaction:chargingProfile.recurrencyKind",
        "RecurrencyKindType",
    ),
    (
        "RemoteStartTransaction:chargingProfile.chargingSchedule",
        "ChargingSchedule",
    ),
    (
        "RemoteStartTransaction:chargingProfile.chargingSchedule.chargingRateUnit",
        "ChargingRateUnitType",
    ),
    (
        "RemoteStartTransaction:chargingProfile.chargingSchedule.chargingSchedulePeriod[]",
        "ChargingSchedulePeriod",
    ),
    ("SetChargingProfile:csChargingProfiles", "ChargingProfile"),
    (
        "SetChargingProfile:csChargingProfiles.chargingProfilePurpose",
        "ChargingProfilePurposeType",
    ),
    (
        "SetChargingProfile:csChargingProfiles.chargingProfileKind",
        "ChargingProfileKindType",
    ),
    (
        "SetChargingProfile:csChargingProfiles.recurrencyKind",
        "RecurrencyKindType",
    ),
    (
        "SetChargingProfile:csChargingProfiles.chargingSchedule",
        "ChargingSchedule",
    ),
    (
        "SetChargingProfile:csChargingProfiles.chargingSchedule.chargingRateUnit",
        "ChargingRateUnitType",
    ),
    (
        "SetChargingProfile:csChargingProfiles.chargingSchedule.chargingSchedulePeriod[]",
        "ChargingSchedulePeriod",
    ),
    (
        "RemoteStartTransactionResponse:status",
        "RemoteStartStopStatus",
    ),
    (
        "RemoteStopTransactionResponse:status",
        "RemoteStartStopStatus",
    ),
    ("ReserveNowResponse:status", "ReservationStatus"),
    ("Reset:type", "ResetType"),
    ("ResetResponse:status", "ResetStatus"),
    (
        "SendLocalList:localAuthorizationList[]",
        "AuthorizationData",
    ),
    (
        "SendLocalList:localAuthorizationList[].idTagInfo",
        "IdTagInfo",
    ),
    (
        "SendLocalList:localAuthorizationList[].idTagInfo.status",
        "AuthorizationStatus",
    ),
    ("SendLocalList:updateType", "UpdateType"),
    ("SendLocalListResponse:status", "UpdateStatus"),
    ("SetChargingProfileResponse:status", "ChargingProfileStatus"),
    ("StatusNotification:errorCode", "ChargePointErrorCode"),
    ("StatusNotification:status", "ChargePointStatus"),
    ("TriggerMessage:requestedMessage", "MessageTrigger"),
    ("TriggerMessageResponse:status", "TriggerMessageStatus"),
    ("UnlockConnectorResponse:status", "UnlockStatus"),
];

/// Corrections to the official schemas, applied in code because the schema files are never
/// edited. Each names the file, the JSON path of an `enum` (array items as `[]`), and the
/// values to add.
pub(crate) const ENUM_ADDITIONS: &[(&str, &str, &str, &[&str])] = &[
    // OCPP-J 1.6 errata sheet 2025-04: StopTransaction.json gets "Celsius" beside the
    // misspelt "Celcius" (MeterValues.json already lists both).
    (
        "1.6",
        "StopTransaction",
        "transactionData[].sampledValue[].unit",
        &["Celsius"],
    ),
];
