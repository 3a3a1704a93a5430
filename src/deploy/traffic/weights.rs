//! How a share of requests becomes server weights. HAProxy weights are integers 0..=256 and a
//! weighted balancer gives each server `weight / sum of weights` of the requests, so a share is
//! met by one weight for every server of the new release and one for every server of the old:
//! the pair in 1..=256 whose share is nearest the step's (the smaller pair when several are
//! equally near, so `50%` over one host each is 1 and 1). `0%` and `100%` are exact: the other
//! set gets weight 0.

/// The largest weight HAProxy takes.
pub const MAX_WEIGHT: u16 = 256;

/// Weights (each new server, each old server) that send `share` percent of the requests to
/// `new` servers and the rest to `old` servers; `base` is the weight for a set that takes all.
pub fn split(share: u8, new: usize, old: usize, base: u16) -> (u16, u16) {
    let base = base.clamp(1, MAX_WEIGHT);
    match (share, new, old) {
        (_, 0, _) => (0, base),
        (_, _, 0) => (base, 0),
        (0, _, _) => (0, base),
        (s, _, _) if s >= 100 => (base, 0),
        (s, n, o) => {
            let want = f64::from(s) / 100.0;
            let (n, o) = (n as f64, o as f64);
            let mut best = (1u16, 1u16, f64::MAX);
            for wn in 1..=MAX_WEIGHT {
                for wo in 1..=MAX_WEIGHT {
                    let got = n * f64::from(wn) / (n * f64::from(wn) + o * f64::from(wo));
                    let err = (got - want).abs();
                    if err + 1e-12 < best.2 {
                        best = (wn, wo, err);
                    }
                }
            }
            (best.0, best.1)
        }
    }
}

/// The share (percent) the new servers get with these weights.
pub fn share_of(new_weights: &[u16], old_weights: &[u16]) -> f64 {
    let n: u32 = new_weights.iter().map(|&w| u32::from(w)).sum();
    let o: u32 = old_weights.iter().map(|&w| u32::from(w)).sum();
    if n + o == 0 {
        0.0
    } else {
        100.0 * f64::from(n) / f64::from(n + o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_become_the_nearest_weights() {
        // One canary host of four at 5%: 3 against 19 on each of three, exactly 5%.
        assert_eq!(split(5, 1, 3, 1), (3, 19));
        assert!((share_of(&[3], &[19, 19, 19]) - 5.0).abs() < 1e-9);
        assert_eq!(split(50, 1, 1, 1), (1, 1));
        assert_eq!(split(50, 2, 2, 7), (1, 1));
        assert_eq!(split(0, 1, 3, 10), (0, 10));
        assert_eq!(split(100, 1, 3, 10), (10, 0));
        assert_eq!(
            split(5, 0, 3, 10),
            (0, 10),
            "nobody runs the new release yet"
        );
        assert_eq!(split(5, 4, 0, 10), (10, 0), "everybody does");
        // 1% of 1 new against 200 old: nearest pair within 0..=256.
        let (wn, wo) = split(1, 1, 200, 1);
        let got = share_of(&[wn], &vec![wo; 200]);
        assert!((got - 1.0).abs() < 0.01, "{wn} {wo} {got}");
        for s in 1..100u8 {
            let (wn, wo) = split(s, 1, 3, 1);
            let got = share_of(&[wn], &[wo; 3]);
            assert!(
                (got - f64::from(s)).abs() < 0.2,
                "{s}%: {wn}/{wo} gives {got}"
            );
        }
    }
}
