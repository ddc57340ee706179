//! The processes under test: the release `starrocks-sim` and `starmon serve` (stopped on every
//! exit path), and a sampler of serve's resident memory.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::Value;

use crate::bench_common::proc_stat;
use crate::{now_ms, Args};

/// One emulated cluster as the emulator announces it.
pub struct SimCluster {
    pub name: String,
    pub host: String,
    pub query_port: u16,
    pub http_port: u16,
    pub user: String,
    pub password: String,
}

/// A child process stopped on every exit path: SIGTERM first so serve shuts down cleanly.
pub struct Proc {
    pub child: Child,
    what: &'static str,
}

impl Proc {
    pub fn stop(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        eprintln!("{} did not stop on SIGTERM; killing it", self.what);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Starts the emulator with the clusters `args` asks for and reads what it announces.
pub fn start_sim(bin_dir: &Path, args: &Args) -> anyhow::Result<(Proc, Vec<SimCluster>)> {
    let mut child = Command::new(bin_dir.join("starrocks-sim"))
        .args(["--clusters", &args.clusters.to_string()])
        .args([
            "--fes",
            &args.fes.to_string(),
            "--bes",
            &args.bes.to_string(),
        ])
        .args(["--version", &args.version])
        .stdout(Stdio::piped())
        .spawn()
        .context("starting starrocks-sim (build it with --release)")?;
    let out = child.stdout.take().context("no emulator stdout")?;
    let sim = Proc {
        child,
        what: "starrocks-sim",
    };
    let mut lines = BufReader::new(out).lines();
    let mut sims = Vec::new();
    for _ in 0..args.clusters {
        let line = lines.next().context("the emulator exited")??;
        let v: Value = serde_json::from_str(&line)?;
        let fe = &v["frontends"][0];
        sims.push(SimCluster {
            name: v["name"].as_str().unwrap_or_default().to_string(),
            host: fe["host"].as_str().unwrap_or_default().to_string(),
            query_port: fe["query_port"].as_u64().unwrap_or(0) as u16,
            http_port: fe["http_port"].as_u64().unwrap_or(0) as u16,
            user: v["user"].as_str().unwrap_or_default().to_string(),
            password: v["password"].as_str().unwrap_or_default().to_string(),
        });
    }
    Ok((sim, sims))
}

/// `starmon serve` on the run database, its log in `dir`.
pub struct Serve {
    pub proc: Proc,
    pub pid: u32,
    pub base: String,
    pub started_ms: i64,
}

pub fn start_serve(bin_dir: &Path, db: &Path, dir: &Path, interval: u64) -> anyhow::Result<Serve> {
    // A free port for serve; it is released just before serve binds it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let log = std::fs::File::create(dir.join("serve.log"))?;
    let started_ms = now_ms();
    let child = Command::new(bin_dir.join("starmon"))
        .args(["serve", "--db"])
        .arg(db)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(["--collect-interval", &interval.to_string()])
        .stderr(Stdio::from(log))
        .spawn()
        .context("starting starmon serve")?;
    Ok(Serve {
        pid: child.id(),
        proc: Proc {
            child,
            what: "starmon serve",
        },
        base: format!("http://127.0.0.1:{port}"),
        started_ms,
    })
}

/// RSS of a process sampled every second until stopped, besides the kernel's own high-water
/// mark.
pub struct RssSampler {
    stop: Arc<AtomicBool>,
    peak_kib: Arc<Mutex<u64>>,
    thread: JoinHandle<()>,
}

impl RssSampler {
    pub fn start(pid: u32) -> RssSampler {
        let stop = Arc::new(AtomicBool::new(false));
        let peak_kib = Arc::new(Mutex::new(0u64));
        let thread = {
            let (stop, peak) = (stop.clone(), peak_kib.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let rss = proc_stat(pid).2;
                    if let Ok(mut p) = peak.lock() {
                        *p = (*p).max(rss);
                    }
                    std::thread::sleep(Duration::from_secs(1));
                }
            })
        };
        RssSampler {
            stop,
            peak_kib,
            thread,
        }
    }

    /// Stops sampling; the peak in KiB.
    pub fn stop(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.thread.join();
        self.peak_kib.lock().map(|p| *p).unwrap_or(0)
    }
}
