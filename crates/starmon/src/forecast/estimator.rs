//! Robust line fitting for the forecast: the Theil–Sen slope and the median it rests on.

/// Theil–Sen slope (median of pairwise slopes) of used bytes per day; None with < 2 points.
///
/// Points with a non-finite coordinate are ignored, and so are pairs with the same x (their slope
/// is undefined); None also when no pair with distinct x is left. With an even number of slopes the
/// median is the mean of the two middle ones.
pub fn theil_sen(points: &[(f64, f64)]) -> Option<f64> {
    let pts: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    if pts.len() < 2 {
        return None;
    }
    let mut slopes = Vec::with_capacity(pts.len() * (pts.len() - 1) / 2);
    for (i, &(xi, yi)) in pts.iter().enumerate() {
        for &(xj, yj) in &pts[i + 1..] {
            let dx = xj - xi;
            if dx != 0.0 {
                let s = (yj - yi) / dx;
                if s.is_finite() {
                    slopes.push(s);
                }
            }
        }
    }
    median(&mut slopes)
}

/// Median of finite values (sorts in place); None when empty.
pub(super) fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let mid = n / 2;
    if n % 2 == 1 {
        Some(values[mid])
    } else {
        Some((values[mid - 1] + values[mid]) / 2.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::test_support::{close, ols};

    // ---------------------------------------------------------------- theil_sen

    #[test]
    fn theil_sen_exact_line() {
        let pts = [(0.0, 0.0), (1.0, 2.0), (2.0, 4.0), (3.0, 6.0)];
        assert_eq!(theil_sen(&pts), Some(2.0));
    }

    #[test]
    fn theil_sen_odd_number_of_slopes() {
        // Slopes 2, 1.5, 1 → median 1.5.
        let pts = [(0.0, 1.0), (1.0, 3.0), (2.0, 4.0)];
        assert_eq!(theil_sen(&pts), Some(1.5));
    }

    #[test]
    fn theil_sen_even_number_of_slopes_takes_mean_of_middle_two() {
        // Slopes: 1, 2, 4/3, 3, 1.5, 0 → sorted 0, 1, 4/3, 1.5, 2, 3 → (4/3 + 1.5) / 2.
        let pts = [(0.0, 0.0), (1.0, 1.0), (2.0, 4.0), (3.0, 4.0)];
        let s = theil_sen(&pts).expect("slope");
        assert!(close(s, (4.0 / 3.0 + 1.5) / 2.0, 1e-12), "{s}");
    }

    #[test]
    fn theil_sen_ignores_an_outlier_that_least_squares_follows() {
        // y = x, except the last point is 100. Pairwise slopes: six of 1, then 25, 33, 49, 97:
        // median of ten = mean of the 5th and 6th = 1. Least squares says 20.2.
        let pts = [(0.0, 0.0), (1.0, 1.0), (2.0, 2.0), (3.0, 3.0), (4.0, 100.0)];
        assert_eq!(theil_sen(&pts), Some(1.0));
        assert!(close(ols(&pts), 20.2, 1e-9), "ols {}", ols(&pts));
    }

    #[test]
    fn theil_sen_order_does_not_matter() {
        let pts = [(3.0, 6.5), (0.0, 0.0), (2.0, 3.0), (1.0, 2.5)];
        let mut rev = pts;
        rev.reverse();
        assert_eq!(theil_sen(&pts), theil_sen(&rev));
    }

    #[test]
    fn theil_sen_degenerate_inputs() {
        assert_eq!(theil_sen(&[]), None);
        assert_eq!(theil_sen(&[(0.0, 1.0)]), None);
        // Same x: no defined slope.
        assert_eq!(theil_sen(&[(1.0, 1.0), (1.0, 5.0)]), None);
        // Non-finite points are ignored.
        assert_eq!(
            theil_sen(&[(0.0, 0.0), (f64::NAN, 3.0), (2.0, 4.0)]),
            Some(2.0)
        );
        assert_eq!(theil_sen(&[(0.0, f64::INFINITY), (1.0, 1.0)]), None);
        // A same-x pair is skipped, the others still count.
        assert_eq!(theil_sen(&[(0.0, 0.0), (0.0, 9.0), (1.0, 1.0)]), Some(-3.5));
    }
}
