//! The HTTP side: the requests the phases send (a 7-day history of one metric, /overview,
//! /latest, /kpis), one at a time or as an open-loop load, and serve's own overview counters.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use axum::body::Bytes;
use serde_json::Value;

use crate::{now_ms, DAY_MS};

/// Small xorshift for the request mix and cluster choice.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub enum Kind {
    History,
    Overview,
    Latest,
    Kpis,
}

impl Kind {
    fn parse(s: &str) -> anyhow::Result<Kind> {
        Ok(match s {
            "history" => Kind::History,
            "overview" => Kind::Overview,
            "latest" => Kind::Latest,
            "kpis" => Kind::Kpis,
            other => bail!("--mix: unknown kind {other:?} (history, overview, latest, kpis)"),
        })
    }
    pub fn name(self) -> &'static str {
        match self {
            Kind::History => "history 7d",
            Kind::Overview => "overview",
            Kind::Latest => "latest",
            Kind::Kpis => "kpis",
        }
    }
}

/// `--mix`: kind:weight pairs separated by commas.
pub fn parse_mix(mix: &str) -> anyhow::Result<Vec<(Kind, u32)>> {
    mix.split(',')
        .map(|p| {
            let (k, w) = p
                .split_once(':')
                .with_context(|| format!("--mix: {p:?} is not kind:weight"))?;
            Ok((Kind::parse(k.trim())?, w.trim().parse::<u32>()?))
        })
        .collect()
}

pub fn history_url(base: &str, id: i64, days: i64) -> String {
    let to = now_ms();
    format!(
        "{base}/api/v1/clusters/{id}/metrics?names=qps&from={}&to={to}&points=1000",
        to - days * DAY_MS
    )
}

/// GET with the full body read: (latency ms, status, body).
pub async fn get(client: &reqwest::Client, url: &str) -> anyhow::Result<(f64, u16, Bytes)> {
    let t0 = Instant::now();
    let resp = client.get(url).send().await?;
    let status = resp.status().as_u16();
    let body = resp.bytes().await?;
    Ok((t0.elapsed().as_secs_f64() * 1000.0, status, body))
}

pub struct HistoryResult {
    pub latencies: Vec<f64>,
    pub max_points: usize,
    pub over_limit: usize,
    pub failures: usize,
    pub bytes: usize,
    pub detail_hours: Vec<f64>,
    pub null_points: usize,
    pub points: usize,
}

pub async fn history_requests(
    client: &reqwest::Client,
    base: &str,
    ids: &[i64],
    n: usize,
    days: i64,
    rng: &mut Rng,
) -> HistoryResult {
    let mut r = HistoryResult {
        latencies: Vec::with_capacity(n),
        max_points: 0,
        over_limit: 0,
        failures: 0,
        bytes: 0,
        detail_hours: Vec::new(),
        null_points: 0,
        points: 0,
    };
    for _ in 0..n {
        let id = ids[rng.below(ids.len())];
        let url = history_url(base, id, days);
        match get(client, &url).await {
            Ok((ms, 200, body)) => {
                r.latencies.push(ms);
                r.bytes += body.len();
                let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                let pts = v["series"]["qps"].as_array().map_or(0, |a| a.len());
                r.points += pts;
                r.null_points += v["series"]["qps"]
                    .as_array()
                    .map_or(0, |a| a.iter().filter(|p| p["avg"].is_null()).count());
                r.max_points = r.max_points.max(pts);
                if pts > 1000 || pts == 0 {
                    r.over_limit += 1;
                }
                if let (Some(df), Some(to)) = (v["detail_from"].as_i64(), v["to"].as_i64()) {
                    r.detail_hours.push((to - df) as f64 / 3_600_000.0);
                }
            }
            Ok((_, status, body)) => {
                r.failures += 1;
                eprintln!(
                    "history {url}: HTTP {status} {}",
                    String::from_utf8_lossy(&body)
                );
            }
            Err(e) => {
                r.failures += 1;
                eprintln!("history {url}: {e}");
            }
        }
    }
    r
}

pub struct OverviewResult {
    pub misses: Vec<f64>,
    pub hits: Vec<f64>,
    pub live: usize,
    pub failures: usize,
}

pub async fn overview_requests(
    client: &reqwest::Client,
    base: &str,
    ids: &[i64],
    secs: f64,
) -> OverviewResult {
    let mut r = OverviewResult {
        misses: Vec::new(),
        hits: Vec::new(),
        live: 0,
        failures: 0,
    };
    for &id in ids {
        let url = format!("{base}/api/v1/clusters/{id}/overview");
        let first = Instant::now();
        match get(client, &url).await {
            Ok((ms, 200, body)) => {
                r.misses.push(ms);
                let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                if v["source"] == "live" {
                    r.live += 1;
                }
            }
            _ => {
                r.failures += 1;
                continue;
            }
        }
        // Only inside the 5 s TTL, so every one of these is answered from the cache.
        while first.elapsed().as_secs_f64() < secs {
            match get(client, &url).await {
                Ok((ms, 200, _)) => r.hits.push(ms),
                _ => r.failures += 1,
            }
        }
    }
    r
}

pub struct Sample {
    pub kind: Kind,
    /// From the scheduled send time, so client-side queueing counts (no coordinated omission).
    pub latency_ms: f64,
    pub ok: bool,
}

/// What the load phase sends.
pub struct LoadPlan {
    pub base: String,
    pub ids: Vec<i64>,
    /// Clusters /overview picks from.
    pub hot: Vec<i64>,
    pub mix: Vec<(Kind, u32)>,
    pub rps: f64,
    pub secs: f64,
    pub days: i64,
}

/// Open loop: request i is sent at start + i / rps whatever the answers before it did.
/// Returns the samples, the largest delay of a send behind its schedule, and the seconds spent
/// sending (the answers may come in later).
pub async fn open_loop(client: reqwest::Client, plan: LoadPlan) -> (Vec<Sample>, f64, f64) {
    let LoadPlan {
        base,
        ids,
        hot,
        mix,
        rps,
        secs,
        days,
    } = plan;
    let total_weight: u32 = mix.iter().map(|m| m.1).sum();
    let n = (rps * secs).round() as u64;
    let start = tokio::time::Instant::now();
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let mut tasks = tokio::task::JoinSet::new();
    let mut max_lag = 0f64;
    let mut samples = Vec::with_capacity(n as usize);
    for i in 0..n {
        let due = start + Duration::from_secs_f64(i as f64 / rps);
        tokio::time::sleep_until(due).await;
        max_lag = max_lag.max(due.elapsed().as_secs_f64() * 1000.0);
        let mut pick = (rng.next() % u64::from(total_weight.max(1))) as u32;
        let kind = mix
            .iter()
            .find(|(_, w)| {
                if pick < *w {
                    true
                } else {
                    pick -= w;
                    false
                }
            })
            .map_or(Kind::Latest, |m| m.0);
        let id = ids[rng.below(ids.len())];
        let url = match kind {
            Kind::History => history_url(&base, id, days),
            Kind::Overview => format!(
                "{base}/api/v1/clusters/{}/overview",
                hot[rng.below(hot.len())]
            ),
            Kind::Latest => format!("{base}/api/v1/clusters/{id}/latest"),
            Kind::Kpis => format!("{base}/api/v1/clusters/{id}/kpis"),
        };
        let client = client.clone();
        tasks.spawn(async move {
            let ok = matches!(get(&client, &url).await, Ok((_, 200, _)));
            Sample {
                kind,
                latency_ms: due.elapsed().as_secs_f64() * 1000.0,
                ok,
            }
        });
        // Collect the finished ones as we go so the set stays small.
        while let Some(r) = tasks.try_join_next() {
            if let Ok(s) = r {
                samples.push(s);
            }
        }
    }
    let sent_secs = start.elapsed().as_secs_f64();
    while let Some(r) = tasks.join_next().await {
        if let Ok(s) = r {
            samples.push(s);
        }
    }
    (samples, max_lag, sent_secs)
}

/// `starmon_overview_requests_total` by result, from serve's own metrics.
pub async fn overview_counters(client: &reqwest::Client, base: &str) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    let Ok((_, 200, body)) = get(client, &format!("{base}/metrics")).await else {
        return out;
    };
    for line in String::from_utf8_lossy(&body).lines() {
        if let Some(rest) = line.strip_prefix("starmon_overview_requests_total{") {
            if let Some((labels, v)) = rest.split_once("} ") {
                out.insert(labels.to_string(), v.trim().parse().unwrap_or(0.0));
            }
        }
    }
    out
}
