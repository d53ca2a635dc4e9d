//! Locations module of OCPI 2.1.1.

use rust_decimal::Decimal;

use crate::common::enums::null_as_empty;
use crate::common::number::{self, Number};
use crate::common::{DateTime, DisplayText, OcpiString, Url};
pub use crate::v221::locations::{
    AdditionalGeoLocation, BusinessDetails, ConnectorFormat, EnergySource, EnergySourceCategory,
    EnvironmentalImpactCategory, ExceptionalPeriod, GeoLocation, Hours, Image, ImageCategory,
    ParkingRestriction, RegularHours, Status, StatusSchedule,
};
use crate::validate::checks;

ocpi_object! {
    /// A charging location (2.1.1).
    pub struct Location {
        /// Unique ID of the Location within the CPO's platform, string(39).
        pub id: OcpiString<39>,
        /// The general type of the location.
        pub r#type: LocationType,
        /// Display name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub name: Option<OcpiString<255>>,
        /// Street/block name and house number, string(45).
        pub address: OcpiString<45>,
        /// City or town.
        pub city: OcpiString<45>,
        /// Postal code (required in 2.1.1).
        pub postal_code: OcpiString<10>,
        /// ISO 3166-1 alpha-3 country code.
        pub country: OcpiString<3>,
        /// Coordinates.
        pub coordinates: GeoLocation,
        /// Related points.
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub related_locations: Vec<AdditionalGeoLocation>,
        /// The EVSEs.
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub evses: Vec<Evse>,
        /// Directions.
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub directions: Vec<DisplayText>,
        /// The operator.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub operator: Option<BusinessDetails>,
        /// The suboperator.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub suboperator: Option<BusinessDetails>,
        /// The owner.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub owner: Option<BusinessDetails>,
        /// Facilities.
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub facilities: Vec<Facility>,
        /// IANA tz database name (optional in 2.1.1).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub time_zone: Option<OcpiString<255>>,
        /// Opening times.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub opening_times: Option<Hours>,
        /// Whether charging continues outside the opening hours.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub charging_when_closed: Option<bool>,
        /// Images.
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub images: Vec<Image>,
        /// Energy mix.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub energy_mix: Option<EnergyMix>,
        /// Last update.
        pub last_updated: DateTime,
    }
}

ocpi_object! {
    /// An EVSE (2.1.1).
    pub struct Evse {
        /// Unique ID within the CPO's platform, string(39).
        pub uid: OcpiString<39>,
        /// EVSE ID (eMI3), string(48).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub evse_id: Option<OcpiString<48>>,
        /// Current status.
        pub status: Status,
        /// Planned status changes.
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub status_schedule: Vec<StatusSchedule>,
        /// Functionalities.
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub capabilities: Vec<Capability>,
        /// The connectors (at least one).
        #[schemars(length(min = 1))]
        pub connectors: Vec<Connector> => checks::non_empty,
        /// Floor level.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub floor_level: Option<OcpiString<4>>,
        /// Coordinates.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub coordinates: Option<GeoLocation>,
        /// Physical reference.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub physical_reference: Option<OcpiString<16>>,
        /// Directions.
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub directions: Vec<DisplayText>,
        /// Parking restrictions.
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub parking_restrictions: Vec<ParkingRestriction>,
        /// Images.
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub images: Vec<Image>,
        /// Last update.
        pub last_updated: DateTime,
    }
}

ocpi_object! {
    /// A connector (2.1.1).
    pub struct Connector {
        /// ID within the EVSE, string(36).
        pub id: OcpiString<36>,
        /// Standard.
        pub standard: ConnectorType,
        /// Socket or cable.
        pub format: ConnectorFormat,
        /// AC or DC.
        pub power_type: PowerType,
        /// Voltage in V.
        pub voltage: i64,
        /// Amperage in A.
        pub amperage: i64,
        /// The tariff of this connector.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub tariff_id: Option<OcpiString<36>>,
        /// Terms and conditions.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub terms_and_conditions: Option<Url>,
        /// Last update.
        pub last_updated: DateTime,
    }
}

ocpi_enum! {
    /// Functionalities of an EVSE (2.1.1).
    pub enum Capability {
        /// Supports charging profiles.
        ChargingProfileCapable = "CHARGING_PROFILE_CAPABLE",
        /// Payable by credit card.
        CreditCardPayable = "CREDIT_CARD_PAYABLE",
        /// Remote start/stop.
        RemoteStartStopCapable = "REMOTE_START_STOP_CAPABLE",
        /// Can be reserved.
        Reservable = "RESERVABLE",
        /// RFID reader.
        RfidReader = "RFID_READER",
        /// Remote unlock.
        UnlockCapable = "UNLOCK_CAPABLE",
    }
}

ocpi_enum! {
    /// Connector standards (2.1.1).
    pub enum ConnectorType {
        /// CHAdeMO.
        Chademo = "CHADEMO",
        /// Domestic type A.
        DomesticA = "DOMESTIC_A",
        /// Domestic type B.
        DomesticB = "DOMESTIC_B",
        /// Domestic type C.
        DomesticC = "DOMESTIC_C",
        /// Domestic type D.
        DomesticD = "DOMESTIC_D",
        /// Domestic type E.
        DomesticE = "DOMESTIC_E",
        /// Domestic type F.
        DomesticF = "DOMESTIC_F",
        /// Domestic type G.
        DomesticG = "DOMESTIC_G",
        /// Domestic type H.
        DomesticH = "DOMESTIC_H",
        /// Domestic type I.
        DomesticI = "DOMESTIC_I",
        /// Domestic type J.
        DomesticJ = "DOMESTIC_J",
        /// Domestic type K.
        DomesticK = "DOMESTIC_K",
        /// Domestic type L.
        DomesticL = "DOMESTIC_L",
        /// IEC 60309-2 industrial, single phase 16 A.
        Iec60309_2Single16 = "IEC_60309_2_single_16",
        /// IEC 60309-2 industrial, three phases 16 A.
        Iec60309_2Three16 = "IEC_60309_2_three_16",
        /// IEC 60309-2 industrial, three phases 32 A.
        Iec60309_2Three32 = "IEC_60309_2_three_32",
        /// IEC 60309-2 industrial, three phases 64 A.
        Iec60309_2Three64 = "IEC_60309_2_three_64",
        /// IEC 62196 Type 1.
        Iec62196T1 = "IEC_62196_T1",
        /// Combo Type 1.
        Iec62196T1Combo = "IEC_62196_T1_COMBO",
        /// IEC 62196 Type 2.
        Iec62196T2 = "IEC_62196_T2",
        /// Combo Type 2.
        Iec62196T2Combo = "IEC_62196_T2_COMBO",
        /// IEC 62196 Type 3A.
        Iec62196T3A = "IEC_62196_T3A",
        /// IEC 62196 Type 3C.
        Iec62196T3C = "IEC_62196_T3C",
        /// Tesla Roadster.
        TeslaR = "TESLA_R",
        /// Tesla Model S.
        TeslaS = "TESLA_S",
    }
}

ocpi_enum! {
    /// Facilities (2.1.1).
    pub enum Facility {
        /// A hotel.
        Hotel = "HOTEL",
        /// A restaurant.
        Restaurant = "RESTAURANT",
        /// A cafe.
        Cafe = "CAFE",
        /// A mall.
        Mall = "MALL",
        /// A supermarket.
        Supermarket = "SUPERMARKET",
        /// Sport facilities.
        Sport = "SPORT",
        /// A recreation area.
        RecreationArea = "RECREATION_AREA",
        /// Nature.
        Nature = "NATURE",
        /// A museum.
        Museum = "MUSEUM",
        /// A bus stop.
        BusStop = "BUS_STOP",
        /// A taxi stand.
        TaxiStand = "TAXI_STAND",
        /// A train station.
        TrainStation = "TRAIN_STATION",
        /// An airport.
        Airport = "AIRPORT",
        /// A carpool parking.
        CarpoolParking = "CARPOOL_PARKING",
        /// A fuel station.
        FuelStation = "FUEL_STATION",
        /// Wifi.
        Wifi = "WIFI",
    }
}

ocpi_enum! {
    /// General type of a location (2.1.1).
    pub enum LocationType {
        /// Parking in public space.
        OnStreet = "ON_STREET",
        /// Multistorey car park.
        ParkingGarage = "PARKING_GARAGE",
        /// Underground car park.
        UndergroundGarage = "UNDERGROUND_GARAGE",
        /// Parking lot.
        ParkingLot = "PARKING_LOT",
        /// None of the above.
        Other = "OTHER",
        /// Not known.
        Unknown = "UNKNOWN",
    }
}

ocpi_enum! {
    /// AC or DC (2.1.1).
    pub enum PowerType {
        /// AC single phase.
        Ac1Phase = "AC_1_PHASE",
        /// AC three phases.
        Ac3Phase = "AC_3_PHASE",
        /// Direct current.
        Dc = "DC",
    }
}

ocpi_object! {
    /// The energy mix and environmental impact of the energy supplied at a location or with a
    /// tariff (2.1.1). The same fields as in 2.2.1, but its
    /// [`EnvironmentalImpact`] names the category `source`.
    pub struct EnergyMix {
        /// 100% from regenerative sources.
        pub is_green_energy: bool,
        /// Energy sources and their percentages.
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub energy_sources: Vec<EnergySource>,
        /// Nuclear waste and CO2 per kWh.
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub environ_impact: Vec<EnvironmentalImpact>,
        /// Name of the energy supplier.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub supplier_name: Option<OcpiString<64>>,
        /// Name of the supplier's product.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub energy_product_name: Option<OcpiString<64>>,
    }
}

ocpi_object! {
    /// An environmental impact in g/kWh (2.1.1): the category is `source`, where 2.2.1 has
    /// `category`.
    pub struct EnvironmentalImpact {
        /// The kind of impact.
        pub source: EnvironmentalImpactCategory,
        /// Amount in g/kWh.
        #[serde(serialize_with = "number::serialize", deserialize_with = "number::deserialize")]
        #[schemars(with = "Number")]
        pub amount: Decimal,
    }
}
