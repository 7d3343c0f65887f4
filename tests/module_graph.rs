//! The module graph of `src/` has no circle: read bottom-up, each module uses only modules
//! below it. An edge is any `crate::module` path in a module's code (comments skipped, so doc
//! links do not count); a path to an item of the crate root (`crate::Key`, a re-export) is an
//! edge to `lib.rs`, which itself uses every module, so it always closes a circle: modules name
//! each other by their own paths.

use std::collections::{BTreeMap, BTreeSet};

/// `src/<name>.rs` → the modules its code names.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    let mut sources = BTreeMap::new();
    for entry in std::fs::read_dir(src).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_some_and(|e| e == "rs") {
            let name = path
                .file_stem()
                .and_then(|s| s.to_str())
                .expect("a UTF-8 file name")
                .to_owned();
            let text = std::fs::read_to_string(&path).expect("a source file is readable");
            sources.insert(name, text);
        }
    }
    let modules: BTreeSet<String> = sources.keys().filter(|m| *m != "lib").cloned().collect();
    let mut graph = BTreeMap::new();
    for (name, text) in &sources {
        let mut uses = BTreeSet::new();
        if name == "lib" {
            // The root declares (and re-exports) every module.
            uses.extend(modules.iter().cloned());
        } else {
            for target in crate_paths(text) {
                if modules.contains(&target) {
                    uses.insert(target);
                } else {
                    // `crate::Item`: an item of the root.
                    uses.insert("lib".to_owned());
                }
            }
        }
        uses.remove(name);
        graph.insert(name.clone(), uses);
    }
    graph
}

/// The first segment after every `crate::` in the code (not the comments) of `text`, with the
/// braces of `use crate::{a::X, b::Y}` opened.
fn crate_paths(text: &str) -> Vec<String> {
    let code: String = text
        .lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = Vec::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        // `hookproof_crate::` or `xcrate::` are not the crate keyword.
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name = ident(item.trim());
                if !name.is_empty() {
                    out.push(name);
                }
            }
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                out.push(name);
            }
        }
    }
    out
}

/// A circle through the graph, if there is one (depth-first search, three colours).
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        done: &mut BTreeSet<String>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, done, stack) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(cycle) = visit(node, graph, &mut done, &mut Vec::new()) {
            return Some(cycle);
        }
    }
    None
}

#[test]
fn the_module_graph_of_src_has_no_circle() {
    let graph = graph();
    assert!(graph.len() > 10, "src/ was read: {:?}", graph.keys());
    if let Some(cycle) = find_cycle(&graph) {
        panic!("module circle: {}", cycle.join(" -> "));
    }
}

#[test]
fn the_checker_sees_circles() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec![]),
    ]
    .into_iter()
    .map(|(n, e)| (n.to_owned(), e.into_iter().map(str::to_owned).collect()))
    .collect();
    assert_eq!(
        find_cycle(&graph).map(|c| c.join(" -> ")).as_deref(),
        Some("a -> b -> c -> a")
    );
    let paths = crate_paths(
        "use crate::{key::Key, secret::Secret};\n// crate::doc_only\nlet x = crate::ed25519::X; hookproof_crate::y",
    );
    assert_eq!(paths, ["key", "secret", "ed25519"]);
}
