//! The two compressions of mel power: decibels (`librosa.power_to_db(S, ref=1.0, amin, top_db)`)
//! and musicnn's `log10(1 + c S)`.
//!
//! Both take one logarithm per mel bin, ~165,000 per 30 s of audio with the default config (and
//! both at once for the musicnn preset, whose MFCCs still need decibels): with libm's scalar
//! `log10` that was the largest share of the features after the FFTs. `wide`'s vectorised
//! logarithm (Agner Fog's VCL algorithm) takes eight values at a time; librosa parity is
//! unchanged (`tests/librosa_parity.rs`).

use ndarray::Array2;
use wide::f32x8;

/// Convert a power spectrogram to dB in place and return the floor value every entry is clamped
/// to (`max - top_db`, or `10 log10(amin)` without `top_db`).
///
/// `10 * log10(max(amin, S))` (reference 1.0), then everything more than `top_db` below the
/// maximum of the whole spectrogram is raised to that level. Silence therefore gives a finite
/// floor (-100 dB with the defaults), never `-inf`.
pub fn power_to_db_in_place(spec: &mut Array2<f32>, amin: f32, top_db: Option<f32>) -> f32 {
    // Clamped after the logarithm (the same, as it is monotonic), so that everything at or
    // below `amin` is exactly `abs_floor` whatever the last digit of the vector logarithm.
    let abs_floor = 10.0 * amin.log10();
    let (abs_floor_x8, ten) = (f32x8::splat(abs_floor), f32x8::splat(10.0));
    let mut max = f32x8::splat(f32::NEG_INFINITY);
    map_x8(spec, |s| {
        let db = (ten * s.log10()).max(abs_floor_x8);
        max = max.max(db);
        db
    });
    let max = max.to_array().into_iter().fold(f32::NEG_INFINITY, f32::max);
    match top_db {
        Some(top) if max.is_finite() => {
            let floor = max - top;
            spec.mapv_inplace(|v| v.max(floor));
            floor.max(abs_floor)
        }
        _ => abs_floor,
    }
}

/// `log10(1 + scale * S)` in place, musicnn's compression.
pub fn log10_one_plus_in_place(spec: &mut Array2<f32>, scale: f32) {
    let (scale, log10_e) = (f32x8::splat(scale), f32x8::splat(std::f32::consts::LOG10_E));
    map_x8(spec, |s| (scale * s).ln_1p() * log10_e);
}

/// Apply `f` to every value of `spec`, eight at a time. The last few are padded with copies of
/// one of them, so that `f` only ever sees values of `spec` (it may accumulate, as the maximum
/// above does); the copies' results are dropped. `f` works lane by lane, so the order of the
/// values does not matter.
fn map_x8(spec: &mut Array2<f32>, mut f: impl FnMut(f32x8) -> f32x8) {
    let Some(values) = spec.as_slice_memory_order_mut() else {
        spec.mapv_inplace(|v| f(f32x8::splat(v)).to_array()[0]);
        return;
    };
    let (chunks, rest) = values.as_chunks_mut::<8>();
    for chunk in chunks {
        *chunk = f(f32x8::from(*chunk)).to_array();
    }
    if !rest.is_empty() {
        let mut last = [rest[0]; 8];
        last[..rest.len()].copy_from_slice(rest);
        let out = f(f32x8::from(last)).to_array();
        rest.copy_from_slice(&out[..rest.len()]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn matches_librosa_definition() {
        let mut s = array![[1.0f32, 0.1, 1e-12], [100.0, 0.0, 1e-3]];
        let floor = power_to_db_in_place(&mut s, 1e-10, Some(80.0));
        // max is 20 dB, floor -60 dB; 1e-12 and 0 hit amin (-100 dB) then the floor.
        assert_eq!(floor, -60.0);
        let expected = array![[0.0f32, -10.0, -60.0], [20.0, -60.0, -30.0]];
        for (a, b) in s.iter().zip(expected.iter()) {
            assert!((a - b).abs() < 1e-5, "{a} vs {b}");
        }
    }

    #[test]
    fn silence_is_finite() {
        let mut s = Array2::<f32>::zeros((4, 3));
        let floor = power_to_db_in_place(&mut s, 1e-10, Some(80.0));
        assert!(s.iter().all(|v| *v == -100.0), "{s:?}");
        assert_eq!(floor, -100.0);
    }
}
