//! Every OCPP-J message of OCPP 1.6 (core and security extension), 2.0.1 and 2.1.
