//! The throughput sampler of a reproduce window: one thread that opens a route-netlink and a
//! sock_diag socket in every collected namespace (a socket keeps the namespace it was opened in), then
//! every `--sample-interval` reads each namespace's interface counters, MPTCP connections and subflows
//! into a `Samples`. Memory is bounded (see samples.rs), and a round that costs much CPU stretches the
//! interval, so the sampler never takes more than 5% of a CPU.

use super::sample_round::NsState;
use crate::collect::collectors::sockets::diag_modules;
use crate::collect::collectors::Ctx;
use crate::report::Samples;
use crate::sys::clock::thread_cpu;
use crate::sys::Netns;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// `--sample-interval` when not given.
pub const DEFAULT_INTERVAL_MS: u64 = 100;

/// Whether TCP sock_diag answers without loading a module (inet_diag and tcp_diag present): one
/// reading of the module states, the kernel config only when they do not tell.
pub fn tcp_diag_available(ctx: &Ctx) -> Result<(), String> {
    let [inet, tcp, _] = diag_modules::states(ctx.fs(), || {
        ctx.kernel_config_text().map(|(_, t)| t.as_str())
    });
    for (state, module) in [
        (inet, diag_modules::INET_DIAG),
        (tcp, diag_modules::TCP_DIAG),
    ] {
        if let Some(why) = diag_modules::why_not(state, module).filter(|_| !state.safe()) {
            return Err(format!("subflows not sampled: {why}"));
        }
    }
    Ok(())
}

/// What may be sampled here (decided once, from the host: modules are global).
#[derive(Debug, Clone)]
pub struct Options {
    pub interval: Duration,
    /// MPTCP connections: Err(why not), e.g. mptcp_diag is a module that is not loaded.
    pub mptcp: Result<(), String>,
    /// TCP subflows: Err(why not).
    pub subflows: Result<(), String>,
}

pub struct Sampler {
    stop: Option<mpsc::Sender<()>>,
    handle: Option<JoinHandle<Vec<Samples>>>,
}

/// The sampler uses at most 1/CPU_SHARE of a CPU: a round that costs more stretches the interval.
/// Each sock_diag dump walks a whole kernel hash table (MPTCP tokens, TCP sockets), about a
/// millisecond on a large machine however few sockets it holds.
const CPU_SHARE: u32 = 20;

fn run(namespaces: Vec<Option<Netns>>, opts: Options, stop: mpsc::Receiver<()>) -> Vec<Samples> {
    let interval_ms = opts.interval.as_millis() as u64;
    // Sockets for the tool's own namespace first: entering another one is for the rest of the thread.
    let mut order: Vec<usize> = (0..namespaces.len()).collect();
    order.sort_by_key(|&i| namespaces[i].is_some());
    let mut states: Vec<(usize, NsState)> = order
        .into_iter()
        .map(|i| {
            let st = match &namespaces[i] {
                None => NsState::open(interval_ms),
                Some(ns) => match ns.enter() {
                    Ok(()) => NsState::open(interval_ms),
                    Err(e) => NsState::empty(
                        interval_ms,
                        [format!("cannot enter network namespace {}: {e}", ns.label)].into(),
                    ),
                },
            };
            (i, st)
        })
        .collect();
    let t0 = Instant::now();
    let mut slowest: Option<Duration> = None;
    loop {
        let (started, cpu0) = (Instant::now(), thread_cpu());
        let t_ms = t0.elapsed().as_millis() as u64;
        for (_, st) in states.iter_mut() {
            st.round(t_ms, &opts, false);
        }
        // CPU time, not wall time: on a machine saturated by the reproduction, a round waits for a
        // CPU without costing one.
        let cpu = thread_cpu().saturating_sub(cpu0);
        let wait = opts.interval.max(cpu * CPU_SHARE);
        if cpu * CPU_SHARE > opts.interval {
            slowest = slowest.max(Some(cpu));
        }
        match stop.recv_timeout(wait.saturating_sub(started.elapsed())) {
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            _ => break,
        }
    }
    let t_ms = t0.elapsed().as_millis() as u64;
    for (_, st) in states.iter_mut() {
        st.round(t_ms, &opts, true);
    }
    states.sort_by_key(|(i, _)| *i);
    states
        .into_iter()
        .map(|(_, st)| st.finish(&opts, slowest))
        .collect()
}

impl Sampler {
    /// Starts sampling every namespace (in the order given); None when the interval is zero.
    pub fn start(namespaces: &[Option<Netns>], opts: Options) -> std::io::Result<Option<Sampler>> {
        if opts.interval.is_zero() {
            return Ok(None);
        }
        let (tx, rx) = mpsc::channel();
        let ns = namespaces.to_vec();
        let handle = std::thread::Builder::new()
            .name("sampler".into())
            .spawn(move || run(ns, opts, rx))?;
        Ok(Some(Sampler {
            stop: Some(tx),
            handle: Some(handle),
        }))
    }

    /// Takes a last round and returns each namespace's series, in the order given to `start`.
    pub fn stop(mut self) -> Vec<Samples> {
        drop(self.stop.take());
        self.handle
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_this_namespace_until_stopped() {
        let opts = Options {
            interval: Duration::from_millis(20),
            mptcp: Err("not asked in this test".into()),
            subflows: Err("not asked in this test".into()),
        };
        let s = Sampler::start(&[None], opts).unwrap().unwrap();
        std::thread::sleep(Duration::from_millis(150));
        let out = s.stop();
        assert_eq!(out.len(), 1);
        let w = &out[0];
        assert!(w.rounds >= 3, "{}", w.rounds);
        assert_eq!(w.series.len() as u64, w.rounds);
        assert!(w.series.windows(2).all(|p| p[0].t_ms <= p[1].t_ms));
        assert!(
            w.notes.iter().any(|n| n == "not asked in this test"),
            "{:?}",
            w.notes
        );
        assert!(w
            .series
            .iter()
            .all(|s| s.links.iter().all(|l| l.name != "lo")));
        let off = Options {
            interval: Duration::ZERO,
            mptcp: Ok(()),
            subflows: Ok(()),
        };
        assert!(Sampler::start(&[None], off).unwrap().is_none());
    }
}
