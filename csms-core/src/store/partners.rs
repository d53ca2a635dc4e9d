//! Roaming partners and webhooks.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{Page, Paged, StoreResult};
use crate::model::{
    AttemptOutcome, CommandResultDue, DeliveryId, EventId, NewDelivery, NewRoamingPartner,
    NewWebhook, OutboxEvent, PartnerDelivery, PartnerDeliveryId, PartnerStatus, ProfileResultDue,
    RoamingPartner, RoamingPartnerId, RoamingToken, TenantId, Webhook, WebhookDelivery, WebhookId,
};

/// Roaming partners.
#[async_trait]
pub trait RoamingStore: Send + Sync {
    /// Registers a partner; [`StoreError::Conflict`](super::StoreError::Conflict) if the tenant has one with that
    /// country code, party id and role, or if `our_token_hash` is taken (by any tenant).
    async fn create_partner(
        &self,
        tenant: TenantId,
        new: &NewRoamingPartner,
    ) -> StoreResult<RoamingPartner>;

    /// The partner `id` of `tenant`.
    async fn partner(
        &self,
        tenant: TenantId,
        id: RoamingPartnerId,
    ) -> StoreResult<Option<RoamingPartner>>;

    /// The partner presenting `token`, whatever its tenant: how an incoming OCPI request's
    /// tenant is found (the token is unique across the system). The store looks it up by
    /// its [`TokenHash`](crate::model::TokenHash), the only form it keeps.
    async fn partner_by_our_token(&self, token: &str) -> StoreResult<Option<RoamingPartner>>;

    /// A page of the tenant's partners, by country code and party id.
    async fn list_partners(
        &self,
        tenant: TenantId,
        page: Page,
    ) -> StoreResult<Paged<RoamingPartner>>;

    /// Replaces a partner's details (after a credentials exchange, say); `None` if
    /// `tenant` has no such partner. Conflicts as [`create_partner`](RoamingStore::create_partner).
    async fn update_partner(
        &self,
        tenant: TenantId,
        id: RoamingPartnerId,
        update: &NewRoamingPartner,
    ) -> StoreResult<Option<RoamingPartner>>;

    /// Sets a partner's status; `false` if `tenant` has no such partner.
    async fn set_partner_status(
        &self,
        tenant: TenantId,
        id: RoamingPartnerId,
        status: PartnerStatus,
    ) -> StoreResult<bool>;

    /// Deletes a partner; `false` if `tenant` has no such partner.
    async fn delete_partner(&self, tenant: TenantId, id: RoamingPartnerId) -> StoreResult<bool>;

    /// Records that `partner` pulled one of our modules at `at` (kept to the minute: a
    /// record less than a minute old is left as it is).
    async fn record_partner_pull(
        &self,
        tenant: TenantId,
        partner: RoamingPartnerId,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// Stores a token `partner` pushed: new (`true`), or replacing the one of the same
    /// country code, party id, uid and type (`false`) unless that one is newer by its
    /// `last_updated` (an older push never overwrites a newer one; `false` too).
    /// [`StoreError::NotFound`](super::StoreError::NotFound) if `tenant` has no such partner.
    async fn put_roaming_token(
        &self,
        tenant: TenantId,
        partner: RoamingPartnerId,
        token: &ocpi_types::v221::tokens::Token,
    ) -> StoreResult<bool>;

    /// The token of this country code, party id, uid and type (`RFID`, `APP_USER`, ...).
    async fn roaming_token(
        &self,
        tenant: TenantId,
        country_code: &str,
        party_id: &str,
        uid: &str,
        token_type: &str,
    ) -> StoreResult<Option<RoamingToken>>;

    /// The tokens of any partner with this uid (what a station presents), the most recently
    /// updated first.
    async fn roaming_tokens_by_uid(
        &self,
        tenant: TenantId,
        uid: &str,
    ) -> StoreResult<Vec<RoamingToken>>;

    /// Stores what hub `partner` told of a party connected to it (OCPI HubClientInfo): new
    /// (`true`), or replacing what it told of the same party (`false`) unless that is newer
    /// by its `last_updated`. [`StoreError::NotFound`](super::StoreError::NotFound) if
    /// `tenant` has no such partner.
    async fn put_client_info(
        &self,
        tenant: TenantId,
        partner: RoamingPartnerId,
        info: &ocpi_types::v221::hub_client_info::ClientInfo,
    ) -> StoreResult<bool>;

    /// What hub `partner` last told of the party `country_code`/`party_id` (any case).
    async fn client_info(
        &self,
        tenant: TenantId,
        partner: RoamingPartnerId,
        country_code: &str,
        party_id: &str,
    ) -> StoreResult<Option<ocpi_types::v221::hub_client_info::ClientInfo>>;

    /// What hub `partner` told of every party, by country code and party id.
    async fn client_infos(
        &self,
        tenant: TenantId,
        partner: RoamingPartnerId,
    ) -> StoreResult<Vec<ocpi_types::v221::hub_client_info::ClientInfo>>;
}

/// Webhook subscriptions and their delivery log.
#[async_trait]
pub trait WebhookStore: Send + Sync {
    /// Creates a subscription.
    async fn create_webhook(&self, tenant: TenantId, new: &NewWebhook) -> StoreResult<Webhook>;

    /// The subscription `id` of `tenant`.
    async fn webhook(&self, tenant: TenantId, id: WebhookId) -> StoreResult<Option<Webhook>>;

    /// The tenant's subscriptions, oldest first.
    async fn webhooks(&self, tenant: TenantId) -> StoreResult<Vec<Webhook>>;

    /// Replaces a subscription; `None` if `tenant` has no such subscription.
    async fn update_webhook(
        &self,
        tenant: TenantId,
        id: WebhookId,
        update: &NewWebhook,
    ) -> StoreResult<Option<Webhook>>;

    /// Deletes a subscription; `false` if `tenant` has no such subscription.
    /// [`StoreError::Conflict`](super::StoreError::Conflict) once it has deliveries (deactivate it instead).
    async fn delete_webhook(&self, tenant: TenantId, id: WebhookId) -> StoreResult<bool>;

    /// Queues a delivery, or finds the one queued before for the same webhook and event
    /// key: the delivery, and whether this call queued it. [`StoreError::NotFound`](super::StoreError::NotFound) if
    /// `tenant` has no such webhook.
    async fn enqueue_delivery(
        &self,
        tenant: TenantId,
        new: &NewDelivery,
    ) -> StoreResult<(WebhookDelivery, bool)>;

    /// Records an attempt on a pending delivery; the delivery as it now is. A delivery
    /// that is no longer pending is left as it is. `None` if `tenant` has no such delivery.
    async fn record_attempt(
        &self,
        tenant: TenantId,
        id: DeliveryId,
        at: DateTime<Utc>,
        outcome: &AttemptOutcome,
    ) -> StoreResult<Option<WebhookDelivery>>;

    /// At most `limit` pending deliveries due at `now`, the most overdue first.
    async fn due_deliveries(
        &self,
        tenant: TenantId,
        now: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<WebhookDelivery>>;

    /// A page of a webhook's delivery log, newest first.
    async fn deliveries(
        &self,
        tenant: TenantId,
        webhook: WebhookId,
        page: Page,
    ) -> StoreResult<Paged<WebhookDelivery>>;
}

/// The outbox: events written with the changes they report (by the store methods that make
/// those changes, in the same transaction), and their way out.
///
/// Events become deliveries when they are *dispatched*: one delivery per active webhook of
/// the event's tenant that wants the event's kind, and one push per connected roaming
/// partner that takes it (a session or CDR: the partner whose token it was charged with; an
/// EVSE status, location or tariff: every partner with a receiver of that module; a
/// command's result: the partner that sent the command). A delivery worker then *leases* due
/// deliveries, attempts them, and records each attempt
/// ([`WebhookStore::record_attempt`], which ends the lease). Several processes may share
/// one database: one dispatches at a time, and a leased delivery is attempted by the one
/// process that holds its lease.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// At most `limit` of the tenant's events written after `after` (every event when
    /// `None`), oldest first.
    async fn events(
        &self,
        tenant: TenantId,
        after: Option<EventId>,
        limit: u32,
    ) -> StoreResult<Vec<OutboxEvent>>;

    /// Writes the event of a roaming partner's command result
    /// ([`EventKind::RoamingCommandResult`](crate::model::EventKind::RoamingCommandResult)),
    /// which the outbox then delivers to the partner at its `response_url`.
    async fn record_command_result(
        &self,
        tenant: TenantId,
        due: &CommandResultDue,
    ) -> StoreResult<()>;

    /// Writes the event of a roaming partner's ChargingProfiles result
    /// ([`EventKind::RoamingProfileResult`](crate::model::EventKind::RoamingProfileResult)),
    /// which the outbox then delivers to the partner at its `response_url`.
    async fn record_profile_result(
        &self,
        tenant: TenantId,
        due: &ProfileResultDue,
    ) -> StoreResult<()>;

    /// Dispatches at most `limit` events, oldest first, in one transaction; how many were
    /// dispatched. While another process dispatches, answers 0 at once.
    async fn dispatch_events(&self, limit: u32) -> StoreResult<usize>;

    /// Leases, for `lease`, at most `limit` pending deliveries of any tenant that are due at
    /// `now` and leased by nobody, the most overdue first, and gives them back. A delivery
    /// whose webhook has an earlier delivery about the same subject still pending waits for
    /// that one, so that a receiver gets the events of one object in order.
    async fn lease_deliveries(
        &self,
        now: DateTime<Utc>,
        lease: std::time::Duration,
        limit: u32,
    ) -> StoreResult<Vec<WebhookDelivery>>;

    /// [`lease_deliveries`](OutboxStore::lease_deliveries) for the pushes to roaming
    /// partners.
    async fn lease_partner_deliveries(
        &self,
        now: DateTime<Utc>,
        lease: std::time::Duration,
        limit: u32,
    ) -> StoreResult<Vec<PartnerDelivery>>;

    /// Records an attempt on a pending push to a partner, and ends its lease; the push as
    /// it now is, `None` if `tenant` has no such push.
    async fn record_partner_attempt(
        &self,
        tenant: TenantId,
        id: PartnerDeliveryId,
        at: DateTime<Utc>,
        outcome: &AttemptOutcome,
    ) -> StoreResult<Option<PartnerDelivery>>;

    /// A page of what was pushed to a partner, newest first.
    async fn partner_deliveries(
        &self,
        tenant: TenantId,
        partner: RoamingPartnerId,
        page: Page,
    ) -> StoreResult<Paged<PartnerDelivery>>;
}
