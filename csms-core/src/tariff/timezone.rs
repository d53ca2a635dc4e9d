//! Time zones: restrictions are evaluated in the local time of the location.
//!
//! A 2.2.1 CDR names the country of its location (`cdr_location.country`, ISO 3166-1
//! alpha-3) but not the time zone. When a tariff depends on local time, the engine takes the
//! zone the caller gives; otherwise it derives it from the country when the country keeps a
//! single civil time, and otherwise fails with [`TariffError::TimeZoneRequired`].
//!
//! The table below is ours: it lists countries whose territory (as ISO 3166 codes it, so
//! overseas territories with their own code do not count) has one IANA zone. Two cases are
//! judgement calls, taken because all of the country keeps the same clock today: Germany maps
//! to `Europe/Berlin` (the IANA table also lists `Europe/Busingen`, an exclave on Swiss time,
//! identical to German time since 1981), and Kyrgyzstan to `Asia/Bishkek`. Countries with
//! several zones (the United States, Canada, Russia, Australia, Brazil, Mexico, Spain with the
//! Canary Islands, Portugal with the Azores, ...) are left out on purpose.

use chrono_tz::Tz;

use super::TariffError;

/// `(alpha-3, alpha-2, IANA zone)` for countries with a single time zone.
const SINGLE_ZONE: &[(&str, &str, &str)] = &[
    // Europe and around.
    ("ALB", "AL", "Europe/Tirane"),
    ("AND", "AD", "Europe/Andorra"),
    ("ARM", "AM", "Asia/Yerevan"),
    ("AUT", "AT", "Europe/Vienna"),
    ("AZE", "AZ", "Asia/Baku"),
    ("BEL", "BE", "Europe/Brussels"),
    ("BGR", "BG", "Europe/Sofia"),
    ("BIH", "BA", "Europe/Sarajevo"),
    ("BLR", "BY", "Europe/Minsk"),
    ("CHE", "CH", "Europe/Zurich"),
    ("CZE", "CZ", "Europe/Prague"),
    ("DEU", "DE", "Europe/Berlin"),
    ("DNK", "DK", "Europe/Copenhagen"),
    ("EST", "EE", "Europe/Tallinn"),
    ("FIN", "FI", "Europe/Helsinki"),
    ("FRA", "FR", "Europe/Paris"),
    ("GBR", "GB", "Europe/London"),
    ("GEO", "GE", "Asia/Tbilisi"),
    ("GRC", "GR", "Europe/Athens"),
    ("HRV", "HR", "Europe/Zagreb"),
    ("HUN", "HU", "Europe/Budapest"),
    ("IRL", "IE", "Europe/Dublin"),
    ("ISL", "IS", "Atlantic/Reykjavik"),
    ("ITA", "IT", "Europe/Rome"),
    ("LIE", "LI", "Europe/Vaduz"),
    ("LTU", "LT", "Europe/Vilnius"),
    ("LUX", "LU", "Europe/Luxembourg"),
    ("LVA", "LV", "Europe/Riga"),
    ("MCO", "MC", "Europe/Monaco"),
    ("MDA", "MD", "Europe/Chisinau"),
    ("MKD", "MK", "Europe/Skopje"),
    ("MLT", "MT", "Europe/Malta"),
    ("MNE", "ME", "Europe/Podgorica"),
    ("NLD", "NL", "Europe/Amsterdam"),
    ("NOR", "NO", "Europe/Oslo"),
    ("POL", "PL", "Europe/Warsaw"),
    ("ROU", "RO", "Europe/Bucharest"),
    ("SMR", "SM", "Europe/San_Marino"),
    ("SRB", "RS", "Europe/Belgrade"),
    ("SVK", "SK", "Europe/Bratislava"),
    ("SVN", "SI", "Europe/Ljubljana"),
    ("SWE", "SE", "Europe/Stockholm"),
    ("TUR", "TR", "Europe/Istanbul"),
    ("VAT", "VA", "Europe/Vatican"),
    // Asia.
    ("AFG", "AF", "Asia/Kabul"),
    ("ARE", "AE", "Asia/Dubai"),
    ("BGD", "BD", "Asia/Dhaka"),
    ("BHR", "BH", "Asia/Bahrain"),
    ("HKG", "HK", "Asia/Hong_Kong"),
    ("IND", "IN", "Asia/Kolkata"),
    ("IRN", "IR", "Asia/Tehran"),
    ("IRQ", "IQ", "Asia/Baghdad"),
    ("ISR", "IL", "Asia/Jerusalem"),
    ("JOR", "JO", "Asia/Amman"),
    ("JPN", "JP", "Asia/Tokyo"),
    ("KGZ", "KG", "Asia/Bishkek"),
    ("KHM", "KH", "Asia/Phnom_Penh"),
    ("KOR", "KR", "Asia/Seoul"),
    ("KWT", "KW", "Asia/Kuwait"),
    ("LAO", "LA", "Asia/Vientiane"),
    ("LBN", "LB", "Asia/Beirut"),
    ("LKA", "LK", "Asia/Colombo"),
    ("MMR", "MM", "Asia/Yangon"),
    ("NPL", "NP", "Asia/Kathmandu"),
    ("OMN", "OM", "Asia/Muscat"),
    ("PAK", "PK", "Asia/Karachi"),
    ("PHL", "PH", "Asia/Manila"),
    ("QAT", "QA", "Asia/Qatar"),
    ("SAU", "SA", "Asia/Riyadh"),
    ("SGP", "SG", "Asia/Singapore"),
    ("THA", "TH", "Asia/Bangkok"),
    ("TJK", "TJ", "Asia/Dushanbe"),
    ("TKM", "TM", "Asia/Ashgabat"),
    ("TWN", "TW", "Asia/Taipei"),
    ("VNM", "VN", "Asia/Ho_Chi_Minh"),
    // Africa.
    ("CIV", "CI", "Africa/Abidjan"),
    ("DZA", "DZ", "Africa/Algiers"),
    ("EGY", "EG", "Africa/Cairo"),
    ("ETH", "ET", "Africa/Addis_Ababa"),
    ("GHA", "GH", "Africa/Accra"),
    ("KEN", "KE", "Africa/Nairobi"),
    ("MAR", "MA", "Africa/Casablanca"),
    ("NGA", "NG", "Africa/Lagos"),
    ("RWA", "RW", "Africa/Kigali"),
    ("SEN", "SN", "Africa/Dakar"),
    ("TUN", "TN", "Africa/Tunis"),
    ("TZA", "TZ", "Africa/Dar_es_Salaam"),
    ("UGA", "UG", "Africa/Kampala"),
    ("ZAF", "ZA", "Africa/Johannesburg"),
    // The Americas.
    ("BOL", "BO", "America/La_Paz"),
    ("COL", "CO", "America/Bogota"),
    ("CRI", "CR", "America/Costa_Rica"),
    ("DOM", "DO", "America/Santo_Domingo"),
    ("GTM", "GT", "America/Guatemala"),
    ("HND", "HN", "America/Tegucigalpa"),
    ("JAM", "JM", "America/Jamaica"),
    ("NIC", "NI", "America/Managua"),
    ("PAN", "PA", "America/Panama"),
    ("PER", "PE", "America/Lima"),
    ("PRI", "PR", "America/Puerto_Rico"),
    ("PRY", "PY", "America/Asuncion"),
    ("SLV", "SV", "America/El_Salvador"),
    ("URY", "UY", "America/Montevideo"),
    ("VEN", "VE", "America/Caracas"),
];

/// The time zone of a country that has exactly one, by ISO 3166-1 alpha-3 (as OCPI 2.2.1
/// CDRs carry it) or alpha-2 code, case-insensitive. `None` for countries with several time
/// zones and for codes the table does not know.
///
/// ```
/// use csms_core::tariff::timezone::zone_for_country;
///
/// assert_eq!(zone_for_country("NLD"), Some(chrono_tz::Europe::Amsterdam));
/// assert_eq!(zone_for_country("kg"), Some(chrono_tz::Asia::Bishkek));
/// assert_eq!(zone_for_country("USA"), None);
/// ```
pub fn zone_for_country(code: &str) -> Option<Tz> {
    let code = code.trim();
    SINGLE_ZONE
        .iter()
        .find(|(alpha3, alpha2, _)| {
            alpha3.eq_ignore_ascii_case(code) || alpha2.eq_ignore_ascii_case(code)
        })
        .and_then(|(_, _, zone)| zone.parse().ok())
}

/// Reads an IANA time zone name, such as `Europe/Amsterdam`.
pub fn parse_zone(name: &str) -> Result<Tz, TariffError> {
    name.trim()
        .parse()
        .map_err(|_| TariffError::UnknownTimeZone(name.to_owned()))
}

/// The zone to evaluate local-time restrictions in: the given one, else the one of the
/// country when it has a single one, else an error asking for it.
pub(crate) fn resolve(given: Option<Tz>, country: Option<&str>) -> Result<Tz, TariffError> {
    if let Some(zone) = given {
        return Ok(zone);
    }
    country
        .and_then(zone_for_country)
        .ok_or_else(|| TariffError::TimeZoneRequired {
            country: country.map(str::to_owned),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_zone_of_the_table_exists() {
        for (alpha3, alpha2, zone) in SINGLE_ZONE {
            assert_eq!(alpha3.len(), 3, "{alpha3}");
            assert_eq!(alpha2.len(), 2, "{alpha2}");
            assert!(zone.parse::<Tz>().is_ok(), "{zone}");
        }
    }

    #[test]
    fn countries_with_several_zones_need_one() {
        for country in [
            "USA", "CAN", "RUS", "AUS", "BRA", "MEX", "ESP", "PRT", "IDN",
        ] {
            assert_eq!(zone_for_country(country), None, "{country}");
            assert_eq!(
                resolve(None, Some(country)),
                Err(TariffError::TimeZoneRequired {
                    country: Some(country.to_owned())
                })
            );
        }
        assert_eq!(
            resolve(Some(chrono_tz::America::Denver), Some("USA")),
            Ok(chrono_tz::America::Denver)
        );
    }

    #[test]
    fn unknown_names_are_errors() {
        assert!(parse_zone("Europe/Nowhere").is_err());
        assert_eq!(parse_zone(" Asia/Bishkek"), Ok(chrono_tz::Asia::Bishkek));
    }
}
