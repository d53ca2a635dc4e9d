//! Invoices.

use rust_decimal::Decimal;

use crate::store::StoreError;

/// The totals of the CDRs an invoice groups: energy, cost excluding VAT, and cost
/// including VAT when every CDR states it. A total beyond the decimal range is
/// [`StoreError::Invalid`]: no invoice is issued rather than a wrong one.
pub(crate) fn invoice_totals(
    cdrs: &[(i64, Decimal, Decimal, Option<Decimal>)],
) -> Result<(Decimal, Decimal, Option<Decimal>), StoreError> {
    let overflow = |what| StoreError::Invalid {
        what,
        reason: "the sum of the CDRs is beyond the decimal range".to_owned(),
    };
    let mut energy = Decimal::ZERO;
    let mut excl = Decimal::ZERO;
    let mut incl = Some(Decimal::ZERO);
    for (_, wh, cost, cost_incl) in cdrs {
        energy = energy
            .checked_add(*wh)
            .ok_or_else(|| overflow("invoice energy"))?;
        excl = excl
            .checked_add(*cost)
            .ok_or_else(|| overflow("invoice total"))?;
        incl = match incl.zip(*cost_incl) {
            Some((sum, cost)) => Some(
                sum.checked_add(cost)
                    .ok_or_else(|| overflow("invoice total"))?,
            ),
            None => None,
        };
    }
    Ok((energy, excl, incl))
}

/// Implements the invoices part of [`sql_store!`](super::sql_store) for a store type.
macro_rules! invoices {
    ($store:ident, $row:ty, $dec:ty, $dec_in:path, $dec_out:path) => {
        mod invoices {
            use super::*;
            use async_trait::async_trait;
            use sqlx::Row;

            use crate::model::{CdrId, Invoice, InvoiceId, NewInvoice, TenantId, UserId};
            use crate::store::sql::invoices::invoice_totals;
            use crate::store::sql::{at, now};
            use crate::store::{InvoiceStore, Page, Paged, StoreError, StoreResult};

            const INVOICE_COLUMNS: &str = "id, tenant_id, owner_id, period_start, period_end, \
                 currency, energy_wh, total_excl_vat, total_incl_vat, issued_at";

            fn invoice_from(row: &$row, cdrs: Vec<CdrId>) -> StoreResult<Invoice> {
                Ok(Invoice {
                    id: InvoiceId(row.try_get("id")?),
                    tenant_id: TenantId(row.try_get("tenant_id")?),
                    owner: UserId(row.try_get("owner_id")?),
                    period_start: row.try_get("period_start")?,
                    period_end: row.try_get("period_end")?,
                    currency: row.try_get("currency")?,
                    cdrs,
                    energy_wh: dec(row, "energy_wh")?
                        .ok_or_else(|| StoreError::corrupt("invoice energy", "missing"))?,
                    total_excl_vat: dec(row, "total_excl_vat")?
                        .ok_or_else(|| StoreError::corrupt("invoice total", "missing"))?,
                    total_incl_vat: dec(row, "total_incl_vat")?,
                    issued_at: row.try_get("issued_at")?,
                })
            }

            /// The CDRs of the invoices `ids` (the database's own integers), in order.
            async fn lines(
                store: &$store,
                tenant: TenantId,
                ids: &[i64],
            ) -> StoreResult<Vec<(i64, CdrId)>> {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let ids = ids
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ");
                let rows = sqlx::query(&format!(
                    "SELECT l.invoice_id, l.cdr_id FROM invoice_lines l JOIN cdrs c \
                     ON c.tenant_id = l.tenant_id AND c.id = l.cdr_id \
                     WHERE l.tenant_id = $1 AND l.invoice_id IN ({ids}) \
                     ORDER BY c.started_at, c.id"
                ))
                .bind(tenant.0)
                .fetch_all(&store.readers)
                .await?;
                rows.iter()
                    .map(|row| Ok((row.try_get("invoice_id")?, CdrId(row.try_get("cdr_id")?))))
                    .collect()
            }

            #[async_trait]
            impl InvoiceStore for $store {
                async fn create_invoice(
                    &self,
                    tenant: TenantId,
                    new: &NewInvoice,
                ) -> StoreResult<Option<Invoice>> {
                    if new.period_end <= new.period_start {
                        return Err(StoreError::Invalid {
                            what: "invoice period",
                            reason: "the period ends before it starts".to_owned(),
                        });
                    }
                    let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
                    // Holding the tenant's row serializes invoicing within the tenant (and
                    // takes SQLite's write lock at once).
                    let held = sqlx::query("UPDATE tenants SET name = name WHERE id = $1")
                        .bind(tenant.0)
                        .execute(&mut *tx)
                        .await?;
                    if held.rows_affected() == 0 {
                        return Err(StoreError::NotFound { what: "tenant" });
                    }
                    let owner: Option<i64> =
                        sqlx::query_scalar("SELECT id FROM users WHERE tenant_id = $1 AND id = $2")
                            .bind(tenant.0)
                            .bind(new.owner.0)
                            .fetch_optional(&mut *tx)
                            .await?;
                    if owner.is_none() {
                        return Err(StoreError::NotFound { what: "user" });
                    }
                    let cdrs = sqlx::query(
                        "SELECT c.id, c.energy_wh, c.total_cost_excl_vat, c.total_cost_incl_vat \
                         FROM cdrs c WHERE c.tenant_id = $1 AND c.owner_id = $2 \
                         AND c.currency = $3 AND c.started_at >= $4 AND c.started_at < $5 \
                         AND NOT EXISTS (SELECT 1 FROM invoice_lines l \
                         WHERE l.tenant_id = c.tenant_id AND l.cdr_id = c.id) \
                         ORDER BY c.started_at, c.id",
                    )
                    .bind(tenant.0)
                    .bind(new.owner.0)
                    .bind(&new.currency)
                    .bind(at(new.period_start))
                    .bind(at(new.period_end))
                    .fetch_all(&mut *tx)
                    .await?
                    .iter()
                    .map(|row| {
                        Ok((
                            row.try_get::<i64, _>("id")?,
                            dec(row, "energy_wh")?
                                .ok_or_else(|| StoreError::corrupt("CDR energy", "missing"))?,
                            dec(row, "total_cost_excl_vat")?
                                .ok_or_else(|| StoreError::corrupt("CDR total", "missing"))?,
                            dec(row, "total_cost_incl_vat")?,
                        ))
                    })
                    .collect::<StoreResult<Vec<_>>>()?;
                    if cdrs.is_empty() {
                        return Ok(None);
                    }
                    let (energy, excl, incl) = invoice_totals(&cdrs)?;
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO invoices (tenant_id, owner_id, period_start, period_end, \
                         currency, energy_wh, total_excl_vat, total_incl_vat, issued_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                    )
                    .bind(tenant.0)
                    .bind(new.owner.0)
                    .bind(at(new.period_start))
                    .bind(at(new.period_end))
                    .bind(&new.currency)
                    .bind($dec_in(energy))
                    .bind($dec_in(excl))
                    .bind(dec_in(incl))
                    .bind(now())
                    .fetch_one(&mut *tx)
                    .await?;
                    for (cdr, ..) in &cdrs {
                        sqlx::query(
                            "INSERT INTO invoice_lines (tenant_id, invoice_id, cdr_id) \
                             VALUES ($1, $2, $3)",
                        )
                        .bind(tenant.0)
                        .bind(id)
                        .bind(cdr)
                        .execute(&mut *tx)
                        .await
                        .map_err(StoreError::on("invoice of this CDR"))?;
                    }
                    tx.commit().await?;
                    self.invoice(tenant, InvoiceId(id)).await
                }

                async fn invoice(
                    &self,
                    tenant: TenantId,
                    id: InvoiceId,
                ) -> StoreResult<Option<Invoice>> {
                    let row = sqlx::query(&format!(
                        "SELECT {INVOICE_COLUMNS} FROM invoices WHERE tenant_id = $1 AND id = $2"
                    ))
                    .bind(tenant.0)
                    .bind(id.0)
                    .fetch_optional(&self.readers)
                    .await?;
                    let Some(row) = row else {
                        return Ok(None);
                    };
                    let cdrs = lines(self, tenant, &[id.0])
                        .await?
                        .into_iter()
                        .map(|(_, cdr)| cdr)
                        .collect();
                    invoice_from(&row, cdrs).map(Some)
                }

                async fn list_invoices(
                    &self,
                    tenant: TenantId,
                    owner: Option<UserId>,
                    page: Page,
                ) -> StoreResult<Paged<Invoice>> {
                    let (offset, limit) = page.binds();
                    let total: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM invoices WHERE tenant_id = $1 \
                         AND ($2 IS NULL OR owner_id = $2)",
                    )
                    .bind(tenant.0)
                    .bind(owner.map(|id| id.0))
                    .fetch_one(&self.readers)
                    .await?;
                    let rows = sqlx::query(&format!(
                        "SELECT {INVOICE_COLUMNS} FROM invoices WHERE tenant_id = $1 \
                         AND ($2 IS NULL OR owner_id = $2) \
                         ORDER BY period_start DESC, id DESC LIMIT $3 OFFSET $4"
                    ))
                    .bind(tenant.0)
                    .bind(owner.map(|id| id.0))
                    .bind(limit)
                    .bind(offset)
                    .fetch_all(&self.readers)
                    .await?;
                    let ids = rows
                        .iter()
                        .map(|row| row.try_get::<i64, _>("id"))
                        .collect::<Result<Vec<_>, _>>()?;
                    let all_lines = lines(self, tenant, &ids).await?;
                    let items = rows
                        .iter()
                        .zip(&ids)
                        .map(|(row, id)| {
                            let cdrs = all_lines
                                .iter()
                                .filter(|(invoice, _)| invoice == id)
                                .map(|(_, cdr)| *cdr)
                                .collect();
                            invoice_from(row, cdrs)
                        })
                        .collect::<StoreResult<Vec<_>>>()?;
                    Ok(Paged::new(items, total.unsigned_abs()))
                }
            }
        }
    };
}

pub(crate) use invoices;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_add_up_or_refuse_to_overflow() {
        let one = (
            1,
            Decimal::from(1000),
            Decimal::from(3),
            Some(Decimal::from(4)),
        );
        let no_vat = (2, Decimal::from(500), Decimal::ONE, None);
        assert_eq!(
            invoice_totals(&[one, one]).unwrap(),
            (
                Decimal::from(2000),
                Decimal::from(6),
                Some(Decimal::from(8))
            )
        );
        assert_eq!(
            invoice_totals(&[one, no_vat]).unwrap(),
            (Decimal::from(1500), Decimal::from(4), None)
        );
        let huge = (3, Decimal::MAX, Decimal::MAX, Some(Decimal::MAX));
        assert!(matches!(
            invoice_totals(&[huge, huge]),
            Err(StoreError::Invalid {
                what: "invoice energy",
                ..
            })
        ));
        let costly = (4, Decimal::ONE, Decimal::MAX, Some(Decimal::ONE));
        assert!(matches!(
            invoice_totals(&[costly, costly]),
            Err(StoreError::Invalid {
                what: "invoice total",
                ..
            })
        ));
    }
}
