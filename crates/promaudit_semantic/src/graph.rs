//! The recording-rule graph across all checked files: which recorded series each rule reads,
//! and who reads each recorded series. Built once per run in O(n) hash-map inserts; cycles come
//! from Tarjan's strongly connected components, not from pairwise comparisons.

use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::{HashMap, HashSet};

#[derive(Debug, Default)]
pub struct RuleGraph {
    nodes: HashMap<String, NodeIndex>,
    /// An edge `a → b`: a rule recording `a` reads `b`.
    graph: DiGraph<String, ()>,
    defined: HashSet<String>,
    used: HashSet<String>,
}

impl RuleGraph {
    /// `record` is written by a rule that reads the series `reads`.
    pub fn add_definition(&mut self, record: &str, reads: &[String]) {
        self.defined.insert(record.to_string());
        let from = self.node(record);
        for read in reads {
            let to = self.node(read);
            self.graph.update_edge(from, to, ());
            self.used.insert(read.clone());
        }
    }

    /// An alert, dashboard panel or SLO reads `name`.
    pub fn add_use(&mut self, name: &str) {
        self.used.insert(name.to_string());
    }

    fn node(&mut self, name: &str) -> NodeIndex {
        if let Some(&index) = self.nodes.get(name) {
            return index;
        }
        let index = self.graph.add_node(name.to_string());
        self.nodes.insert(name.to_string(), index);
        index
    }

    pub fn is_defined(&self, name: &str) -> bool {
        self.defined.contains(name)
    }

    pub fn is_used(&self, name: &str) -> bool {
        self.used.contains(name)
    }

    pub fn defined(&self) -> impl Iterator<Item = &str> {
        self.defined.iter().map(String::as_str)
    }

    pub fn has_definitions(&self) -> bool {
        !self.defined.is_empty()
    }

    /// For each recorded series on a cycle, the shortest cycle through it, as names from it
    /// back to it along "reads" edges.
    pub fn cycles(&self) -> HashMap<String, Vec<String>> {
        let mut found = HashMap::new();
        for component in petgraph::algo::tarjan_scc(&self.graph) {
            let self_loop = component.len() == 1 && self.graph.contains_edge(component[0], component[0]);
            if component.len() < 2 && !self_loop {
                continue;
            }
            let members: HashSet<NodeIndex> = component.iter().copied().collect();
            for &start in &component {
                let path = self.shortest_cycle(start, &members);
                found.insert(self.graph[start].clone(), path.into_iter().map(|i| self.graph[i].clone()).collect());
            }
        }
        found
    }

    /// Breadth-first from `start` within its component until an edge leads back to it.
    fn shortest_cycle(&self, start: NodeIndex, members: &HashSet<NodeIndex>) -> Vec<NodeIndex> {
        let mut previous: HashMap<NodeIndex, NodeIndex> = HashMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        while let Some(node) = queue.pop_front() {
            for next in self.graph.neighbors(node).filter(|n| members.contains(n)) {
                if next == start {
                    let mut path = vec![start, node];
                    let mut at = node;
                    while at != start {
                        at = previous[&at];
                        path.push(at);
                    }
                    path.reverse();
                    path.dedup();
                    if path.len() == 1 {
                        path.push(start);
                    }
                    return path;
                }
                if next != start && !previous.contains_key(&next) {
                    previous.insert(next, node);
                    queue.push_back(next);
                }
            }
        }
        vec![start, start]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn cycles_uses_and_definitions() {
        let mut graph = RuleGraph::default();
        graph.add_definition("a:x:rate", &names(&["x_total"]));
        graph.add_definition("b:x:sum", &names(&["a:x:rate", "c:x:sum"]));
        graph.add_definition("c:x:sum", &names(&["b:x:sum"]));
        graph.add_definition("self:x:loop", &names(&["self:x:loop"]));
        graph.add_use("b:x:sum");
        let cycles = graph.cycles();
        assert_eq!(cycles["b:x:sum"], names(&["b:x:sum", "c:x:sum", "b:x:sum"]));
        graph.add_definition("p:x:sum", &names(&["q:x:sum"]));
        graph.add_definition("q:x:sum", &names(&["r:x:sum"]));
        graph.add_definition("r:x:sum", &names(&["p:x:sum"]));
        assert_eq!(graph.cycles()["q:x:sum"], names(&["q:x:sum", "r:x:sum", "p:x:sum", "q:x:sum"]));
        assert_eq!(cycles["self:x:loop"], names(&["self:x:loop", "self:x:loop"]));
        assert!(!cycles.contains_key("a:x:rate"));
        assert!(graph.is_used("a:x:rate") && !graph.is_used("nobody:x:uses"));
        assert!(graph.is_defined("c:x:sum") && !graph.is_defined("x_total"));
    }
}
