-- Secrets at rest.
--
-- 1. The tokens we issue to roaming partners are kept as SHA-256 hashes (64 lowercase
--    hexadecimal digits): the store only compares them with the token a request presents.
--    Hashed here with PostgreSQL's sha256(), the same digest as `TokenHash::of`.
ALTER TABLE roaming_partners ADD COLUMN our_token_hash TEXT UNIQUE;
UPDATE roaming_partners
SET our_token_hash = encode(sha256(convert_to(our_token, 'UTF8')), 'hex')
WHERE our_token IS NOT NULL;
ALTER TABLE roaming_partners DROP COLUMN our_token;

-- 2. Values of secret station settings (1.6 AuthorizationKey, 2.x BasicAuthPassword and
--    the other credentials `ocpp::secrets::is_secret_setting` names) kept by earlier
--    versions are forgotten; the settings themselves stay listed.
UPDATE station_configuration SET value = NULL
WHERE value IS NOT NULL AND (
    lower(replace(replace(config_key, '_', ''), '-', '')) IN (
        'authorizationkey', 'basicauthpassword', 'apnpassword', 'vpnpassword', 'vpnkey',
        'vpnsharedsecret')
    OR lower(replace(replace(config_key, '_', ''), '-', '')) LIKE '%password%'
    OR lower(replace(replace(config_key, '_', ''), '-', '')) LIKE '%passwd%'
    OR lower(replace(replace(config_key, '_', ''), '-', '')) LIKE '%passphrase%'
    OR lower(replace(replace(config_key, '_', ''), '-', '')) LIKE '%secret%'
    OR lower(replace(replace(config_key, '_', ''), '-', '')) LIKE '%privatekey%'
    OR lower(replace(replace(config_key, '_', ''), '-', '')) LIKE '%authkey%'
    OR lower(replace(replace(config_key, '_', ''), '-', '')) LIKE '%apikey%'
);

UPDATE station_variables SET value = NULL
WHERE value IS NOT NULL AND (
    lower(replace(replace(variable, '_', ''), '-', '')) IN (
        'authorizationkey', 'basicauthpassword', 'apnpassword', 'vpnpassword', 'vpnkey',
        'vpnsharedsecret')
    OR lower(replace(replace(variable, '_', ''), '-', '')) LIKE '%password%'
    OR lower(replace(replace(variable, '_', ''), '-', '')) LIKE '%passwd%'
    OR lower(replace(replace(variable, '_', ''), '-', '')) LIKE '%passphrase%'
    OR lower(replace(replace(variable, '_', ''), '-', '')) LIKE '%secret%'
    OR lower(replace(replace(variable, '_', ''), '-', '')) LIKE '%privatekey%'
    OR lower(replace(replace(variable, '_', ''), '-', '')) LIKE '%authkey%'
    OR lower(replace(replace(variable, '_', ''), '-', '')) LIKE '%apikey%'
);
