//! Decoding survives real answers: answers captured from the sandbox's incusd, Alertmanagers and
//! Prometheus (one of them while an instance was being created, with `config`, `devices`,
//! `profiles` and `state` null), with fields randomly nulled, dropped and retyped. Decoding never
//! panics, never loses an item that was left alone, and an item whose fields were only nulled or
//! dropped (its identity left) still decodes: `null` is absent. The streaming decoder the Incus
//! client reads lists with keeps exactly the items the list decoder keeps.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the test failing

use std::collections::BTreeSet;

use atlas_tui::alerts::types::{Alert, Silence};
use atlas_tui::decode;
use atlas_tui::incus::client::parse_list;
use atlas_tui::incus::types::{ClusterMember, Instance, StorageVolume};
use proptest::prelude::*;
use serde_json::Value;

fn fixture(name: &str) -> Value {
    let bytes = std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// The list inside an answer: Incus's `metadata`, Prometheus's `data.alerts`, or the answer.
fn items(v: &Value) -> Vec<Value> {
    let list = v
        .get("metadata")
        .or_else(|| v.get("data").and_then(|d| d.get("alerts")))
        .unwrap_or(v);
    list.as_array().cloned().unwrap_or_default()
}

#[test]
fn the_during_creation_shape_decodes_whole() {
    let body = std::fs::read(format!(
        "{}/tests/fixtures/instances_r2_during_create.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let (list, skipped) = parse_list::<Instance>("/1.0/instances", 200, &body).unwrap();
    assert!(skipped.is_empty(), "{skipped:?}");
    let odd = list.iter().find(|i| i.name == "capture01").unwrap();
    assert_eq!(odd.status, "Error");
    assert!(odd.config.is_empty() && odd.state.is_none() && odd.snapshots.is_none());
    assert!(
        list.iter()
            .any(|i| i.name == "grafana01" && i.state.is_some())
    );
}

#[derive(Debug, Clone, Copy)]
enum Mutation {
    Null,
    Drop,
    Retype,
}

/// Every path (object keys and array indices) inside a value.
fn paths(v: &Value, prefix: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                prefix.push(Value::String(k.clone()));
                out.push(prefix.clone());
                paths(x, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                prefix.push(Value::from(i));
                out.push(prefix.clone());
                paths(x, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

fn mutate(v: &mut Value, path: &[Value], m: Mutation) {
    let Some((last, head)) = path.split_last() else {
        return;
    };
    let mut cur = v;
    for p in head {
        cur = match (cur, p) {
            (Value::Object(o), Value::String(k)) => match o.get_mut(k) {
                Some(x) => x,
                None => return,
            },
            (Value::Array(a), Value::Number(n)) => {
                match a.get_mut(n.as_u64().unwrap_or(0) as usize) {
                    Some(x) => x,
                    None => return,
                }
            }
            _ => return,
        };
    }
    let slot = match (cur, last) {
        (Value::Object(o), Value::String(k)) => {
            if let Mutation::Drop = m {
                o.remove(k);
                return;
            }
            o.get_mut(k)
        }
        (Value::Array(a), Value::Number(n)) => {
            let i = n.as_u64().unwrap_or(0) as usize;
            if let Mutation::Drop = m {
                if i < a.len() {
                    a.remove(i);
                }
                return;
            }
            a.get_mut(i)
        }
        _ => None,
    };
    if let Some(x) = slot {
        *x = match m {
            Mutation::Null => Value::Null,
            Mutation::Retype => match x {
                Value::String(_) => Value::from(7),
                Value::Number(_) => Value::from("seven"),
                Value::Bool(_) => Value::from("yes"),
                Value::Array(_) => Value::from("not a list"),
                Value::Object(_) => Value::from(["not", "a", "map"]),
                Value::Null => Value::Bool(true),
            },
            Mutation::Drop => unreachable!(),
        };
    }
}

/// One kind of captured answer: how to decode it, what names an item, and the fields an item
/// cannot do without (nulling or dropping them may cost the item).
struct Case {
    fixture: &'static str,
    identity: fn(&Value) -> Option<String>,
    required: &'static [&'static str],
    decode: fn(Value) -> Vec<String>,
}

fn by(field: &'static str) -> impl Fn(&Value) -> Option<String> {
    move |v| v.get(field).and_then(Value::as_str).map(str::to_string)
}

fn cases() -> Vec<Case> {
    /// The names the list decoder keeps, checked to be the ones the envelope decoder keeps,
    /// from a reader and from the whole answer (as the Incus client reads answers).
    fn names<T: serde::de::DeserializeOwned>(v: Value, id: fn(&T) -> String) -> Vec<String> {
        let text = serde_json::json!({"type": "sync", "metadata": v.clone()}).to_string();
        let mut streamed = vec![];
        let head = decode::envelope_list("/p", text.as_bytes(), |t: T| streamed.push(id(&t)))
            .expect("a well-formed answer");
        let listed: Vec<String> = decode::list::<T>("/p", v)
            .map(|(l, _)| l.iter().map(id).collect())
            .unwrap_or_default();
        assert_eq!(streamed, listed, "streamed and listed items differ");
        let mut sliced = vec![];
        decode::envelope_list_in("metadata", "/p", text.as_bytes(), |t: T| {
            sliced.push(id(&t))
        })
        .expect("a well-formed answer");
        assert_eq!(
            sliced, listed,
            "decoded from the slice and listed items differ"
        );
        assert!(head.not_a_list.is_none());
        listed
    }
    vec![
        Case {
            fixture: "instances_r2.json",
            identity: |v| by("name")(v),
            required: &["name"],
            decode: |v| names::<Instance>(v, |i| i.name.clone()),
        },
        Case {
            fixture: "instances_r2_during_create.json",
            identity: |v| by("name")(v),
            required: &["name"],
            decode: |v| names::<Instance>(v, |i| i.name.clone()),
        },
        Case {
            fixture: "members.json",
            identity: |v| by("server_name")(v),
            required: &["server_name"],
            decode: |v| names::<ClusterMember>(v, |m| m.server_name.clone()),
        },
        Case {
            fixture: "volumes.json",
            identity: |v| by("name")(v),
            required: &["name"],
            decode: |v| names::<StorageVolume>(v, |s| s.name.clone()),
        },
        Case {
            fixture: "am_control_alerts.json",
            identity: |v| by("fingerprint")(v),
            required: &["fingerprint"],
            decode: |v| names::<Alert>(v, |a| a.fingerprint.clone()),
        },
        Case {
            fixture: "am_control_silences.json",
            identity: |v| by("id")(v),
            required: &["id", "startsAt", "endsAt", "matchers"],
            decode: |v| names::<Silence>(v, |s| s.id.clone()),
        },
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("ATLAS_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(300),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn mutated_real_answers_keep_their_well_formed_items(
        picks in proptest::collection::vec((any::<u32>(), any::<u32>(), 0u8..3), 0..12),
    ) {
        for case in cases() {
            let mut list = items(&fixture(case.fixture));
            let ids: Vec<Option<String>> = list.iter().map(case.identity).collect();
            let mut touched = BTreeSet::new();
            let mut costly = BTreeSet::new();
            for (item, sel, kind) in &picks {
                if list.is_empty() {
                    break;
                }
                let i = *item as usize % list.len();
                let mut all = Vec::new();
                paths(&list[i], &mut Vec::new(), &mut all);
                if all.is_empty() {
                    continue;
                }
                let path = &all[*sel as usize % all.len()];
                let m = [Mutation::Null, Mutation::Drop, Mutation::Retype][*kind as usize];
                let first = path.first().and_then(Value::as_str).unwrap_or("");
                if matches!(m, Mutation::Retype) || case.required.contains(&first) {
                    costly.insert(i);
                }
                touched.insert(i);
                mutate(&mut list[i], path, m);
            }
            let got: BTreeSet<String> = (case.decode)(Value::Array(list)).into_iter().collect();
            for (i, id) in ids.iter().enumerate() {
                let Some(id) = id else { continue };
                if !costly.contains(&i) {
                    prop_assert!(
                        got.contains(id),
                        "{}: item {id} lost ({}): {:?}",
                        case.fixture,
                        if touched.contains(&i) { "only nulled or dropped fields" } else { "left alone" },
                        picks
                    );
                }
            }
        }
    }
}

/// Found by the property above: an item whose struct was given as a list holding a `null`
/// (`state.network.lo` = `["not", "a", null]`) was kept by the streaming decoders, which decode
/// an item as it is first, and lost by the list decoder, which dropped every `null` first (the
/// list then had one element too few). Both now decode an item as it is first.
#[test]
fn a_struct_given_as_a_list_with_a_null_is_decoded_alike_by_every_decoder() {
    let picks: [(u32, u32, u8); 2] = [(2780679928, 3322017094, 2), (564459056, 3814981621, 0)];
    for case in cases() {
        let mut list = items(&fixture(case.fixture));
        for (item, sel, kind) in &picks {
            let i = *item as usize % list.len();
            let mut all = Vec::new();
            paths(&list[i], &mut Vec::new(), &mut all);
            if all.is_empty() {
                continue;
            }
            let path = &all[*sel as usize % all.len()];
            mutate(
                &mut list[i],
                path,
                [Mutation::Null, Mutation::Drop, Mutation::Retype][*kind as usize],
            );
        }
        // `names` asserts that the streaming and list decoders keep the same items.
        (case.decode)(Value::Array(list));
    }
}
