//! Power to decibels, as `librosa.power_to_db(S, ref=1.0, amin, top_db)`.

use ndarray::Array2;

/// Convert a power spectrogram to dB in place and return the floor value every entry is clamped
/// to (`max - top_db`, or `10 log10(amin)` without `top_db`).
///
/// `10 * log10(max(amin, S))` (reference 1.0), then everything more than `top_db` below the
/// maximum of the whole spectrogram is raised to that level. Silence therefore gives a finite
/// floor (-100 dB with the defaults), never `-inf`.
pub fn power_to_db_in_place(spec: &mut Array2<f32>, amin: f32, top_db: Option<f32>) -> f32 {
    let mut max = f32::NEG_INFINITY;
    spec.mapv_inplace(|s| {
        let db = 10.0 * s.max(amin).log10();
        max = max.max(db);
        db
    });
    let abs_floor = 10.0 * amin.log10();
    match top_db {
        Some(top) if max.is_finite() => {
            let floor = max - top;
            spec.mapv_inplace(|v| v.max(floor));
            floor.max(abs_floor)
        }
        _ => abs_floor,
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
        assert!(s.iter().all(|v| *v == -100.0));
        assert_eq!(floor, -100.0);
    }
}
