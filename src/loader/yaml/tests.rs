//! Unit tests of the YAML stage: positions, scalar resolution, tags, anchors and merge
//! keys, errors. Expected values were checked against the reference (`config` output).

use std::time::{Duration, Instant};

use super::{MAX_DEPTH, parse_document, parse_documents};
use crate::loader::error::Diagnostic;
use crate::loader::node::{Node, Tag, Value};
use crate::loader::source::SourceId;

fn parse(text: &str) -> Node {
    parse_document(text, SourceId(0)).unwrap_or_else(|error| panic!("{error:?}\n{text}"))
}

fn error(text: &str) -> Diagnostic {
    match parse_documents(text, SourceId(0)) {
        Ok(nodes) => panic!("expected an error for {text:?}, got {nodes:?}"),
        Err(error) => error,
    }
}

/// The node at a path like `services.web.ports[1]`.
fn at<'a>(node: &'a Node, path: &str) -> &'a Node {
    let mut node = node;
    for part in path.split('.') {
        let (key, indexes) = part
            .split_once('[')
            .map_or((part, ""), |(key, rest)| (key, rest));
        if !key.is_empty() {
            node = node
                .get(key)
                .unwrap_or_else(|| panic!("no key `{key}` in path `{path}`"));
        }
        for index in indexes.split('[').filter(|index| !index.is_empty()) {
            let index: usize = index.trim_end_matches(']').parse().expect("index");
            node = &node.as_seq().expect("sequence")[index];
        }
    }
    node
}

fn position(node: &Node) -> (u32, u32) {
    (node.span.line, node.span.column)
}

fn key_position(node: &Node, path: &str) -> (u32, u32) {
    let (parent, key) = path.rsplit_once('.').map_or(("", path), |split| split);
    let parent = if parent.is_empty() {
        node
    } else {
        at(node, parent)
    };
    let entry = parent.as_map().expect("mapping").get(key).expect("key");
    (entry.key_span.line, entry.key_span.column)
}

fn strings(node: &Node) -> Vec<&str> {
    node.as_seq()
        .expect("sequence")
        .iter()
        .map(|item| item.as_str().expect("string"))
        .collect()
}

#[test]
fn positions_in_block_style() {
    let text = "\
services:
  web:
    image: \"nginx\"
    command: |
      echo hi
    entrypoint: >
      folded
    ports:
      - 80:80
      - - nested
        - x
    environment:
      A:
        next line
      B: 'single'
";
    let tree = parse(text);
    assert_eq!(position(&tree), (1, 1));
    assert_eq!(key_position(&tree, "services"), (1, 1));
    assert_eq!(position(at(&tree, "services")), (2, 3));
    assert_eq!(key_position(&tree, "services.web"), (2, 3));
    assert_eq!(position(at(&tree, "services.web")), (3, 5));
    assert_eq!(key_position(&tree, "services.web.image"), (3, 5));
    assert_eq!(position(at(&tree, "services.web.image")), (3, 12));
    assert_eq!(position(at(&tree, "services.web.command")), (4, 14));
    assert_eq!(
        at(&tree, "services.web.command").as_str(),
        Some("echo hi\n")
    );
    assert_eq!(position(at(&tree, "services.web.entrypoint")), (6, 17));
    assert_eq!(
        at(&tree, "services.web.entrypoint").as_str(),
        Some("folded\n")
    );
    assert_eq!(position(at(&tree, "services.web.ports")), (9, 7));
    assert_eq!(position(at(&tree, "services.web.ports[0]")), (9, 9));
    assert_eq!(position(at(&tree, "services.web.ports[1]")), (10, 9));
    assert_eq!(position(at(&tree, "services.web.ports[1][0]")), (10, 11));
    assert_eq!(position(at(&tree, "services.web.ports[1][1]")), (11, 11));
    assert_eq!(position(at(&tree, "services.web.environment.A")), (14, 9));
    assert_eq!(
        at(&tree, "services.web.environment.A").as_str(),
        Some("next line")
    );
    assert_eq!(key_position(&tree, "services.web.environment.B"), (15, 7));
    assert_eq!(position(at(&tree, "services.web.environment.B")), (15, 10));
}

#[test]
fn positions_in_flow_style_and_sequences_of_mappings() {
    let text = "\
a: {b: 1, c: [x, 'y', \"z\"]}
list:
- name: one
  value: 1
-   name: two
top: []
";
    let tree = parse(text);
    assert_eq!(position(at(&tree, "a")), (1, 4));
    assert_eq!(key_position(&tree, "a.b"), (1, 5));
    assert_eq!(position(at(&tree, "a.b")), (1, 8));
    assert_eq!(position(at(&tree, "a.c")), (1, 14));
    assert_eq!(position(at(&tree, "a.c[0]")), (1, 15));
    assert_eq!(position(at(&tree, "a.c[1]")), (1, 18));
    assert_eq!(position(at(&tree, "a.c[2]")), (1, 23));
    assert_eq!(position(at(&tree, "list")), (3, 1));
    assert_eq!(position(at(&tree, "list[0]")), (3, 3));
    assert_eq!(key_position(&tree, "list[0].value"), (4, 3));
    assert_eq!(position(at(&tree, "list[1]")), (5, 5));
    assert_eq!(position(at(&tree, "top")), (6, 6));
}

#[test]
fn positions_of_empty_values_and_tagged_values() {
    let text = "\
a:
b: !reset
c: &anchor
list:
  -
  - x
d: !override
  e: 1
f: !reset [1]
";
    let tree = parse(text);
    // An empty value points at its key; a tagged empty value at its tag.
    assert_eq!(position(at(&tree, "a")), (1, 1));
    assert!(at(&tree, "a").is_null());
    assert_eq!(position(at(&tree, "b")), (2, 4));
    assert_eq!(at(&tree, "b").tag, Some(Tag::Reset));
    assert!(at(&tree, "b").is_null());
    assert_eq!(position(at(&tree, "c")), (3, 4));
    assert_eq!(position(at(&tree, "list[0]")), (5, 3));
    assert!(at(&tree, "list[0]").is_null());
    assert_eq!(position(at(&tree, "d")), (8, 3));
    assert_eq!(at(&tree, "d").tag, Some(Tag::Override));
    assert_eq!(position(at(&tree, "f")), (9, 11));
    assert_eq!(at(&tree, "f").tag, Some(Tag::Reset));
}

#[test]
fn positions_count_characters_and_survive_crlf_and_bom() {
    let tree = parse("é: ü\r\nb:\r\n  - \"ä\"\r\n");
    assert_eq!(position(at(&tree, "é")), (1, 4));
    assert_eq!(position(at(&tree, "b[0]")), (3, 5));
    assert_eq!(at(&tree, "b[0]").as_str(), Some("ä"));
    let tree = parse("\u{feff}a: 1\n");
    assert_eq!(at(&tree, "a").value, Value::Int(1));
}

#[test]
fn a_lone_carriage_return_ends_a_line_as_for_the_parser() {
    let tree = parse("a: 1\rb:\r  - x\n");
    assert_eq!(key_position(&tree, "b"), (2, 1));
    assert_eq!(position(at(&tree, "b[0]")), (3, 5));
    let failure = error("a: 1\rb: [\n");
    assert_eq!(failure.span.line, 2, "{failure:?}");
}

#[test]
fn nothing_points_past_the_end_of_the_text() {
    // An empty last entry with no newline after it: at its `-`, not on a line 3.
    let tree = parse("include:\n  - ");
    assert_eq!(position(at(&tree, "include[0]")), (2, 3));
    let tree = parse("a:\n  b:");
    assert_eq!(position(at(&tree, "a.b")), (2, 3));
}

fn plain(text: &str) -> Value {
    parse(&format!("v: {text}\n"))
        .get("v")
        .expect("v")
        .value
        .clone()
}

#[test]
fn plain_scalars_resolve_like_yaml_v3() {
    use Value::{Bool, Float, Int, Null};
    let string = |text: &str| Value::String(text.to_owned());
    let cases = [
        ("null", Null),
        ("Null", Null),
        ("NULL", Null),
        ("~", Null),
        ("nUll", string("nUll")),
        ("true", Bool(true)),
        ("True", Bool(true)),
        ("TRUE", Bool(true)),
        ("false", Bool(false)),
        ("False", Bool(false)),
        ("FALSE", Bool(false)),
        ("yes", string("yes")),
        ("no", string("no")),
        ("on", string("on")),
        ("off", string("off")),
        ("y", string("y")),
        ("0", Int(0)),
        ("-0", Int(0)),
        ("+5", Int(5)),
        ("42", Int(42)),
        ("0x1F", Int(31)),
        ("0X1f", Int(31)),
        ("0o17", Int(15)),
        ("0O17", Int(15)),
        ("-0o17", Int(-15)),
        ("0b101", Int(5)),
        ("-0b101", Int(-5)),
        ("0777", Int(511)),
        ("00", Int(0)),
        ("0_7", Int(7)),
        ("1_000", Int(1000)),
        ("1__2", Int(12)),
        ("+0x10", Int(16)),
        ("-0x10", Int(-16)),
        ("9223372036854775807", Int(i64::MAX)),
        ("-9223372036854775808", Int(i64::MIN)),
        ("08", Float(8.0)),
        ("09", Float(9.0)),
        ("0o", string("0o")),
        ("0b", string("0b")),
        ("0x", string("0x")),
        ("0xFFFFFFFFFFFFFFFFF", string("0xFFFFFFFFFFFFFFFFF")),
        ("18446744073709551616", Float(18_446_744_073_709_551_616.0)),
        ("-9223372036854775809", Float(-9_223_372_036_854_775_809.0)),
        ("1.5", Float(1.5)),
        ("1e3", Float(1000.0)),
        ("1E3", Float(1000.0)),
        ("1.", Float(1.0)),
        ("1.e3", Float(1000.0)),
        (".5", Float(0.5)),
        ("-.5", Float(-0.5)),
        (".5e1", Float(5.0)),
        ("1.5e-3", Float(0.0015)),
        ("1_000.5", Float(1000.5)),
        (".inf", Float(f64::INFINITY)),
        ("-.Inf", Float(f64::NEG_INFINITY)),
        ("+.INF", Float(f64::INFINITY)),
        ("1e400", string("1e400")),
        ("._5", string("._5")),
        ("0x1p3", string("0x1p3")),
        ("Infinity", string("Infinity")),
        ("+", string("+")),
        (".", string(".")),
        ("1e", string("1e")),
        ("1.5.6", string("1.5.6")),
        ("80:80", string("80:80")),
        ("<<", string("<<")),
    ];
    for (text, expected) in cases {
        assert_eq!(plain(text), expected, "resolving `{text}`");
    }
    assert!(matches!(plain(".nan"), Float(number) if number.is_nan()));
    assert!(matches!(plain(".NaN"), Float(number) if number.is_nan()));
}

#[test]
fn quoted_and_block_scalars_are_strings() {
    let tree = parse("a: '80'\nb: \"true\"\nc: ''\nd: |\n  null\ne: >-\n  1\n  2\n");
    assert_eq!(at(&tree, "a").as_str(), Some("80"));
    assert_eq!(at(&tree, "b").as_str(), Some("true"));
    assert_eq!(at(&tree, "c").as_str(), Some(""));
    assert_eq!(at(&tree, "d").as_str(), Some("null\n"));
    assert_eq!(at(&tree, "e").as_str(), Some("1 2"));
}

#[test]
fn core_tags_are_honoured() {
    let tree = parse(
        "a: !!str 80\nb: !!int \"80\"\nc: !!float 1\nd: !!bool \"true\"\ne: !!null \"\"\nf: !!str\ng: !!float \"1e3\"\nh: !!str null\ni: !!map {x: 1}\nj: !!seq [1]\nk: ! 80\n",
    );
    assert_eq!(at(&tree, "a").value, Value::String("80".into()));
    assert_eq!(at(&tree, "b").value, Value::Int(80));
    assert_eq!(at(&tree, "c").value, Value::Float(1.0));
    assert_eq!(at(&tree, "d").value, Value::Bool(true));
    assert_eq!(at(&tree, "e").value, Value::Null);
    assert_eq!(at(&tree, "f").value, Value::String(String::new()));
    assert_eq!(at(&tree, "g").value, Value::Float(1000.0));
    assert_eq!(at(&tree, "h").value, Value::String("null".into()));
    assert!(at(&tree, "i").as_map().is_some());
    assert_eq!(at(&tree, "j").as_seq().map(<[Node]>::len), Some(1));
    assert_eq!(at(&tree, "k").value, Value::Int(80));
    let wrong = error("a:\n  b: !!int abc\n");
    assert_eq!(wrong.message, "cannot decode !!str `abc` as a !!int");
    assert_eq!((wrong.span.line, wrong.span.column), (2, 12));
    assert_eq!(
        error("a: !!bool yes\n").message,
        "cannot decode !!str `yes` as a !!bool"
    );
}

#[test]
fn compose_and_custom_tags() {
    let tree = parse(
        "a: !reset\nb: !reset [1]\nc: !override\n  x: 1\nd: !override [2]\ne: !override 12\nf: !custom 80\ng: !custom true\nh: !custom\ni: !custom {x: 1}\nj: !reset null\n",
    );
    assert_eq!(at(&tree, "a").tag, Some(Tag::Reset));
    assert!(at(&tree, "a").is_null());
    assert_eq!(at(&tree, "b").tag, Some(Tag::Reset));
    assert_eq!(at(&tree, "c").tag, Some(Tag::Override));
    assert!(at(&tree, "c").as_map().is_some());
    assert_eq!(at(&tree, "d").tag, Some(Tag::Override));
    // yaml.v3 cannot resolve a scalar with an unknown tag: it stays a string.
    assert_eq!(at(&tree, "e").value, Value::String("12".into()));
    assert_eq!(at(&tree, "e").tag, Some(Tag::Override));
    assert_eq!(at(&tree, "f").value, Value::String("80".into()));
    assert_eq!(at(&tree, "f").tag, None);
    assert_eq!(at(&tree, "g").value, Value::String("true".into()));
    assert_eq!(at(&tree, "h").value, Value::String(String::new()));
    assert!(at(&tree, "i").as_map().is_some());
    assert_eq!(at(&tree, "i").tag, None);
    assert!(at(&tree, "j").is_null());
    assert_eq!(at(&tree, "j").tag, Some(Tag::Reset));
}

#[test]
fn aliases_copy_the_anchored_node_with_its_spans_and_tags() {
    let text = "\
x-base: &base
  image: busybox
  ports: !override
    - 80
x-list: &list [a, b]
x-name: &name web
services:
  web: *base
  other:
    command: *list
    container_name: *name
";
    let tree = parse(text);
    let web = at(&tree, "services.web");
    assert_eq!(web.get("image").and_then(Node::as_str), Some("busybox"));
    assert_eq!(position(web), (2, 3));
    assert_eq!(position(at(web, "image")), (2, 10));
    assert_eq!(at(web, "ports").tag, Some(Tag::Override));
    assert_eq!(strings(at(&tree, "services.other.command")), ["a", "b"]);
    assert_eq!(
        at(&tree, "services.other.container_name").as_str(),
        Some("web")
    );
    assert_eq!(
        position(at(&tree, "services.other.container_name")),
        (6, 15)
    );
}

#[test]
fn merge_keys_follow_yaml_v3_precedence() {
    // Expected maps are the reference's `config` output for the same file.
    let text = "\
x-a: &a
  p: a1
  q: a2
x-b: &b
  q: b2
  r: b3
m1:
  <<: [*a, *b]
  p: local
m2:
  p: local
  <<: *b
m3:
  <<: {s: inline}
m4:
  <<: [*b, *a]
m5:
  \"<<\": quoted
m6:
  <<: *a
  <<k: 1
";
    let tree = parse(text);
    let pairs = |path: &str| -> Vec<(String, String)> {
        let mut pairs: Vec<(String, String)> = at(&tree, path)
            .as_map()
            .expect("mapping")
            .iter()
            .map(|(key, entry)| (key.clone(), format!("{:?}", entry.value.to_json())))
            .collect();
        pairs.sort();
        pairs
    };
    let expect = |items: &[(&str, &str)]| -> Vec<(String, String)> {
        items
            .iter()
            .map(|(key, value)| ((*key).to_owned(), format!("String({value:?})")))
            .collect()
    };
    assert_eq!(
        pairs("m1"),
        expect(&[("p", "local"), ("q", "a2"), ("r", "b3")])
    );
    assert_eq!(
        pairs("m2"),
        expect(&[("p", "local"), ("q", "b2"), ("r", "b3")])
    );
    assert_eq!(pairs("m3"), expect(&[("s", "inline")]));
    assert_eq!(
        pairs("m4"),
        expect(&[("p", "a1"), ("q", "b2"), ("r", "b3")])
    );
    assert_eq!(pairs("m5"), expect(&[("<<", "quoted")]));
    assert_eq!(at(&tree, "m6.<<k").value, Value::Int(1));
    assert_eq!(at(&tree, "m6.p").as_str(), Some("a1"));
    // Merged entries keep the anchor's positions.
    assert_eq!(key_position(&tree, "m1.q"), (3, 3));
    // Merged keys take the place of `<<`.
    let keys: Vec<&String> = at(&tree, "m2").as_map().expect("mapping").keys().collect();
    assert_eq!(keys, ["p", "q", "r"]);
}

#[test]
fn tags_survive_merge_keys() {
    let tree = parse(
        "x-base: &base\n  image: !reset\n  ports: !override [80]\nservices:\n  web:\n    <<: *base\n    command: run\n",
    );
    assert_eq!(at(&tree, "services.web.image").tag, Some(Tag::Reset));
    assert_eq!(at(&tree, "services.web.ports").tag, Some(Tag::Override));
    let tree = parse("x: &x !override\n  v: 1\ny:\n  w: *x\n");
    assert_eq!(at(&tree, "y.w").tag, Some(Tag::Override));
}

#[test]
fn bad_merge_values_are_errors() {
    let failure = error("a:\n  <<: 5\n");
    assert_eq!(
        failure.message,
        "map merge requires map or sequence of maps as the value"
    );
    assert_eq!((failure.span.line, failure.span.column), (2, 7));
    assert!(
        error("x: &x [1]\na:\n  <<: [*x]\n")
            .message
            .starts_with("map merge requires")
    );
}

#[test]
fn duplicate_keys_are_errors_at_the_second_key() {
    let failure = error("services:\n  web:\n    image: x\n    image: y\n");
    assert_eq!(
        failure.message,
        "mapping key `image` already defined at line 3"
    );
    assert_eq!((failure.span.line, failure.span.column), (4, 5));
    // compose-go compares the raw text of keys, and `<<` counts too.
    assert!(
        error("a:\n  1: x\n  \"1\": y\n")
            .message
            .contains("already defined")
    );
    assert!(
        error("x: &x {a: 1}\ny:\n  <<: *x\n  <<: *x\n")
            .message
            .contains("`<<` already defined at line 3")
    );
    // The same key in different mappings is fine.
    parse("a:\n  x: 1\nb:\n  x: 2\n");
}

#[test]
fn non_string_keys_are_errors_like_the_reference() {
    let failure = error("services:\n  web:\n    labels:\n      80: a\n");
    assert_eq!(
        failure.message,
        "non-string key in `services.web.labels`: `80`"
    );
    assert_eq!((failure.span.line, failure.span.column), (4, 7));
    assert_eq!(
        error("true: 1\n").message,
        "non-string key at top level: `true`"
    );
    assert_eq!(
        error("a:\n  - x: 1\n    ~: 2\n").message,
        "non-string key in `a[0]`: `~`"
    );
    assert!(error("? [a]\n: 1\n").message.contains("a sequence"));
    // Quoted, tagged and plain text keys are strings.
    let tree = parse("\"80\": a\n!!str 81: b\n!custom 82: c\nyes: d\n");
    assert_eq!(tree.as_map().map(indexmap::IndexMap::len), Some(4));
    assert!(tree.get("82").is_some());
}

#[test]
fn several_documents() {
    let documents = parse_documents(
        "a: 1\n---\nb: 2\n...\n---\n# comment\nc: &x 3\n",
        SourceId(3),
    )
    .expect("documents");
    assert_eq!(documents.len(), 3);
    assert_eq!(at(&documents[1], "b").value, Value::Int(2));
    assert_eq!(position(at(&documents[1], "b")), (3, 4));
    assert_eq!(position(&documents[2]), (7, 1));
    assert_eq!(documents[2].span.source, SourceId(3));
    // parse_document keeps the first.
    assert_eq!(parse("a: 1\n---\nb: 2\n").get("b"), None);
    // Anchors are local to their document.
    let failure = error("a: &x 1\n---\nb: *x\n");
    assert_eq!(
        failure.message,
        "invalid YAML: unknown anchor `x` referenced"
    );
    assert_eq!((failure.span.line, failure.span.column), (3, 4));
}

#[test]
fn empty_files_and_documents() {
    for text in ["", "# only a comment\n", "\n\n"] {
        assert!(
            parse_documents(text, SourceId(0))
                .expect("empty")
                .is_empty()
        );
        assert_eq!(parse(text).as_map().map(indexmap::IndexMap::len), Some(0));
    }
    // An explicit empty document is null: the reference refuses it.
    for text in ["---\n", "a: 1\n---\n", "a: 1\n--- # c\n# d\n"] {
        assert_eq!(error(text).message, "top-level object must be a mapping");
    }
    let failure = error("a: 1\n---\n- a\n");
    assert_eq!(failure.message, "top-level object must be a mapping");
    assert_eq!((failure.span.line, failure.span.column), (3, 1));
    assert_eq!(
        error("just text\n").message,
        "top-level object must be a mapping"
    );
    assert_eq!(parse("{}\n").as_map().map(indexmap::IndexMap::len), Some(0));
}

#[test]
fn alias_bomb_is_refused_quickly() {
    let bomb = "\
a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
";
    let started = Instant::now();
    let failure = error(bomb);
    let elapsed = started.elapsed();
    assert!(failure.message.contains("through aliases (an alias bomb?)"));
    // a..f expand to ~670,000 values; the first `*f` of `g` crosses the budget.
    assert_eq!((failure.span.line, failure.span.column), (7, 8));
    assert!(
        failure
            .hint
            .as_deref()
            .is_some_and(|hint| hint.contains("`*f`"))
    );
    // Generous for unoptimised test builds on a busy machine; release takes a few ms.
    assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
}

#[test]
fn recursive_aliases_and_deep_nesting_are_errors() {
    let failure = error("a: &x [*x]\n");
    assert_eq!(
        failure.message,
        "alias `*x` is used inside the node it refers to"
    );
    let deep = format!("a: {}{}\n", "[".repeat(200), "]".repeat(200));
    parse(&deep);
    let block = nested_keys(MAX_DEPTH + 5, 0);
    let failure = error(&block);
    assert!(failure.message.contains("nests deeper than"), "{failure:?}");
    assert_eq!(
        failure.span.line,
        u32::try_from(MAX_DEPTH + 1).expect("fits")
    );
    // Depth through aliases counts too.
    let nested = nested_keys(600, 2);
    let text = format!("a: &a\n{nested}b:\n{}\n", indent_alias(600));
    assert!(error(&text).message.contains("nests deeper than"));
}

/// `levels` lines `k:`, each indented one more space than the last.
fn nested_keys(levels: usize, indent: usize) -> String {
    let mut text = String::new();
    for depth in 0..levels {
        text.push_str(&" ".repeat(depth + indent));
        text.push_str("k:\n");
    }
    text
}

/// 600 levels of mapping ending in `*a` (which is itself 600 deep).
fn indent_alias(levels: usize) -> String {
    let mut text = nested_keys(levels, 2);
    text.push_str(&" ".repeat(levels + 2));
    text.push_str("k: *a");
    text
}

#[test]
fn syntax_errors_have_positions_and_hints() {
    let cases: [(&str, &str, u32); 6] = [
        (
            "services:\n\tweb:\n    image: x\n",
            "tabs disallowed within this context (block indentation)",
            2,
        ),
        (
            "services:\n  web:\n    image: \"x\n",
            "found unexpected end of stream",
            3,
        ),
        (
            "services:\n  web:\n    image: x\n   b: 1\n",
            "did not find expected key",
            4,
        ),
        ("services: ]\n", "did not find expected node content", 1),
        (
            "services: {a: {image: x}\n",
            "did not find expected ',' or '}'",
            1,
        ),
        (
            "a: b: c\n",
            "mapping values are not allowed in this context",
            1,
        ),
    ];
    for (text, expected, line) in cases {
        let failure = error(text);
        assert_eq!(
            failure.message,
            format!("invalid YAML: {expected}"),
            "{text:?}"
        );
        assert_eq!(failure.span.line, line, "{text:?}");
        assert!(failure.span.column >= 1);
    }
    let tabs = error("services:\n\tweb:\n");
    assert_eq!(
        (tabs.span.line, tabs.span.column),
        (2, 1),
        "at the tab itself"
    );
    assert_eq!(
        tabs.hint.as_deref(),
        Some("YAML indentation must use spaces, not tabs")
    );
}

#[test]
fn garbage_input_never_panics() {
    let inputs = [
        "\"unterminated",
        "'unterminated\nmore",
        "a: [1, 2",
        "a: {b: 1",
        "]",
        "}",
        "- a\nb: c",
        "a:\n  - b\n c: d",
        "\t- a",
        "a: *",
        "a: &",
        "&a",
        "*a",
        "? ",
        ": :",
        "a: |\n\tx",
        "a: >-2\n x",
        "%YAML 1.2\n%YAML 1.2\n---\na: 1",
        "--- !<tag:x> [",
        "a: \"\\q\"",
        "a: \"\\u12\"",
        "[[[[[[[[[[[[[[[[",
        "a: b\n---\n]",
    ];
    for input in inputs {
        let started = Instant::now();
        let result = parse_documents(input, SourceId(0));
        assert!(started.elapsed() < Duration::from_secs(1));
        let failure = result.expect_err(input);
        let line_count = u32::try_from(input.lines().count().max(1)).expect("fits");
        assert!(
            (1..=line_count).contains(&failure.span.line) && failure.span.column >= 1,
            "{input:?} → {failure:?}"
        );
        assert!(!failure.message.is_empty());
    }
}

#[test]
fn realistic_compose_file() {
    let text = "\
x-logging: &logging
  driver: json-file
  options:
    max-size: \"10m\"

services:
  web:
    image: nginx:1.25
    ports:
      - \"8080:80\"
    logging: *logging
    environment:
      DEBUG: \"false\"
      WORKERS: 4
    healthcheck:
      test: [\"CMD\", \"curl\", \"-f\", \"http://localhost\"]
      interval: 30s
    depends_on:
      - db
  db:
    image: postgres
    <<: {restart: always}
volumes:
  data:
";
    let tree = parse(text);
    assert_eq!(
        at(&tree, "services.web.logging.options.max-size").as_str(),
        Some("10m")
    );
    assert_eq!(
        at(&tree, "services.web.environment.WORKERS").value,
        Value::Int(4)
    );
    assert_eq!(at(&tree, "services.db.restart").as_str(), Some("always"));
    assert!(at(&tree, "volumes.data").is_null());
    assert_eq!(position(at(&tree, "volumes.data")), (24, 3));
    assert_eq!(
        strings(at(&tree, "services.web.healthcheck.test"))[3],
        "http://localhost"
    );
}
