//! The reference charging-station management system: data model, stores, tariff and CDR engine, HTTP APIs.
