-- A reservation a roaming partner asked for (OCPI RESERVE_NOW) keeps the partner and the
-- partner's own id for it, which its later RESERVE_NOW (a replacement) and
-- CANCEL_RESERVATION name; the station only ever sees the reservation's own id.
ALTER TABLE reservations ADD COLUMN partner_id INTEGER;
ALTER TABLE reservations ADD COLUMN partner_reservation_id TEXT;

-- One active reservation per partner and partner id.
CREATE UNIQUE INDEX reservations_of_partners
    ON reservations (tenant_id, partner_id, partner_reservation_id)
    WHERE status = 'active' AND partner_id IS NOT NULL;
