//! `min_price` and `max_price`: limits on the total cost of a session.

use chrono::{DateTime, Utc};
use ocpi_types::v221::tariffs::Tariff;
use rust_decimal::Decimal;

use super::TariffError;
use super::breakdown::{Amount, Dimension, Line, Unit, Warning};

/// Applies `min_price` and `max_price`, each on both sides of VAT. A limit without
/// `incl_vat` is carried to the side including VAT in proportion: when the total excluding
/// VAT is raised (cut) by a factor, so is the total including VAT. `index` is the tariff's
/// index in the pricing's tariffs, for the line that says what the limit did.
#[allow(clippy::too_many_arguments)]
pub(crate) fn limit_total(
    total: &mut Amount,
    index: usize,
    tariff: &Tariff,
    lines: &mut Vec<Line>,
    warnings: &mut Vec<Warning>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<(), TariffError> {
    let before = *total;
    let ratio = |excl: Decimal| -> Option<Decimal> {
        if before.excl_vat.is_zero() {
            Some(excl)
        } else {
            excl.checked_mul(before.incl_vat)?
                .checked_div(before.excl_vat)
        }
    };
    for (limit, dim) in [
        (&tariff.min_price, Dimension::MinPrice),
        (&tariff.max_price, Dimension::MaxPrice),
    ] {
        let Some(limit) = limit else { continue };
        let excl_limit = limit.excl_vat;
        let incl_limit = match limit.incl_vat {
            Some(v) => v,
            None => {
                warnings.push(Warning::general(format!(
                    "{} has no incl_vat; the limit including VAT is derived from the session's VAT ratio",
                    if dim == Dimension::MinPrice { "min_price" } else { "max_price" }
                )));
                ratio(excl_limit).ok_or(TariffError::Overflow("a price limit"))?
            }
        };
        let before_limit = *total;
        if dim == Dimension::MinPrice {
            total.excl_vat = total.excl_vat.max(excl_limit);
            total.incl_vat = total.incl_vat.max(incl_limit);
        } else {
            total.excl_vat = total.excl_vat.min(excl_limit);
            total.incl_vat = total.incl_vat.min(incl_limit);
        }
        if *total != before_limit {
            lines.push(Line {
                tariff: index,
                periods: None,
                dimension: dim,
                element: None,
                component: None,
                start,
                end,
                volume: Decimal::ONE,
                billed_volume: Decimal::ONE,
                unit: Unit::Session,
                price: excl_limit,
                step_size: None,
                vat: None,
                cost: Amount {
                    excl_vat: total
                        .excl_vat
                        .checked_sub(before_limit.excl_vat)
                        .ok_or(TariffError::Overflow("a price limit"))?,
                    incl_vat: total
                        .incl_vat
                        .checked_sub(before_limit.incl_vat)
                        .ok_or(TariffError::Overflow("a price limit"))?,
                },
                note: Some(format!(
                    "the session cost {} excl. VAT / {} incl. VAT; the tariff's {} is {} / {}",
                    before_limit.excl_vat.normalize(),
                    before_limit.incl_vat.normalize(),
                    if dim == Dimension::MinPrice {
                        "min_price"
                    } else {
                        "max_price"
                    },
                    excl_limit.normalize(),
                    incl_limit.normalize()
                )),
            });
        }
    }
    Ok(())
}
