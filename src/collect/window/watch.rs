//! One event-monitor thread per collected namespace: it enters the namespace, subscribes to
//! `mptcp_pm_events`, then drains the socket whenever poll(2) says so until told to stop, when it
//! drains once more and counts what the kernel dropped.

use crate::netlink::monitor::Monitor;
use crate::netlink::PmError;
use crate::report::PmEvent;
use crate::report::MAX_EVENTS;
use crate::sys::poll::{poll, wake_pipe, PollFd};
use crate::sys::Netns;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

/// What one namespace's monitor saw.
#[derive(Debug, Default)]
pub struct Watched {
    pub events: Vec<PmEvent>,
    pub total: u64,
    pub lost: u64,
    pub malformed: u64,
    /// Why it could not subscribe, or why it stopped early.
    pub error: Option<String>,
}

pub struct Watch {
    threads: Vec<Option<JoinHandle<Watched>>>,
    /// Set when subscribing failed (no thread to join then).
    failed: Vec<Option<String>>,
    stop_r: OwnedFd,
    stop_w: Option<OwnedFd>,
}

/// How a subscription failure reads in the report.
pub fn subscribe_problem(e: &PmError) -> String {
    match e {
        PmError::PermissionDenied => {
            "events cannot be subscribed without CAP_NET_ADMIN (run as root)".into()
        }
        other => format!("events cannot be subscribed: {other}"),
    }
}

fn run(ns: Option<Netns>, stop: RawFd, ready: mpsc::Sender<Result<(), String>>) -> Watched {
    if let Some(ns) = &ns {
        if let Err(e) = ns.enter() {
            let msg = format!("cannot enter network namespace {}: {e}", ns.label);
            let _ = ready.send(Err(msg.clone()));
            return Watched {
                error: Some(msg),
                ..Default::default()
            };
        }
    }
    let mut mon = match Monitor::subscribe() {
        Ok(m) => m,
        Err(e) => {
            let msg = subscribe_problem(&e);
            let _ = ready.send(Err(msg.clone()));
            return Watched {
                error: Some(msg),
                ..Default::default()
            };
        }
    };
    let _ = ready.send(Ok(()));
    let mut w = Watched::default();
    let mut batch = Vec::new();
    loop {
        let mut fds = [PollFd::readable(&mon.fd()), PollFd::readable(&stop)];
        if let Err(e) = poll(&mut fds, None) {
            w.error = Some(format!("poll: {e}"));
            break;
        }
        let stopping = fds[1].ready();
        if let Err(e) = mon.drain(&mut batch) {
            w.error = Some(e.to_string());
        }
        w.total += batch.len() as u64;
        let room = MAX_EVENTS.saturating_sub(w.events.len());
        w.events.extend(
            batch
                .drain(..)
                .take(room)
                .map(|r| crate::collect::convert::pm::event(&r.msg, r.time)),
        );
        batch.clear();
        if stopping || w.error.is_some() {
            break;
        }
    }
    w.lost = mon.lost();
    w.malformed = mon.malformed;
    if let (Some(why), None) = (&mon.first_malformed, &w.error) {
        w.error = Some(format!(
            "{} undecodable messages, first: {why}",
            mon.malformed
        ));
    }
    w
}

impl Watch {
    /// Subscribes in every namespace; returns once each has subscribed or failed.
    pub fn start(namespaces: &[Option<Netns>]) -> std::io::Result<Watch> {
        let (stop_r, stop_w) = wake_pipe()?;
        let mut threads = Vec::new();
        let mut failed = Vec::new();
        for ns in namespaces {
            let (tx, rx) = mpsc::channel();
            let (ns2, fd) = (ns.clone(), stop_r.as_raw_fd());
            let handle = std::thread::Builder::new()
                .name("pm-events".into())
                .spawn(move || run(ns2, fd, tx))?;
            match rx.recv_timeout(Duration::from_secs(10)) {
                Ok(Ok(())) => {
                    threads.push(Some(handle));
                    failed.push(None);
                }
                Ok(Err(e)) => {
                    let _ = handle.join();
                    threads.push(None);
                    failed.push(Some(e));
                }
                Err(_) => {
                    threads.push(None);
                    failed.push(Some("events: the subscription did not answer".into()));
                }
            }
        }
        Ok(Watch {
            threads,
            failed,
            stop_r,
            stop_w: Some(stop_w),
        })
    }

    /// Subscription problems, in namespace order (None = subscribed).
    pub fn problems(&self) -> &[Option<String>] {
        &self.failed
    }

    /// Stops every monitor (closing the stop pipe wakes them all) and collects what they saw.
    pub fn stop(mut self) -> Vec<Result<Watched, String>> {
        drop(self.stop_w.take());
        let out = self
            .threads
            .iter_mut()
            .zip(&self.failed)
            .map(|(t, f)| match (t.take(), f) {
                (Some(h), _) => h
                    .join()
                    .map_err(|_| "the event monitor thread panicked".to_string()),
                (None, Some(e)) => Err(e.clone()),
                (None, None) => Err("events were not watched".into()),
            })
            .collect();
        let _ = self.stop_r.as_raw_fd();
        out
    }
}
