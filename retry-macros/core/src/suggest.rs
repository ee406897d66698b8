//! "Did you mean ...?" for misspelt keys and argument names.

/// Edit distance (insertions, deletions, substitutions) between two short identifiers.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = Vec::with_capacity(b.len() + 1);
        current.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// The candidate closest to `name`, if it is close enough to be a plausible typo.
///
/// "Close enough" is at most a third of the name's length in edits (at least one), or the
/// same letters once case and underscores are ignored (`maxTries`, `max_tries_`).
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let squashed = squash(name);
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter_map(|candidate| {
            if squash(candidate) == squashed {
                return Some((0, candidate));
            }
            let distance = edit_distance(name, candidate);
            (distance <= limit).then_some((distance, candidate))
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

fn squash(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_edits() {
        assert_eq!(edit_distance("max_tries", "max_tries"), 0);
        assert_eq!(edit_distance("max_trys", "max_tries"), 2);
        assert_eq!(edit_distance("bsae", "base"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
        // Deletions only: each costs one, from either end.
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("abcd", "ab"), 2);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn closest_finds_typos_only() {
        let keys = ["max_tries", "max_time", "jitter"];
        assert_eq!(closest("max_trie", keys), Some("max_tries"));
        assert_eq!(closest("maxTime", keys), Some("max_time"));
        assert_eq!(closest("jiter", keys), Some("jitter"));
        assert_eq!(closest("base", keys), None);
        // A third of the name's length in edits: 12 letters allow 4, so 2 extra letters are a
        // typo; 6 letters allow 2, so 3 edits are not.
        let keys = ["max_hedges", "jitter"];
        assert_eq!(closest("max_hedgesss", keys), Some("max_hedges"));
        assert_eq!(closest("jxtxex", keys), None);
    }
}
