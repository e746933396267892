//! A simulated Proxmox VE per test: `scripts/pve-sim` (fakepve, seeded with the homelab and
//! Talos stacks) on a free loopback port, its own certificate and token, stopped when dropped.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use atlas_pve::{Auth, PveSpec, Trust};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// One simulator, stopped when dropped.
pub struct Sim {
    child: Child,
    pub dir: tempfile::TempDir,
    pub url: String,
    pub control: String,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn python() -> PathBuf {
    std::env::var_os("ATLAS_PVE_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let sb = std::env::var("ATLAS_SANDBOX_DIR")
                .unwrap_or_else(|_| "/var/tmp/atlas-sandbox".into());
            PathBuf::from(sb).join("pve-venv/bin/python")
        })
}

impl Sim {
    /// Starts a simulator whose tasks take `time_scale` real seconds per PVE second.
    pub fn start(time_scale: f64) -> Sim {
        atlas_net::install_crypto_provider();
        let dir = tempfile::tempdir().unwrap();
        let child = Command::new(python())
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/pve-sim"))
            .args(["--dir"])
            .arg(dir.path())
            .args(["--port", "0", "--time-scale", &time_scale.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the simulator starts (scripts/sandbox up installs fakepve)");
        let ports = dir.path().join("ports.json");
        let deadline = Instant::now() + Duration::from_secs(30);
        let v: serde_json::Value = loop {
            if let Ok(text) = std::fs::read_to_string(&ports)
                && let Ok(v) = serde_json::from_str(&text)
            {
                break v;
            }
            assert!(
                Instant::now() < deadline,
                "the simulator wrote no ports.json"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        Sim {
            child,
            url: v["url"].as_str().unwrap().to_string(),
            control: v["control"].as_str().unwrap().to_string(),
            dir,
        }
    }

    pub fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name))
            .unwrap()
            .trim()
            .to_string()
    }

    pub fn pinned(&self) -> Trust {
        let c = CertificateDer::from_pem_file(self.dir.path().join("pve.crt")).unwrap();
        Trust::Pinned(atlas_net::Pin::Certificate(c))
    }

    /// A spec with the API token and the pinned certificate.
    pub fn spec(&self) -> PveSpec {
        PveSpec {
            name: "pve".into(),
            url: self.url.clone(),
            auth: Auth::Token {
                id: "atlas@pve!tui".into(),
                secret: self.file("token"),
            },
            trust: self.pinned(),
            production: false,
        }
    }

    /// Injects a fault (or changes a guest) through the simulator's control port.
    pub async fn control(&self, what: &str, params: &[(&str, &str)]) {
        let r = reqwest::Client::new()
            .post(format!("{}/{what}", self.control))
            .query(params)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "control {what}: {}", r.status());
    }
}

/// The snapshot names of a guest (`/nodes/{n}/{qemu|lxc}/{vmid}`), PVE's `current` left out.
pub async fn snapshots(client: &atlas_pve::PveClient, path: &str) -> Vec<String> {
    client
        .get_value(&format!("{path}/snapshot"))
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["name"].as_str().map(String::from))
        .filter(|n| n != "current")
        .collect()
}
