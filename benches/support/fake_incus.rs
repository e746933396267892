//! A synthetic Incus server for benchmarks at a scale the sandbox's disk and time do not allow:
//! answers built from ones captured from the sandbox incusd (`benches/fixtures/`), the fleet
//! being one captured busybox instance copied `n` times under other names and ids, served over
//! HTTP/1.1 on a real unix socket (so the client's I/O and decoding are counted). `/1.0/events`
//! is a websocket that stays quiet. Every request is counted, for what an idle console asks.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/fixtures");

fn fixture(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The name of the `i`th instance.
pub fn name(i: usize) -> String {
    format!("s{i:05}")
}

/// What was asked of the server: requests and bytes sent, by path without the query.
#[derive(Default)]
pub struct Counts {
    pub requests: AtomicU64,
    pub bytes: AtomicU64,
    pub by_path: Mutex<BTreeMap<String, u64>>,
}

pub struct FakeIncus {
    pub socket: PathBuf,
    pub counts: Arc<Counts>,
    /// The raw `recursion=1` and `recursion=2` bodies, for their size.
    pub r1_len: usize,
    pub r2_len: usize,
}

/// One instance of the fleet, from a captured one: its name, ids and project replaced.
fn instance(template: &Value, i: usize) -> Value {
    let mut v = template.clone();
    let n = name(i);
    let uuid = format!("{:08x}-0000-4000-8000-{:012x}", i as u32, i as u64 * 7919);
    v["name"] = json!(n);
    v["project"] = json!("default");
    for map in ["config", "expanded_config"] {
        if let Some(c) = v[map].as_object_mut() {
            for k in [
                "volatile.uuid",
                "volatile.uuid.generation",
                "volatile.cloud-init.instance-id",
            ] {
                if c.contains_key(k) {
                    c.insert(k.into(), json!(uuid));
                }
            }
        }
    }
    v
}

fn envelope(metadata: &Value) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "type": "sync", "status": "Success", "status_code": 200,
        "operation": "", "error_code": 0, "error": "", "metadata": metadata,
    }))
    .unwrap()
}

fn not_found() -> Vec<u8> {
    serde_json::to_vec(&json!({
        "type": "error", "status": "", "status_code": 0,
        "operation": "", "error_code": 404, "error": "Not Found", "metadata": null,
    }))
    .unwrap()
}

/// A list body built without holding the whole list as JSON values.
fn list_body(n: usize, template: &Value) -> Vec<u8> {
    let mut out = br#"{"type":"sync","status":"Success","status_code":200,"operation":"","error_code":0,"error":"","metadata":["#.to_vec();
    for i in 0..n {
        if i > 0 {
            out.push(b',');
        }
        serde_json::to_writer(&mut out, &instance(template, i)).unwrap();
    }
    out.extend_from_slice(b"]}");
    out
}

struct Answers {
    n: usize,
    r1: Vec<u8>,
    r2: Vec<u8>,
    r2_template: Value,
    fixed: BTreeMap<&'static str, Vec<u8>>,
}

impl Answers {
    fn new(n: usize) -> Answers {
        let r1t = fixture("instance_r1.json");
        let r2t = fixture("instance_r2.json");
        let mut server = fixture("server.json");
        server["environment"]["server_name"] = json!("atlas01");
        let mut fixed = BTreeMap::new();
        fixed.insert("/1.0", envelope(&server));
        fixed.insert("/1.0/projects", envelope(&json!(["/1.0/projects/default"])));
        fixed.insert("/1.0/cluster", envelope(&fixture("cluster.json")));
        fixed.insert("/1.0/cluster/members", envelope(&fixture("members.json")));
        fixed.insert(
            "/1.0/cluster/members/atlas01/state",
            envelope(&fixture("member_state.json")),
        );
        fixed.insert("/1.0/resources", envelope(&fixture("resources.json")));
        fixed.insert(
            "/1.0/storage-pools",
            envelope(&json!(["/1.0/storage-pools/default"])),
        );
        fixed.insert(
            "/1.0/storage-pools/default/volumes/custom",
            envelope(&json!([])),
        );
        // Each instance's own volume (the captured one has no snapshots).
        let volumes: Vec<String> = (0..n)
            .map(|i| format!("/1.0/storage-pools/default/volumes/container/{}", name(i)))
            .collect();
        fixed.insert(
            "/1.0/storage-pools/default/volumes/container",
            envelope(&json!(volumes)),
        );
        fixed.insert(
            "/1.0/storage-pools/default/volumes/virtual-machine",
            envelope(&json!([])),
        );
        Answers {
            n,
            r1: list_body(n, &r1t),
            r2: list_body(n, &r2t),
            r2_template: r2t,
            fixed,
        }
    }

    /// The body for a path (with query), and whether it exists.
    fn answer(&self, target: &str) -> (u16, std::borrow::Cow<'_, [u8]>) {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        if path == "/1.0/instances" {
            return if query.contains("recursion=2") {
                (200, self.r2.as_slice().into())
            } else {
                (200, self.r1.as_slice().into())
            };
        }
        if let Some(rest) = path.strip_prefix("/1.0/instances/") {
            let (n, sub) = rest.split_once('/').unwrap_or((rest, ""));
            if let Some(i) = n.strip_prefix('s').and_then(|d| d.parse::<usize>().ok())
                && i < self.n
            {
                let inst = instance(&self.r2_template, i);
                return match sub {
                    "" => (200, envelope(&inst).into()),
                    "state" => (200, envelope(&inst["state"]).into()),
                    _ => (404, not_found().into()),
                };
            }
            return (404, not_found().into());
        }
        if path == "/1.0/metrics" {
            return (200, b"# EOF\n".to_vec().into());
        }
        match self.fixed.get(path) {
            Some(b) => (200, b.as_slice().into()),
            None => (404, not_found().into()),
        }
    }
}

impl FakeIncus {
    /// Serves a fleet of `n` instances on a socket in `dir`.
    pub fn start(dir: &Path, n: usize) -> FakeIncus {
        let answers = Arc::new(Answers::new(n));
        let socket = dir.join("incus.socket");
        let _ = std::fs::remove_file(&socket);
        let listener = UnixListener::bind(&socket).unwrap();
        let counts = Arc::new(Counts::default());
        let fake = FakeIncus {
            socket,
            counts: counts.clone(),
            r1_len: answers.r1.len(),
            r2_len: answers.r2.len(),
        };
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let answers = answers.clone();
                let counts = counts.clone();
                std::thread::spawn(move || serve(conn, &answers, &counts));
            }
        });
        fake
    }

    /// A client configuration directory (`INCUS_CONF`) with this server as remote `scale`.
    pub fn conf(&self, dir: &Path) -> PathBuf {
        let conf = dir.join("incus-conf");
        std::fs::create_dir_all(&conf).unwrap();
        std::fs::write(
            conf.join("config.yml"),
            format!(
                "default-remote: scale\nremotes:\n  scale:\n    addr: unix://{}\n    public: false\n",
                self.socket.display()
            ),
        )
        .unwrap();
        conf
    }

    /// Requests served so far.
    pub fn requests(&self) -> u64 {
        self.counts.requests.load(Ordering::Relaxed)
    }

    pub fn bytes(&self) -> u64 {
        self.counts.bytes.load(Ordering::Relaxed)
    }
}

fn serve(conn: UnixStream, answers: &Answers, counts: &Counts) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut conn = conn;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let target = line.split_whitespace().nth(1).unwrap_or("/").to_string();
        let mut headers = BTreeMap::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
            }
        }
        if let Some(len) = headers
            .get("content-length")
            .and_then(|l| l.parse::<u64>().ok())
        {
            let _ = std::io::copy(&mut (&mut reader).take(len), &mut std::io::sink());
        }
        counts.requests.fetch_add(1, Ordering::Relaxed);
        let path = target.split('?').next().unwrap_or("").to_string();
        *counts
            .by_path
            .lock()
            .unwrap()
            .entry(path.clone())
            .or_default() += 1;
        if path == "/1.0/events" {
            let key = headers
                .get("sec-websocket-key")
                .cloned()
                .unwrap_or_default();
            let accept =
                tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
            let _ = write!(
                conn,
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
            );
            // Quiet, as an idle incusd: no event, but every ping answered (the console takes a
            // stream that answers nothing for a silent link and connects again).
            answer_pings(&mut reader, &mut conn);
            return;
        }
        let (status, body) = answers.answer(&target);
        counts.bytes.fetch_add(body.len() as u64, Ordering::Relaxed);
        let reason = if status == 200 { "OK" } else { "Not Found" };
        if write!(
            conn,
            "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .and_then(|_| conn.write_all(&body))
        .is_err()
        {
            return;
        }
    }
}

/// Reads the client's websocket frames until it goes, answering each ping with a pong (its
/// payload unmasked), as incusd does.
fn answer_pings(reader: &mut impl std::io::Read, conn: &mut impl std::io::Write) {
    let mut head = [0u8; 2];
    while reader.read_exact(&mut head).is_ok() {
        let opcode = head[0] & 0x0f;
        let masked = head[1] & 0x80 != 0;
        let len = match head[1] & 0x7f {
            126 => {
                let mut b = [0u8; 2];
                if reader.read_exact(&mut b).is_err() {
                    return;
                }
                u16::from_be_bytes(b) as usize
            }
            127 => {
                let mut b = [0u8; 8];
                if reader.read_exact(&mut b).is_err() {
                    return;
                }
                u64::from_be_bytes(b) as usize
            }
            n => n as usize,
        };
        let mut mask = [0u8; 4];
        if masked && reader.read_exact(&mut mask).is_err() {
            return;
        }
        let mut payload = vec![0u8; len];
        if reader.read_exact(&mut payload).is_err() {
            return;
        }
        if masked {
            for (i, b) in payload.iter_mut().enumerate() {
                *b ^= mask[i % 4];
            }
        }
        match opcode {
            // A ping: a pong with its payload (control frames carry at most 125 bytes).
            0x9 => {
                let mut frame = vec![0x8a, payload.len().min(125) as u8];
                frame.extend_from_slice(&payload[..payload.len().min(125)]);
                if conn.write_all(&frame).and_then(|()| conn.flush()).is_err() {
                    return;
                }
            }
            0x8 => return,
            _ => {}
        }
    }
}
