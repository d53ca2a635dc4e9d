//! Transport-agnostic OCPP-J RPC framework: protocol core, WebSocket driver, typed handlers and the charge-point side.
