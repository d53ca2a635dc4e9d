-- A connector a station reports (StatusNotification) before anyone registered it is kept,
-- with its status; what it physically is (standard, format, power type) stays unknown until
-- an operator says.
ALTER TABLE connectors
    ALTER COLUMN standard DROP NOT NULL,
    ALTER COLUMN format DROP NOT NULL,
    ALTER COLUMN power_type DROP NOT NULL;
