//! `--partition K/N`: a deterministic slice of the requested tasks, so one task list can be
//! spread over N CI machines. The main function here is [`partition`].
//!
//! Round-robin over the order the tasks were asked for, as nextest's count-based partitions
//! do: the slices differ in size by one at most, every machine computes the same slices from
//! the same command line, and no task is in two slices or in none. Dependencies are not
//! sliced: each shard plans (and runs) what its own tasks need.

/// Slice `index` (1-based) of `count` of `items`.
pub(crate) fn partition<T: Clone>(items: &[T], index: usize, count: usize) -> Vec<T> {
    items
        .iter()
        .enumerate()
        .filter(|(position, _)| position % count == index - 1)
        .map(|(_, item)| item.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn shards_are_disjoint_and_cover_everything(len in 0usize..200, count in 1usize..8) {
            let items: Vec<usize> = (0..len).collect();
            let mut seen = vec![0; len];
            for index in 1..=count {
                let shard = partition(&items, index, count);
                // Balanced: no shard holds more than one item beyond another.
                prop_assert!(shard.len() <= len.div_ceil(count));
                prop_assert!(shard.len() >= len / count);
                for item in shard {
                    seen[item] += 1;
                }
            }
            prop_assert!(seen.iter().all(|&times| times == 1), "{seen:?}");
        }

        #[test]
        fn three_shards_split_any_request_list(len in 0usize..100) {
            let items: Vec<usize> = (0..len).collect();
            let shards: Vec<Vec<usize>> = (1..=3).map(|k| partition(&items, k, 3)).collect();
            let mut all: Vec<usize> = shards.concat();
            all.sort_unstable();
            prop_assert_eq!(all, items);
        }
    }
}
