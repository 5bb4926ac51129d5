//! REAPI directory trees (Merkle trees of [`Directory`] messages) built from a list of paths.
//! The main type here is [`TreeBuilder`].
//!
//! One builder serves both sides of a cache entry: a task's input root (its sources) and each
//! output directory it produced. Names are sorted and every directory is encoded
//! canonically, so the same files always give the same digest.

use std::collections::BTreeMap;

use super::digest;
use super::reapi::{Digest, Directory, DirectoryNode, FileNode, NodeProperties, SymlinkNode, Tree};

/// What sits at one path of a tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    File {
        digest: Digest,
        /// The permission bits (`st_mode & 0o7777`).
        mode: u32,
    },
    Symlink {
        target: String,
    },
}

/// Paths (relative, `/`-separated) and what is at each, collected in any order.
#[derive(Debug, Default)]
pub(crate) struct TreeBuilder {
    root: Level,
}

#[derive(Debug, Default)]
struct Level {
    nodes: BTreeMap<String, Node>,
    directories: BTreeMap<String, Level>,
}

impl Level {
    /// The directory `name` in this one, created if new; its name is allocated only then.
    fn child(&mut self, name: &str) -> &mut Level {
        if !self.directories.contains_key(name) {
            self.directories.insert(name.to_owned(), Level::default());
        }
        self.directories
            .get_mut(name)
            .expect("inserted just above if it was missing")
    }
}

/// A built tree: its root's digest and every directory message in it, root first.
#[derive(Debug, Clone)]
pub(crate) struct BuiltTree {
    pub(crate) root_digest: Digest,
    /// Encoded `Directory` messages with their digests, root first.
    pub(crate) directories: Vec<(Digest, Directory)>,
}

impl TreeBuilder {
    /// Adds `node` at `path`; the directories on the way are created as needed.
    pub(crate) fn insert(&mut self, path: &str, node: Node) {
        let mut level = &mut self.root;
        let mut parts = path.split('/').filter(|part| !part.is_empty()).peekable();
        while let Some(part) = parts.next() {
            if parts.peek().is_none() {
                level.nodes.insert(part.to_owned(), node);
                return;
            }
            level = level.child(part);
        }
    }

    /// Adds an empty directory at `path` (an output directory may hold one).
    pub(crate) fn insert_directory(&mut self, path: &str) {
        let mut level = &mut self.root;
        for part in path.split('/').filter(|part| !part.is_empty()) {
            level = level.child(part);
        }
    }

    /// Encodes every directory; names and digests move into the messages, uncopied.
    pub(crate) fn build(self) -> BuiltTree {
        let mut directories = Vec::new();
        let root_digest = encode(self.root, &mut directories);
        // `encode` pushes children before their parent; REAPI's `Tree` wants the root apart
        // and the rest in any order, and readers here look for the root first.
        directories.reverse();
        BuiltTree {
            root_digest,
            directories,
        }
    }
}

impl BuiltTree {
    /// The REAPI `Tree` message of an output directory.
    pub(crate) fn to_tree(&self) -> Tree {
        let mut directories = self
            .directories
            .iter()
            .map(|(_, directory)| directory.clone());
        Tree {
            root: directories.next(),
            children: directories.collect(),
        }
    }
}

fn encode(level: Level, out: &mut Vec<(Digest, Directory)>) -> Digest {
    let mut directory = Directory::default();
    for (name, child) in level.directories {
        directory.directories.push(DirectoryNode {
            name,
            digest: Some(encode(child, out)),
        });
    }
    for (name, node) in level.nodes {
        match node {
            Node::File { digest, mode } => directory.files.push(FileNode {
                name,
                digest: Some(digest),
                is_executable: mode & 0o111 != 0,
                node_properties: Some(NodeProperties {
                    unix_mode: Some(mode),
                    ..NodeProperties::default()
                }),
            }),
            Node::Symlink { target } => directory.symlinks.push(SymlinkNode {
                name,
                target,
                node_properties: None,
            }),
        }
    }
    let (digest, _) = digest::of_message(&directory);
    out.push((digest.clone(), directory));
    digest
}

/// The contents of a tree, flattened: every file and symlink by relative path, and the
/// directories that hold nothing (which must be recreated too).
#[derive(Debug, Default)]
pub(crate) struct Flattened {
    pub(crate) nodes: Vec<(String, Node)>,
    pub(crate) empty_directories: Vec<String>,
}

/// Walks `tree` from its root; `None` if a directory it names is not in it.
pub(crate) fn flatten(tree: &Tree) -> Option<Flattened> {
    let by_digest: BTreeMap<String, &Directory> = tree
        .children
        .iter()
        .map(|child| (digest::of_message(child).0.hash, child))
        .collect();
    let mut nodes = Vec::new();
    let mut empty = Vec::new();
    let mut stack = vec![(String::new(), tree.root.as_ref()?)];
    while let Some((prefix, directory)) = stack.pop() {
        let join = |name: &str| {
            if prefix.is_empty() {
                name.to_owned()
            } else {
                format!("{prefix}/{name}")
            }
        };
        if directory.files.is_empty()
            && directory.symlinks.is_empty()
            && directory.directories.is_empty()
        {
            empty.push(prefix.clone());
        }
        for file in &directory.files {
            let mode = file
                .node_properties
                .as_ref()
                .and_then(|properties| properties.unix_mode)
                .unwrap_or(if file.is_executable { 0o755 } else { 0o644 });
            nodes.push((
                join(&file.name),
                Node::File {
                    digest: file.digest.clone()?,
                    mode,
                },
            ));
        }
        for symlink in &directory.symlinks {
            nodes.push((
                join(&symlink.name),
                Node::Symlink {
                    target: symlink.target.clone(),
                },
            ));
        }
        for child in &directory.directories {
            let digest = child.digest.as_ref()?;
            stack.push((join(&child.name), by_digest.get(&digest.hash)?));
        }
    }
    Some(Flattened {
        nodes,
        empty_directories: empty,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_files_in_any_order_give_one_digest_and_flatten_back() {
        let file = |text: &[u8]| Node::File {
            digest: digest::of_bytes(text),
            mode: 0o644,
        };
        let mut first = TreeBuilder::default();
        first.insert("src/a.rs", file(b"a"));
        first.insert("src/deep/b.rs", file(b"b"));
        first.insert(
            "link",
            Node::Symlink {
                target: "src".to_owned(),
            },
        );
        let mut second = TreeBuilder::default();
        second.insert(
            "link",
            Node::Symlink {
                target: "src".to_owned(),
            },
        );
        second.insert("src/deep/b.rs", file(b"b"));
        second.insert("src/a.rs", file(b"a"));
        let built = first.build();
        assert_eq!(built.root_digest, second.build().root_digest);
        let mut flattened = flatten(&built.to_tree()).expect("complete tree");
        flattened.nodes.sort_by(|a, b| a.0.cmp(&b.0));
        let paths: Vec<_> = flattened
            .nodes
            .iter()
            .map(|(path, _)| path.as_str())
            .collect();
        assert_eq!(paths, ["link", "src/a.rs", "src/deep/b.rs"]);
        assert!(flattened.empty_directories.is_empty());
    }
}
