//! Locations module (`mod_locations.asciidoc`): Location, EVSE, Connector and
//! the classes and enums they use.

use rust_decimal::Decimal;

use crate::common::enums::null_as_empty;
use crate::common::number::{self, Number};
use crate::common::{
    CiString, DateTime, DisplayText, Latitude, LocalTime, Longitude, OcpiString, Url,
};
use crate::v221::tokens::TokenType;
use crate::validate::checks;

ocpi_object! {
    /// A charging location: one or more EVSEs at one address.
    pub struct Location {
        /// ISO-3166 alpha-2 country code of the CPO that owns this Location.
        pub country_code: CiString<2>,
        /// ID of the CPO that owns this Location (ISO-15118).
        pub party_id: CiString<3>,
        /// Unique ID of the Location within the CPO's platform.
        pub id: CiString<36>,
        /// Whether the Location may be published on a website or app.
        pub publish: bool,
        /// Tokens that may see this Location although `publish` is `false`.
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub publish_allowed_to: Vec<PublishTokenType>,
        /// Display name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub name: Option<OcpiString<255>>,
        /// Street/block name and house number, string(255).
        pub address: OcpiString<255>,
        /// City or town.
        pub city: OcpiString<45>,
        /// Postal code.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub postal_code: Option<OcpiString<10>>,
        /// State or province, string(45).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub state: Option<OcpiString<45>>,
        /// ISO 3166-1 alpha-3 country code.
        pub country: OcpiString<3>,
        /// Coordinates.
        pub coordinates: GeoLocation,
        /// Related points relevant to the user.
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub related_locations: Vec<AdditionalGeoLocation>,
        /// General type of parking.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub parking_type: Option<ParkingType>,
        /// The EVSEs of this Location.
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub evses: Vec<Evse>,
        /// Directions to the Location.
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
        /// Facilities this Location belongs to.
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub facilities: Vec<Facility>,
        /// IANA tz database name, e.g. `Europe/Oslo`.
        pub time_zone: OcpiString<255>,
        /// When the EVSEs can be accessed for charging.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub opening_times: Option<Hours>,
        /// Whether charging continues outside the opening hours.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub charging_when_closed: Option<bool>,
        /// Images.
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub images: Vec<Image>,
        /// Energy supplied at this Location.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub energy_mix: Option<EnergyMix>,
        /// When this Location, or one of its EVSEs or Connectors, was last updated.
        pub last_updated: DateTime,
    }
    rules = crate::rules::location;
}

ocpi_object! {
    /// An EVSE: one charging point that can charge one EV at a time.
    pub struct Evse {
        /// Unique ID of the EVSE within the CPO's platform.
        pub uid: CiString<36>,
        /// EVSE ID (eMI3), e.g. `BE*BEC*E041503001`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub evse_id: Option<CiString<48>>,
        /// Current status.
        pub status: Status,
        /// Planned status changes.
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub status_schedule: Vec<StatusSchedule>,
        /// Functionalities of the EVSE.
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub capabilities: Vec<Capability>,
        /// The connectors (at least one).
        #[schemars(length(min = 1))]
        pub connectors: Vec<Connector> => checks::non_empty,
        /// Floor level in the locally displayed numbering.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub floor_level: Option<OcpiString<4>>,
        /// Coordinates of the EVSE.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub coordinates: Option<GeoLocation>,
        /// Number/string printed on the EVSE.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub physical_reference: Option<OcpiString<16>>,
        /// Directions from the Location to the EVSE.
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub directions: Vec<DisplayText>,
        /// Restrictions of the parking spot.
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub parking_restrictions: Vec<ParkingRestriction>,
        /// Images.
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub images: Vec<Image>,
        /// When this EVSE or one of its Connectors was last updated.
        pub last_updated: DateTime,
    }
}

ocpi_object! {
    /// A connector of an EVSE.
    pub struct Connector {
        /// ID of the Connector within the EVSE.
        pub id: CiString<36>,
        /// The standard of the connector.
        pub standard: ConnectorType,
        /// Socket or cable.
        pub format: ConnectorFormat,
        /// AC (phases) or DC.
        pub power_type: PowerType,
        /// Maximum voltage in V (line to neutral for AC_3_PHASE).
        pub max_voltage: i64,
        /// Maximum amperage in A.
        pub max_amperage: i64,
        /// Maximum electric power in W.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub max_electric_power: Option<i64>,
        /// IDs of the currently valid tariffs.
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub tariff_ids: Vec<CiString<36>>,
        /// The operator's terms and conditions.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub terms_and_conditions: Option<Url>,
        /// When this Connector was last updated.
        pub last_updated: DateTime,
    }
}

ocpi_object! {
    /// A PATCH of a Location: the fields to change, and `last_updated`.
    pub struct LocationPatch {
        /// See [`Location::country_code`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub country_code: Option<CiString<2>>,
        /// See [`Location::party_id`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub party_id: Option<CiString<3>>,
        /// See [`Location::id`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub id: Option<CiString<36>>,
        /// See [`Location::publish`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub publish: Option<bool>,
        /// See [`Location::publish_allowed_to`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub publish_allowed_to: Option<Vec<PublishTokenType>>,
        /// See [`Location::name`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub name: Option<OcpiString<255>>,
        /// See [`Location::address`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub address: Option<OcpiString<255>>,
        /// See [`Location::city`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub city: Option<OcpiString<45>>,
        /// See [`Location::postal_code`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub postal_code: Option<OcpiString<10>>,
        /// See [`Location::state`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub state: Option<OcpiString<45>>,
        /// See [`Location::country`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub country: Option<OcpiString<3>>,
        /// See [`Location::coordinates`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub coordinates: Option<GeoLocation>,
        /// See [`Location::related_locations`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub related_locations: Option<Vec<AdditionalGeoLocation>>,
        /// See [`Location::parking_type`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub parking_type: Option<ParkingType>,
        /// See [`Location::evses`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub evses: Option<Vec<Evse>>,
        /// See [`Location::directions`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub directions: Option<Vec<DisplayText>>,
        /// See [`Location::operator`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub operator: Option<BusinessDetails>,
        /// See [`Location::suboperator`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub suboperator: Option<BusinessDetails>,
        /// See [`Location::owner`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub owner: Option<BusinessDetails>,
        /// See [`Location::facilities`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub facilities: Option<Vec<Facility>>,
        /// See [`Location::time_zone`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub time_zone: Option<OcpiString<255>>,
        /// See [`Location::opening_times`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub opening_times: Option<Hours>,
        /// See [`Location::charging_when_closed`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub charging_when_closed: Option<bool>,
        /// See [`Location::images`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub images: Option<Vec<Image>>,
        /// See [`Location::energy_mix`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub energy_mix: Option<EnergyMix>,
        /// Required in every PATCH.
        pub last_updated: DateTime,
    }
}

ocpi_object! {
    /// A PATCH of an EVSE: the fields to change, and `last_updated`.
    pub struct EvsePatch {
        /// See [`Evse::uid`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub uid: Option<CiString<36>>,
        /// See [`Evse::evse_id`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub evse_id: Option<CiString<48>>,
        /// See [`Evse::status`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub status: Option<Status>,
        /// See [`Evse::status_schedule`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub status_schedule: Option<Vec<StatusSchedule>>,
        /// See [`Evse::capabilities`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub capabilities: Option<Vec<Capability>>,
        /// See [`Evse::connectors`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub connectors: Option<Vec<Connector>>,
        /// See [`Evse::floor_level`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub floor_level: Option<OcpiString<4>>,
        /// See [`Evse::coordinates`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub coordinates: Option<GeoLocation>,
        /// See [`Evse::physical_reference`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub physical_reference: Option<OcpiString<16>>,
        /// See [`Evse::directions`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub directions: Option<Vec<DisplayText>>,
        /// See [`Evse::parking_restrictions`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub parking_restrictions: Option<Vec<ParkingRestriction>>,
        /// See [`Evse::images`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub images: Option<Vec<Image>>,
        /// Required in every PATCH.
        pub last_updated: DateTime,
    }
}

ocpi_object! {
    /// A PATCH of a Connector: the fields to change, and `last_updated`.
    pub struct ConnectorPatch {
        /// See [`Connector::id`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub id: Option<CiString<36>>,
        /// See [`Connector::standard`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub standard: Option<ConnectorType>,
        /// See [`Connector::format`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub format: Option<ConnectorFormat>,
        /// See [`Connector::power_type`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub power_type: Option<PowerType>,
        /// See [`Connector::max_voltage`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub max_voltage: Option<i64>,
        /// See [`Connector::max_amperage`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub max_amperage: Option<i64>,
        /// See [`Connector::max_electric_power`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub max_electric_power: Option<i64>,
        /// See [`Connector::tariff_ids`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub tariff_ids: Option<Vec<CiString<36>>>,
        /// See [`Connector::terms_and_conditions`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub terms_and_conditions: Option<Url>,
        /// Required in every PATCH.
        pub last_updated: DateTime,
    }
}

ocpi_object! {
    /// A point related to a Location, e.g. an entrance.
    pub struct AdditionalGeoLocation {
        /// Latitude in decimal degrees.
        pub latitude: Latitude,
        /// Longitude in decimal degrees.
        pub longitude: Longitude,
        /// Name of the point.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub name: Option<DisplayText>,
    }
}

ocpi_object! {
    /// Name, website and logo of an operator, suboperator, owner or party.
    pub struct BusinessDetails {
        /// Name, string(100).
        pub name: OcpiString<100>,
        /// Website.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub website: Option<Url>,
        /// Logo.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub logo: Option<Image>,
    }
}

ocpi_enum! {
    /// Functionalities of an EVSE.
    pub enum Capability {
        /// Supports charging profiles.
        ChargingProfileCapable = "CHARGING_PROFILE_CAPABLE",
        /// Supports charging preferences.
        ChargingPreferencesCapable = "CHARGING_PREFERENCES_CAPABLE",
        /// Payment terminal for chip cards.
        ChipCardSupport = "CHIP_CARD_SUPPORT",
        /// Payment terminal for contactless cards.
        ContactlessCardSupport = "CONTACTLESS_CARD_SUPPORT",
        /// Payment terminal for credit cards.
        CreditCardPayable = "CREDIT_CARD_PAYABLE",
        /// Payment terminal for debit cards.
        DebitCardPayable = "DEBIT_CARD_PAYABLE",
        /// Payment terminal with PIN entry.
        PedTerminal = "PED_TERMINAL",
        /// Can be started/stopped remotely.
        RemoteStartStopCapable = "REMOTE_START_STOP_CAPABLE",
        /// Can be reserved.
        Reservable = "RESERVABLE",
        /// Authorization with RFID.
        RfidReader = "RFID_READER",
        /// StartSession requires `connector_id`.
        StartSessionConnectorRequired = "START_SESSION_CONNECTOR_REQUIRED",
        /// Supports token groups.
        TokenGroupCapable = "TOKEN_GROUP_CAPABLE",
        /// Connectors can be unlocked remotely.
        UnlockCapable = "UNLOCK_CAPABLE",
    }
}

ocpi_enum! {
    /// Socket or attached cable.
    pub enum ConnectorFormat {
        /// A socket; the EV user brings a fitting plug.
        Socket = "SOCKET",
        /// An attached cable.
        Cable = "CABLE",
    }
}

ocpi_enum! {
    /// The standard of a connector.
    pub enum ConnectorType {
        /// CHAdeMO, DC.
        Chademo = "CHADEMO",
        /// ChaoJi, DC.
        Chaoji = "CHAOJI",
        /// Domestic type A, NEMA 1-15.
        DomesticA = "DOMESTIC_A",
        /// Domestic type B, NEMA 5-15.
        DomesticB = "DOMESTIC_B",
        /// Domestic type C, CEE 7/17.
        DomesticC = "DOMESTIC_C",
        /// Domestic type D.
        DomesticD = "DOMESTIC_D",
        /// Domestic type E, CEE 7/5.
        DomesticE = "DOMESTIC_E",
        /// Domestic type F, CEE 7/4, Schuko.
        DomesticF = "DOMESTIC_F",
        /// Domestic type G, BS 1363.
        DomesticG = "DOMESTIC_G",
        /// Domestic type H, SI-32.
        DomesticH = "DOMESTIC_H",
        /// Domestic type I, AS 3112.
        DomesticI = "DOMESTIC_I",
        /// Domestic type J, SEV 1011.
        DomesticJ = "DOMESTIC_J",
        /// Domestic type K, DS 60884-2-D1.
        DomesticK = "DOMESTIC_K",
        /// Domestic type L, CEI 23-16-VII.
        DomesticL = "DOMESTIC_L",
        /// Domestic type M, BS 546.
        DomesticM = "DOMESTIC_M",
        /// Domestic type N, NBR 14136.
        DomesticN = "DOMESTIC_N",
        /// Domestic type O, TIS 166-2549.
        DomesticO = "DOMESTIC_O",
        /// GB/T 20234.2 AC.
        GbtAc = "GBT_AC",
        /// GB/T 20234.3 DC.
        GbtDc = "GBT_DC",
        /// IEC 60309-2 industrial, single phase 16 A.
        Iec60309_2Single16 = "IEC_60309_2_single_16",
        /// IEC 60309-2 industrial, three phases 16 A.
        Iec60309_2Three16 = "IEC_60309_2_three_16",
        /// IEC 60309-2 industrial, three phases 32 A.
        Iec60309_2Three32 = "IEC_60309_2_three_32",
        /// IEC 60309-2 industrial, three phases 64 A.
        Iec60309_2Three64 = "IEC_60309_2_three_64",
        /// IEC 62196 Type 1 (SAE J1772).
        Iec62196T1 = "IEC_62196_T1",
        /// Combo Type 1, DC.
        Iec62196T1Combo = "IEC_62196_T1_COMBO",
        /// IEC 62196 Type 2 (Mennekes).
        Iec62196T2 = "IEC_62196_T2",
        /// Combo Type 2, DC.
        Iec62196T2Combo = "IEC_62196_T2_COMBO",
        /// IEC 62196 Type 3A.
        Iec62196T3A = "IEC_62196_T3A",
        /// IEC 62196 Type 3C (Scame).
        Iec62196T3C = "IEC_62196_T3C",
        /// NEMA 5-20.
        Nema520 = "NEMA_5_20",
        /// NEMA 6-30.
        Nema630 = "NEMA_6_30",
        /// NEMA 6-50.
        Nema650 = "NEMA_6_50",
        /// NEMA 10-30.
        Nema1030 = "NEMA_10_30",
        /// NEMA 10-50.
        Nema1050 = "NEMA_10_50",
        /// NEMA 14-30.
        Nema1430 = "NEMA_14_30",
        /// NEMA 14-50.
        Nema1450 = "NEMA_14_50",
        /// On-board bottom-up pantograph.
        PantographBottomUp = "PANTOGRAPH_BOTTOM_UP",
        /// Off-board top-down pantograph.
        PantographTopDown = "PANTOGRAPH_TOP_DOWN",
        /// Tesla Roadster.
        TeslaR = "TESLA_R",
        /// Tesla Model S.
        TeslaS = "TESLA_S",
    }
}

ocpi_object! {
    /// The energy mix of a Location or Tariff.
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
    /// One energy source and its share.
    pub struct EnergySource {
        /// The kind of source.
        pub source: EnergySourceCategory,
        /// Percentage (0–100).
        #[serde(serialize_with = "number::serialize", deserialize_with = "number::deserialize")]
        #[schemars(with = "Number")]
        #[schemars(range(min = 0, max = 100))]
        pub percentage: Decimal => checks::percentage,
    }
}

ocpi_enum! {
    /// Kinds of energy sources.
    pub enum EnergySourceCategory {
        /// Nuclear.
        Nuclear = "NUCLEAR",
        /// All kinds of fossil sources.
        GeneralFossil = "GENERAL_FOSSIL",
        /// Coal.
        Coal = "COAL",
        /// Gas.
        Gas = "GAS",
        /// All kinds of regenerative sources.
        GeneralGreen = "GENERAL_GREEN",
        /// Photovoltaic.
        Solar = "SOLAR",
        /// Wind.
        Wind = "WIND",
        /// Water.
        Water = "WATER",
    }
}

ocpi_object! {
    /// An environmental impact in g/kWh.
    pub struct EnvironmentalImpact {
        /// The kind of impact.
        pub category: EnvironmentalImpactCategory,
        /// Amount in g/kWh.
        #[serde(serialize_with = "number::serialize", deserialize_with = "number::deserialize")]
        #[schemars(with = "Number")]
        pub amount: Decimal,
    }
}

ocpi_enum! {
    /// Kinds of environmental impact.
    pub enum EnvironmentalImpactCategory {
        /// Nuclear waste in g/kWh.
        NuclearWaste = "NUCLEAR_WASTE",
        /// CO2 in g/kWh.
        CarbonDioxide = "CARBON_DIOXIDE",
    }
}

ocpi_object! {
    /// A period of exceptional opening or closing, in UTC.
    pub struct ExceptionalPeriod {
        /// Begin of the exception.
        pub period_begin: DateTime,
        /// End of the exception.
        pub period_end: DateTime,
    }
    rules = crate::rules::exceptional_period;
}

ocpi_enum! {
    /// Facilities a Location belongs to.
    pub enum Facility {
        /// A hotel.
        Hotel = "HOTEL",
        /// A restaurant.
        Restaurant = "RESTAURANT",
        /// A cafe.
        Cafe = "CAFE",
        /// A mall or shopping center.
        Mall = "MALL",
        /// A supermarket.
        Supermarket = "SUPERMARKET",
        /// Sport facilities.
        Sport = "SPORT",
        /// A recreation area.
        RecreationArea = "RECREATION_AREA",
        /// In or near a park or nature reserve.
        Nature = "NATURE",
        /// A museum.
        Museum = "MUSEUM",
        /// A bike/e-bike/e-scooter sharing location.
        BikeSharing = "BIKE_SHARING",
        /// A bus stop.
        BusStop = "BUS_STOP",
        /// A taxi stand.
        TaxiStand = "TAXI_STAND",
        /// A tram stop.
        TramStop = "TRAM_STOP",
        /// A metro station.
        MetroStation = "METRO_STATION",
        /// A train station.
        TrainStation = "TRAIN_STATION",
        /// An airport.
        Airport = "AIRPORT",
        /// A parking lot.
        ParkingLot = "PARKING_LOT",
        /// A carpool parking.
        CarpoolParking = "CARPOOL_PARKING",
        /// A fuel station.
        FuelStation = "FUEL_STATION",
        /// Internet access.
        Wifi = "WIFI",
    }
}

ocpi_object! {
    /// Coordinates in decimal degrees (WGS 84).
    pub struct GeoLocation {
        /// Latitude, e.g. `"50.770774"`.
        pub latitude: Latitude,
        /// Longitude, e.g. `"-126.104965"`.
        pub longitude: Longitude,
    }
}

ocpi_object! {
    /// Opening hours.
    pub struct Hours {
        /// Open 24/7 (except the exceptional closings).
        pub twentyfourseven: bool,
        /// Regular weekly hours (only when not 24/7).
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub regular_hours: Vec<RegularHours>,
        /// Exceptional openings.
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub exceptional_openings: Vec<ExceptionalPeriod>,
        /// Exceptional closings.
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_empty")]
        pub exceptional_closings: Vec<ExceptionalPeriod>,
    }
    rules = crate::rules::hours;
}

ocpi_object! {
    /// A link to an image.
    pub struct Image {
        /// URL of the full image.
        pub url: Url,
        /// URL of a thumbnail.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub thumbnail: Option<Url>,
        /// What the image shows.
        pub category: ImageCategory,
        /// Image type: gif, jpeg, png, svg, ... (CiString(4)).
        pub r#type: CiString<4>,
        /// Width in pixels, int(5).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schemars(range(min = 0, max = 99999))]
        pub width: Option<i64> => checks::int5,
        /// Height in pixels, int(5).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schemars(range(min = 0, max = 99999))]
        pub height: Option<i64> => checks::int5,
    }
}

ocpi_enum! {
    /// What an image shows.
    pub enum ImageCategory {
        /// The charger.
        Charger = "CHARGER",
        /// The entrance.
        Entrance = "ENTRANCE",
        /// The location.
        Location = "LOCATION",
        /// Logo of a roaming network.
        Network = "NETWORK",
        /// Logo of the operator.
        Operator = "OPERATOR",
        /// Other.
        Other = "OTHER",
        /// Logo of the owner.
        Owner = "OWNER",
    }
}

ocpi_enum! {
    /// Restrictions of a parking spot.
    pub enum ParkingRestriction {
        /// Reserved for EVs.
        EvOnly = "EV_ONLY",
        /// Only while plugged in.
        Plugged = "PLUGGED",
        /// Reserved for disabled people.
        Disabled = "DISABLED",
        /// For customers/guests only.
        Customers = "CUSTOMERS",
        /// For motorcycles or scooters.
        Motorcycles = "MOTORCYCLES",
    }
}

ocpi_enum! {
    /// General type of parking.
    pub enum ParkingType {
        /// Along a motorway.
        AlongMotorway = "ALONG_MOTORWAY",
        /// Multistorey car park.
        ParkingGarage = "PARKING_GARAGE",
        /// Cleared area for parking.
        ParkingLot = "PARKING_LOT",
        /// On the driveway of a house.
        OnDriveway = "ON_DRIVEWAY",
        /// Along a street.
        OnStreet = "ON_STREET",
        /// Mainly underground car park.
        UndergroundGarage = "UNDERGROUND_GARAGE",
    }
}

ocpi_enum! {
    /// AC phases or DC.
    pub enum PowerType {
        /// AC single phase.
        Ac1Phase = "AC_1_PHASE",
        /// AC two phases.
        Ac2Phase = "AC_2_PHASE",
        /// AC two phases, split phase.
        Ac2PhaseSplit = "AC_2_PHASE_SPLIT",
        /// AC three phases.
        Ac3Phase = "AC_3_PHASE",
        /// Direct current.
        Dc = "DC",
    }
}

ocpi_object! {
    /// Identifies tokens that may see an unpublished Location.
    pub struct PublishTokenType {
        /// Token UID.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub uid: Option<CiString<36>>,
        /// Token type.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub r#type: Option<TokenType>,
        /// Visual number.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub visual_number: Option<OcpiString<64>>,
        /// Issuing company.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub issuer: Option<OcpiString<64>>,
        /// Group ID.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub group_id: Option<CiString<36>>,
    }
    rules = crate::rules::publish_token;
}

ocpi_object! {
    /// A weekly opening period, in local time.
    pub struct RegularHours {
        /// Day of the week, 1 (Monday) to 7 (Sunday).
        #[schemars(range(min = 1, max = 7))]
        pub weekday: i64 => checks::weekday,
        /// Begin, `HH:MM`.
        pub period_begin: LocalTime,
        /// End, `HH:MM`.
        pub period_end: LocalTime,
    }
    rules = crate::rules::regular_hours;
}

ocpi_enum! {
    /// Status of an EVSE.
    pub enum Status {
        /// Can start a new session.
        Available = "AVAILABLE",
        /// Physically blocked.
        Blocked = "BLOCKED",
        /// In use.
        Charging = "CHARGING",
        /// Not yet active or temporarily unavailable.
        Inoperative = "INOPERATIVE",
        /// Out of order.
        OutOfOrder = "OUTOFORDER",
        /// Planned.
        Planned = "PLANNED",
        /// Discontinued/removed.
        Removed = "REMOVED",
        /// Reserved.
        Reserved = "RESERVED",
        /// No status information (also when offline).
        Unknown = "UNKNOWN",
    }
}

ocpi_object! {
    /// A planned status of an EVSE.
    pub struct StatusSchedule {
        /// Begin of the period.
        pub period_begin: DateTime,
        /// End of the period, if known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub period_end: Option<DateTime>,
        /// The status during the period.
        pub status: Status,
    }
    rules = crate::rules::status_schedule;
}
