-- The station's own calculation of what a session costs (OCPP 2.1 TransactionEvent
-- `costDetails`), kept with the session as the JSON the station last sent.
ALTER TABLE sessions ADD COLUMN station_cost_details TEXT;
