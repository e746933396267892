//! Usage of running instances from `/1.0/metrics` (Prometheus text, parsed with
//! `prometheus-parse`): one call for every instance, far cheaper for incusd than a `/state` call
//! per instance.

use std::collections::BTreeMap;

use atlas_core::inventory::InstanceKind;
pub use atlas_core::inventory::UsageSample;

/// The usage samples in a metrics answer; lines that are not understood are left out.
pub fn parse_usage(text: &str) -> Vec<UsageSample> {
    let lines = text.lines().map(|l| Ok(l.to_string()));
    let Ok(scrape) = prometheus_parse::Scrape::parse(lines) else {
        return vec![];
    };
    #[derive(Default)]
    struct Acc {
        kind: String,
        cpu: f64,
        total: Option<f64>,
        free: Option<f64>,
        procs: Option<f64>,
        disk: Option<f64>,
        net: Option<f64>,
    }
    let mut by: BTreeMap<(String, String), Acc> = BTreeMap::new();
    for s in scrape.samples {
        let (Some(name), Some(project)) = (s.labels.get("name"), s.labels.get("project")) else {
            continue;
        };
        let v = match s.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => v,
            _ => continue,
        };
        if !v.is_finite() {
            continue;
        }
        let acc = by
            .entry((project.to_string(), name.to_string()))
            .or_default();
        if acc.kind.is_empty() {
            acc.kind = s.labels.get("type").unwrap_or_default().to_string();
        }
        match s.metric.as_str() {
            "incus_cpu_seconds_total" => acc.cpu += v,
            "incus_memory_MemTotal_bytes" => acc.total = Some(v),
            "incus_memory_MemFree_bytes" => acc.free = Some(v),
            "incus_procs_total" => acc.procs = Some(v),
            "incus_disk_read_bytes_total" | "incus_disk_written_bytes_total" => {
                *acc.disk.get_or_insert(0.0) += v
            }
            "incus_network_receive_bytes_total" | "incus_network_transmit_bytes_total"
                if s.labels.get("device") != Some("lo") =>
            {
                *acc.net.get_or_insert(0.0) += v
            }
            _ => {}
        }
    }
    by.into_iter()
        .map(|((project, name), a)| UsageSample {
            project,
            name,
            kind: if a.kind == "virtual-machine" {
                InstanceKind::VirtualMachine
            } else {
                InstanceKind::Container
            },
            cpu_ns: (a.cpu.max(0.0) * 1e9) as u64,
            memory: match (a.total, a.free) {
                (Some(t), Some(f)) if t >= f => (t - f) as u64,
                _ => 0,
            },
            processes: a.procs.map(|p| p as i64),
            disk_io: a.disk.map(|d| d.max(0.0) as u64),
            net_io: a.net.map(|n| n.max(0.0) as u64),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_cpu_and_derives_memory_per_instance() {
        let text = r#"# HELP incus_cpu_seconds_total The total number of CPU time used in seconds.
# TYPE incus_cpu_seconds_total counter
incus_cpu_seconds_total{cpu="0",mode="system",name="r00",project="bench-run",type="container"} 0.004
incus_cpu_seconds_total{cpu="0",mode="user",name="r00",project="bench-run",type="container"} 0.5
incus_cpu_seconds_total{cpu="1",mode="system",name="r00",project="bench-run",type="container"} 0.004
# TYPE incus_memory_MemFree_bytes gauge
incus_memory_MemFree_bytes{name="r00",project="bench-run",type="container"} 2.4683309568e+10
incus_memory_MemTotal_bytes{name="r00",project="bench-run",type="container"} 2.4683584e+10
incus_procs_total{name="r00",project="bench-run",type="container"} 1
incus_procs_total{name="vm1",project="default",type="virtual-machine"} 40
incus_network_receive_bytes_total{device="eth0",name="r00",project="bench-run",type="container"} 1000
incus_network_transmit_bytes_total{device="eth0",name="r00",project="bench-run",type="container"} 24
incus_network_receive_bytes_total{device="lo",name="r00",project="bench-run",type="container"} 7777
incus_disk_read_bytes_total{device="sda",name="vm1",project="default",type="virtual-machine"} 10
incus_disk_written_bytes_total{device="sda",name="vm1",project="default",type="virtual-machine"} 5
incus_warnings_total 3
garbage line {
"#;
        let s = parse_usage(text);
        assert_eq!(s.len(), 2);
        let r = &s[0];
        assert_eq!((r.project.as_str(), r.name.as_str()), ("bench-run", "r00"));
        assert_eq!(r.cpu_ns, 508_000_000);
        assert_eq!(r.memory, 274_432);
        assert_eq!(r.processes, Some(1));
        assert_eq!((r.net_io, r.disk_io), (Some(1024), None));
        assert_eq!(s[1].kind, InstanceKind::VirtualMachine);
        assert_eq!((s[1].net_io, s[1].disk_io), (None, Some(15)));
        assert!(parse_usage("").is_empty());
    }
}
