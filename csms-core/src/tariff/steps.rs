//! `step_size`: billing in steps, once per session.
//!
//! The rules of `mod_cdrs.asciidoc` (section "step_size") and of the step-size examples of
//! `mod_tariffs.asciidoc`, as implemented:
//!
//! - Steps apply once per session to a total, never per period or per element: once for
//!   `ENERGY`, once for `TIME` and `PARKING_TIME` together, and (our reading, since the
//!   specification prices reservations with `TIME` components of their own elements) once for
//!   reservation time.
//! - Only lines that are paid for take part: a component with a price of zero is free of
//!   charge, as if no component applied ("the last parking period that needs to be paid
//!   [...] will be billed according to the `step_size` of the `PARKING_TIME` PriceComponent
//!   before 20:00", the free-of-charge example of `mod_tariffs.asciidoc`).
//! - The step size is the one of the last paid line of the group (the "last relevant" price
//!   component). For `TIME`/`PARKING_TIME` that last line also decides which of the two is
//!   rounded: its dimension's total is rounded up, the other dimension is billed as measured
//!   ("step_size is not taken into account when switching from charging to parking"; when
//!   parking is free, the last paid time is charging time and that is rounded).
//! - The total is the volume of the paid lines of that dimension ("the total of billable
//!   parking time"); what rounding adds is billed on the last paid line, at its price ("the
//!   extra 7 minutes are then added to the last period with a Price Component with a
//!   time-based dimension").
//! - Energy steps are in Wh, time steps in seconds; with a step size of 1 energy is still
//!   rounded up to a whole Wh and time to a whole second, as the specification's 115.2 Wh
//!   example shows. A step size of 0 (or less) rounds nothing, with a warning.

use rust_decimal::Decimal;

use super::TariffError;
use super::breakdown::{Dimension, Line, Warning};

/// Rounds `volume` up to a whole multiple of `step` (in the line's unit).
fn round_up(volume: Decimal, step: Decimal) -> Option<Decimal> {
    volume.checked_div(step)?.ceil().checked_mul(step)
}

/// Applies one step group: `dims` are the dimensions that share a step (e.g. `TIME` and
/// `PARKING_TIME`); `steps[i]` is the step size of line `i`'s component.
pub(crate) fn apply(
    lines: &mut [Line],
    steps: &[i64],
    dims: &[Dimension],
    warnings: &mut Vec<Warning>,
) -> Result<(), TariffError> {
    // A free line (price zero) is no relevant price component: it neither takes the rounding
    // nor counts in the total to round, or a longer session could move the rounding onto a
    // free stretch and cost less.
    let paid = |l: &Line| !l.price.is_zero();
    let Some(last) = lines
        .iter()
        .rposition(|l| dims.contains(&l.dimension) && paid(l))
    else {
        return Ok(());
    };
    let dim = lines[last].dimension;
    let step = steps[last];
    if step <= 0 {
        warnings.push(Warning {
            period: lines[last].periods.map(|(_, last)| last),
            message: format!(
                "step_size {step} of element {} is not positive; no step rounding for {dim:?}",
                lines[last].element.unwrap_or_default()
            ),
        });
        return Ok(());
    }
    let unit = match dim {
        // Wh in kWh.
        Dimension::Energy => Decimal::from(step) / Decimal::ONE_THOUSAND,
        _ => Decimal::from(step),
    };
    let mut total = Decimal::ZERO;
    for l in lines.iter().filter(|l| l.dimension == dim && paid(l)) {
        total = total
            .checked_add(l.volume)
            .ok_or(TariffError::Overflow("a step total"))?;
    }
    let rounded = round_up(total, unit).ok_or(TariffError::Overflow("step rounding"))?;
    let extra = rounded
        .checked_sub(total)
        .ok_or(TariffError::Overflow("step rounding"))?;
    let line = &mut lines[last];
    line.billed_volume = line
        .billed_volume
        .checked_add(extra)
        .ok_or(TariffError::Overflow("step rounding"))?;
    line.step_size = Some(step);
    if !extra.is_zero() {
        line.note = Some(format!(
            "step_size {step}: the session's {} total {} rounded up to {}; the {} more billed here",
            match dim {
                Dimension::Energy => "energy",
                Dimension::ParkingTime => "parking time",
                Dimension::ReservationTime => "reservation time",
                _ => "charging time",
            },
            total.normalize(),
            rounded.normalize(),
            extra.normalize(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_up_to_steps() {
        let d = |s: &str| s.parse::<Decimal>().expect("decimal");
        assert_eq!(round_up(d("0.1152"), d("0.001")), Some(d("0.116")));
        assert_eq!(round_up(d("0.1152"), d("0.025")), Some(d("0.125")));
        assert_eq!(round_up(d("0.1152"), d("0.5")), Some(d("0.5")));
        assert_eq!(round_up(d("480"), d("300")), Some(d("600")));
        assert_eq!(round_up(d("600"), d("300")), Some(d("600")));
        assert_eq!(round_up(Decimal::ZERO, d("300")), Some(Decimal::ZERO));
    }
}
