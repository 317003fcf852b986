//! Did-you-mean: the closest of some candidates by edit distance.

/// Levenshtein distance over characters, case-insensitive.
pub fn distance(a: &str, b: &str) -> usize {
    exact_distance(&a.to_lowercase(), &b.to_lowercase())
}

/// Levenshtein distance over characters, case counting.
pub fn exact_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut row = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = prev[j] + usize::from(ca != *cb);
            row[j + 1] = substitute.min(prev[j + 1] + 1).min(row[j] + 1);
        }
        std::mem::swap(&mut prev, &mut row);
    }
    prev[b.len()]
}

/// The candidate closest to `text`, if it is close enough to be worth suggesting (at most
/// half of `text`'s length away).
pub fn closest<'a>(text: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let best = candidates
        .into_iter()
        .map(|c| (distance(text, c), c))
        .min_by_key(|(d, _)| *d)?;
    (best.0 <= text.chars().count().div_ceil(2).max(2)).then_some(best.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("Same", "same"), 0);
        assert_eq!(exact_distance("Same", "same"), 1);
        assert_eq!(
            closest(
                "the order is CLOSD",
                ["the order is CLOSED", "a paid order"]
            ),
            Some("the order is CLOSED")
        );
        assert_eq!(closest("zzzzzzzzzz", ["the order is CLOSED"]), None);
    }
}
