//! Ordering a dependency graph, or finding the cycle that prevents it.
//!
//! An iterative depth-first search (no recursion, so a 10,000-task chain cannot overflow the
//! stack) that emits every node after its prerequisites, and on a back edge returns the whole
//! cycle as a path, like just's `recipe_resolver.rs` does recursively.

use crate::config::Span;

/// A node's prerequisite and where the edge to it is written in `tasks.toml`.
pub(super) type Prerequisite = (usize, Span);

/// A cycle: the nodes on it (first repeated last) and the span of the edge closing it.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Cycle {
    pub(super) path: Vec<usize>,
    pub(super) span: Span,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    Unvisited,
    OnStack,
    Done,
}

/// Every node reachable from `roots`, each after all of its prerequisites; visiting roots and
/// prerequisites in the order given, so the order is the one the file and the user wrote.
pub(super) fn order(
    prerequisites: &[Vec<Prerequisite>],
    roots: impl IntoIterator<Item = usize>,
) -> Result<Vec<usize>, Cycle> {
    let mut mark = vec![Mark::Unvisited; prerequisites.len()];
    let mut order = Vec::with_capacity(prerequisites.len());
    // Each frame: a node and how many of its prerequisites have been looked at.
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for root in roots {
        if mark[root] != Mark::Unvisited {
            continue;
        }
        mark[root] = Mark::OnStack;
        stack.push((root, 0));
        while let Some(frame) = stack.last_mut() {
            let (node, next) = *frame;
            let Some((prerequisite, span)) = prerequisites[node].get(next) else {
                mark[node] = Mark::Done;
                order.push(node);
                stack.pop();
                continue;
            };
            frame.1 += 1;
            match mark[*prerequisite] {
                Mark::Done => {}
                Mark::Unvisited => {
                    mark[*prerequisite] = Mark::OnStack;
                    stack.push((*prerequisite, 0));
                }
                Mark::OnStack => {
                    return Err(cycle_through(&stack, *prerequisite, *span));
                }
            }
        }
    }
    Ok(order)
}

/// The cycle closed by an edge from the top of `stack` back to `target`, which is on the stack.
/// The path reads in dependency direction: `a -> b` means `a` depends on `b`.
fn cycle_through(stack: &[(usize, usize)], target: usize, span: Span) -> Cycle {
    let start = stack
        .iter()
        .position(|(node, _)| *node == target)
        .expect("a node marked on-stack is on the stack");
    let mut path: Vec<usize> = stack[start..].iter().map(|(node, _)| *node).collect();
    path.push(target);
    Cycle { path, span }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(range: std::ops::Range<usize>) -> Span {
        Span::new(crate::config::FileId::default(), range)
    }

    fn graph(edges: &[(usize, usize)], nodes: usize) -> Vec<Vec<Prerequisite>> {
        let mut prerequisites = vec![Vec::new(); nodes];
        for (index, (from, to)) in edges.iter().enumerate() {
            prerequisites[*from].push((*to, at(index..index + 1)));
        }
        prerequisites
    }

    #[test]
    fn reports_the_whole_cycle() {
        let prerequisites = graph(&[(0, 1), (1, 2), (2, 0)], 3);
        let cycle = order(&prerequisites, [0]).unwrap_err();
        assert_eq!(cycle.path, vec![0, 1, 2, 0]);
        assert_eq!(cycle.span, at(2..3));
    }

    #[test]
    fn self_dependency_is_a_cycle_of_one() {
        let cycle = order(&graph(&[(0, 0)], 1), [0]).unwrap_err();
        assert_eq!(cycle.path, vec![0, 0]);
    }

    #[test]
    fn diamond_orders_each_node_once() {
        let prerequisites = graph(&[(0, 1), (0, 2), (1, 3), (2, 3)], 4);
        assert_eq!(order(&prerequisites, [0]).unwrap(), vec![3, 1, 2, 0]);
    }

    /// Random DAGs: edges only go from a higher to a lower node number.
    fn dag() -> impl Strategy<Value = (usize, Vec<(usize, usize)>)> {
        (2usize..40).prop_flat_map(|nodes| {
            let edge = (1..nodes).prop_flat_map(|from| (Just(from), 0..from));
            (Just(nodes), proptest::collection::vec(edge, 0..120))
        })
    }

    proptest! {
        #[test]
        fn any_dag_orders_every_node_once_after_its_prerequisites((nodes, edges) in dag()) {
            let prerequisites = graph(&edges, nodes);
            let order = order(&prerequisites, 0..nodes).unwrap();
            let mut position = vec![usize::MAX; nodes];
            for (index, node) in order.iter().enumerate() {
                prop_assert_eq!(position[*node], usize::MAX, "node {} ordered twice", node);
                position[*node] = index;
            }
            prop_assert!(position.iter().all(|p| *p != usize::MAX), "a node is missing");
            for (from, to) in edges {
                prop_assert!(position[to] < position[from], "{} ran before its prerequisite {}", from, to);
            }
        }

        #[test]
        fn any_back_edge_is_reported_as_a_real_cycle(
            (nodes, edges) in dag(),
            pick in any::<proptest::sample::Index>(),
        ) {
            // A path low → high exists only through an added back edge; add one on an existing edge.
            prop_assume!(!edges.is_empty());
            let (from, to) = edges[pick.index(edges.len())];
            let mut with_cycle = edges.clone();
            with_cycle.push((to, from));
            let prerequisites = graph(&with_cycle, nodes);
            let cycle = order(&prerequisites, 0..nodes).unwrap_err();
            prop_assert!(cycle.path.len() >= 2);
            prop_assert_eq!(cycle.path.first(), cycle.path.last());
            for pair in cycle.path.windows(2) {
                prop_assert!(
                    prerequisites[pair[0]].iter().any(|(node, _)| *node == pair[1]),
                    "{} -> {} is not an edge", pair[0], pair[1]
                );
            }
        }
    }
}
