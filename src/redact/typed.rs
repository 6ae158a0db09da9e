//! Typed redaction: the Report is walked by its structure, not as untyped JSON, so each field is
//! treated for what it is. Fields that *are* a name (the host name, a NetworkManager connection id)
//! are replaced whole; addresses held as `IpAddr` are encrypted; free text (raw outputs, notes, log
//! lines, paths) is rewritten token by token; the report's vocabulary (enum tags, map keys, collector
//! and command names, sysctl keys, counter names, flags, states, versions) is never visited at all.
//!
//! Every impl destructures its struct exhaustively: a field added to the Report without a decision here
//! fails to compile instead of leaking.

use crate::report::PmEvent;
use crate::report::*;
use crate::report::{
    CommandRun, ConnSample, NsWindow, PathTotal, Reproduce, Sample, Samples, Snapshot,
    SubflowSample,
};
use std::net::IpAddr;

/// What a pass does with each kind of field. The learning pass only reads; the rewriting pass edits.
pub trait Visitor {
    /// Free text: names as whole tokens, addresses, hardware addresses, secrets.
    fn text(&mut self, s: &mut String);
    /// A field holding a host name (short or FQDN), possibly with surrounding white space.
    fn host(&mut self, s: &mut String);
    /// A NetworkManager connection id or SSID.
    fn connection(&mut self, s: &mut String);
    fn ip(&mut self, a: &mut IpAddr);
    /// A `uname -a` line: its second field is the node name, the rest is free text.
    fn uname(&mut self, s: &mut String);
    /// A free-form JSON value: string values are free text, keys are vocabulary, values under a
    /// secret-named key are removed.
    fn json(&mut self, v: &mut serde_json::Value);

    /// A command line, one argument each: free text, and the argument after a secret-naming flag
    /// (`--password VALUE`, `--token VALUE`) is a secret whatever it looks like.
    fn argv(&mut self, args: &mut [String]) {
        let mut secret_next = false;
        for a in args.iter_mut() {
            if std::mem::take(&mut secret_next) && !a.starts_with('-') {
                self.secret(a);
                continue;
            }
            secret_next = secret_flag(a);
            self.text(a);
        }
    }
    /// A value known to be secret.
    fn secret(&mut self, s: &mut String);
    /// False for a pass that only reads (learning): a spooled socket list is then read, not
    /// rewritten.
    fn edits(&self) -> bool {
        true
    }
    /// False for a pass that does nothing with free text (learning names): sockets, which hold
    /// nothing else, are then not walked at all.
    fn reads_text(&self) -> bool {
        true
    }

    fn opt_text(&mut self, s: &mut Option<String>) {
        if let Some(s) = s {
            self.text(s)
        }
    }
    fn texts<'a>(&mut self, it: impl IntoIterator<Item = &'a mut String>) {
        it.into_iter().for_each(|s| self.text(s))
    }
    fn opt_ip(&mut self, a: &mut Option<IpAddr>) {
        if let Some(a) = a {
            self.ip(a)
        }
    }
}

/// `--password`, `--token`, `-token`, `--client-secret` (without `=VALUE`): the next argument is its value.
pub fn secret_flag(arg: &str) -> bool {
    let Some(name) = arg.strip_prefix('-') else {
        return false;
    };
    let name = name.trim_start_matches('-');
    !name.is_empty()
        && !arg.contains('=')
        && (super::secrets::is_secret_key(name)
            || name.eq_ignore_ascii_case("token")
            || name.to_ascii_lowercase().ends_with("-token")
            || name.eq_ignore_ascii_case("cookie"))
}

pub trait Redact {
    fn visit<V: Visitor>(&mut self, v: &mut V);
}

impl<T: Redact> Redact for Vec<T> {
    fn visit<V: Visitor>(&mut self, v: &mut V) {
        self.iter_mut().for_each(|x| x.visit(v))
    }
}

impl<T: Redact> Redact for Option<T> {
    fn visit<V: Visitor>(&mut self, v: &mut V) {
        if let Some(x) = self {
            x.visit(v)
        }
    }
}

impl Redact for Report {
    fn visit<V: Visitor>(&mut self, v: &mut V) {
        let Report {
            schema_version: _,
            tool: _,
            meta,
            sections,
            findings,
            redaction: _,
            reproduce,
        } = self;
        meta.visit(v);
        sections.visit(v);
        findings.visit(v);
        reproduce.visit(v);
    }
}

impl Redact for Meta {
    fn visit<V: Visitor>(&mut self, v: &mut V) {
        let Meta {
            started_at: _,
            finished_at: _,
            mode: _,
            hostname,
            uid: _,
            privileged: _,
            args,
            root,
            netns,
            side: _,
            archive,
            sysroot: _,
        } = self;
        v.host(hostname);
        v.argv(args);
        v.text(root);
        v.texts(netns);
        v.opt_text(archive);
    }
}

impl Redact for Section {
    fn visit<V: Visitor>(&mut self, v: &mut V) {
        let Section {
            collector: _,
            description: _,
            netns,
            status,
            duration_ms: _,
            data,
            artifacts,
            notes,
            facts: _,
            title,
            entries,
        } = self;
        v.opt_text(netns);
        v.opt_text(title);
        entries.visit(v);
        match status {
            Status::Ok | Status::TimedOut { .. } => {}
            Status::Skipped { reason } => v.text(reason),
            Status::Failed { error } => v.text(error),
        }
        data.visit(v);
        artifacts.visit(v);
        v.texts(notes);
    }
}

/// A section's entries are built from its redacted facts (collect/present.rs), so this pass finds
/// them empty when a report is collected; an entry that comes with a report (an archive) is free text
/// all through: headings, captions, paragraphs, code, items and cells. Column names and view tags are
/// the report's vocabulary; an artifact is named like the artifact (redacted the same way).
impl Redact for Entry {
    fn visit<V: Visitor>(&mut self, v: &mut V) {
        let Entry {
            title,
            caption,
            body,
            empty,
            noun,
            raw,
            views: _,
        } = self;
        v.opt_text(title);
        v.opt_text(caption);
        v.opt_text(empty);
        v.opt_text(noun);
        v.opt_text(raw);
        match body {
            Body::Text { text } => v.text(text),
            Body::Code {
                text,
                format: _,
                marks: _,
            } => v.text(text),
            Body::Artifact {
                name,
                format: _,
                marks: _,
            } => v.text(name),
            Body::List { items } => v.texts(items),
            Body::Table {
                columns: _,
                rows,
                rank: _,
            } => rows.iter_mut().for_each(|r| v.texts(r)),
            Body::Missing => {}
        }
    }
}

/// Files whose whole content is the machine's name.
const NAME_FILES: &[&str] = &["/etc/hostname", "/proc/sys/kernel/hostname"];

impl Redact for Artifact {
    fn visit<V: Visitor>(&mut self, v: &mut V) {
        let Artifact {
            name,
            source,
            content,
            spool,
            in_raw: _,
            truncated,
            original_size,
        } = self;
        let (whole_name, uname) = match source {
            Source::Command {
                argv,
                exit_code: _,
                stderr,
                duration_ms: _,
                timed_out: _,
                missing: _,
            } => {
                let words: Vec<&str> = argv.iter().map(String::as_str).collect();
                let kinds = (
                    matches!(words.as_slice(), ["hostname"] | ["hostname", "-f"]),
                    matches!(words.as_slice(), ["uname", "-a"]),
                );
                v.argv(&mut argv[1..]);
                v.text(stderr);
                kinds
            }
            Source::File { path } => {
                let kinds = (NAME_FILES.iter().any(|f| path.ends_with(f)), false);
                v.text(path);
                kinds
            }
        };
        v.text(name);
        if whole_name {
            v.host(content)
        } else if uname {
            v.uname(content)
        } else {
            v.text(content)
        }
        if let Some(sp) = spool {
            if spooled_text(sp, v).is_err() {
                // Never kept unredacted: left out, and said so where it would have been.
                *spool = None;
                *content = "[mptcp-get-debug: this output was left out: its spool file failed while it was redacted]\n".into();
            }
        }
        // The size of what was kept, not of the original: the length of a name says something.
        if !*truncated {
            *original_size = spool.as_ref().map_or(content.len() as u64, |s| s.len());
        }
    }
}

/// Free text kept in a spool file: a piece of whole lines at a time, rewritten into a new spool by
/// a pass that edits.
fn spooled_text<V: Visitor>(sp: &mut TextSpool, v: &mut V) -> std::io::Result<()> {
    use std::io::Write;
    const PIECE: usize = 64 * 1024;
    if !v.edits() {
        if v.reads_text() {
            sp.try_for_each_piece(PIECE, |p| {
                v.text(&mut p.to_string());
                Ok(())
            })?;
        }
        return Ok(());
    }
    let mut w = TextSpoolWriter::create()?;
    sp.try_for_each_piece(PIECE, |p| {
        let mut s = p.to_string();
        v.text(&mut s);
        w.write_all(s.as_bytes())
    })?;
    *sp = w.finish()?;
    Ok(())
}

impl Redact for Data {
    fn visit<V: Visitor>(&mut self, v: &mut V) {
        match self {
            Data::Kernel(k) => k.visit(v),
            Data::Distro(Distro {
                source,
                raw,
                fields,
            }) => {
                v.text(source);
                v.text(raw);
                v.texts(fields.values_mut());
            }
            Data::KernelConfig(KernelConfig { source, symbols: _ }) => v.text(source),
            Data::Sysctls(list) => list.iter_mut().for_each(|s| v.text(&mut s.value)),
            Data::Endpoints(list) => list.visit(v),
            Data::Limits(_) | Data::Mib(_) => {}
            Data::Sockets(list) => list.visit(v),
            Data::Interfaces(i) => i.visit(v),
            Data::NetworkManager(nm) => nm.visit(v),
            Data::Mptcpd(m) => m.visit(v),
            Data::SelfTest(SelfTest {
                result: _,
                detail,
                duration_ms: _,
            }) => v.text(detail),
            Data::KernelLog(KernelLog {
                source: _,
                lines,
                splats: _,
            }) => v.texts(lines),
            Data::Other { name: _, value } => v.json(value),
            // CPU model and vendor, counters, load: no identity.
            Data::Host(_) => {}
            Data::Links(list) => list.visit(v),
        }
    }
}

impl Redact for KernelInfo {
    fn visit<V: Visitor>(&mut self, v: &mut V) {
        let KernelInfo {
            uname,
            sysname: _,
            nodename,
            release,
            version,
            machine: _,
            proc_version,
            taint: _,
            taint_flags: _,
        } = self;
        v.uname(uname);
        v.host(nodename);
        v.text(release);
        v.text(version);
        v.opt_text(proc_version);
    }
}

impl Redact for Endpoint {
    fn visit<V: Visitor>(&mut self, v: &mut V) {
        // An attribute this version cannot name stays as the kernel sent it (hex), as in PmEvent.
        let Endpoint {
            id: _,
            addr,
            port: _,
            flags: _,
            ifindex: _,
            dev: _,
            unknown_attrs: _,
        } = self;
        v.ip(addr);
    }
}

impl Redact for SocketList {
    fn visit<V: Visitor>(&mut self, v: &mut V) {
        if !v.edits() {
            if !v.reads_text() {
                return;
            }
            for s in self.iter() {
                s.into_owned().visit(v);
            }
            return;
        }
        // A spool that cannot be rewritten is dropped, never kept unredacted.
        if self.edit_each(|s| s.visit(v)).is_err() {
            *self = SocketList::new();
        }
    }
}

impl Redact for MptcpSocket {
    fn visit<V: Visitor>(&mut self, v: &mut V) {
        // The kernel's numbers (inode, mptcp_info: token, sequence numbers, counters) are evidence.
        let MptcpSocket {
            state: _,
            recv_q: _,
            send_q: _,
            local,
            peer,
            info,
            inode: _,
            mptcp: _,
            subflows,
        } = self;
        short_text(v, local);
        short_text(v, peer);
        v.texts(info.values_mut());
        subflows.visit(v);
    }
}

impl Redact for Subflow {
    fn visit<V: Visitor>(&mut self, v: &mut V) {
        let Subflow {
            state: _,
            recv_q: _,
            send_q: _,
            local,
            peer,
            dev: _,
            token_loc: _,
            token_rem: _,
            id_loc: _,
            id_rem: _,
            flags: _,
            relwrite_seq: _,
            map_seq: _,
            map_sfseq: _,
            ssn_offset: _,
            map_datalen: _,
            tcp: _,
        } = self;
        short_text(v, local);
        short_text(v, peer);
    }
}

/// A socket's short text field (`addr:port`) as free text: visited as a String (one buffer reused
/// for the tens of thousands of a busy host), stored back only when rewritten.
fn short_text<V: Visitor>(v: &mut V, s: &mut CompactString) {
    thread_local! {
        static BUF: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }
    BUF.with_borrow_mut(|t| {
        t.clear();
        t.push_str(s);
        v.text(t);
        if t != s {
            *s = CompactString::from(t.as_str());
        }
    });
}

impl Redact for Interfaces {
    fn visit<V: Visitor>(&mut self, v: &mut V) {
        let Interfaces {
            links,
            rp_filter_all: _,
            rp_filter_default: _,
            default_route_v4: _,
            default_route_v6: _,
        } = self;
        for Link {
            name: _,
            index: _,
            state: _,
            flags: _,
            mtu: _,
            addrs,
            rp_filter: _,
        } in links
        {
            v.texts(addrs);
        }
    }
}

impl Redact for LinkDetail {
    fn visit<V: Visitor>(&mut self, v: &mut V) {
        // Interface names, drivers, bus ids, speeds, offloads and counters are evidence.
        let LinkDetail {
            name: _,
            index: _,
            kind: _,
            operstate: _,
            mtu: _,
            qdisc: _,
            driver: _,
            bus: _,
            bus_info: _,
            speed_mbps: _,
            duplex: _,
            autoneg: _,
            offloads: _,
            counters: _,
        } = self;
        let _ = v;
    }
}

impl Redact for NetworkManager {
    fn visit<V: Visitor>(&mut self, v: &mut V) {
        let NetworkManager {
            installed: _,
            version: _,
            running: _,
            global_mptcp_flags: _,
            global_mptcp_flags_decoded: _,
            global_mptcp_flags_source,
            conf_files,
            connections,
            notes,
        } = self;
        v.opt_text(global_mptcp_flags_source);
        v.texts(conf_files);
        for NmConnection {
            id,
            uuid: _,
            kind: _,
            interface: _,
            mptcp_flags: _,
            mptcp_flags_decoded: _,
            active: _,
            device: _,
            file,
            flags_from_nmcli: _,
            default_applies: _,
        } in connections
        {
            v.connection(id);
            v.opt_text(file);
        }
        v.texts(notes);
    }
}

impl Redact for Mptcpd {
    fn visit<V: Visitor>(&mut self, v: &mut V) {
        let Mptcpd {
            installed: _,
            binary,
            version: _,
            service_state: _,
            config,
            config_file,
            unit_files,
            exec_start,
            cmdline,
            effective,
            plugins: _,
            mptcpize: _,
            notes,
        } = self;
        v.opt_text(binary);
        v.texts(config.values_mut());
        v.opt_text(config_file);
        v.texts(unit_files);
        v.opt_text(exec_start);
        v.texts(cmdline.values_mut());
        v.texts(effective.values_mut());
        v.texts(notes);
    }
}

impl Redact for Finding {
    fn visit<V: Visitor>(&mut self, v: &mut V) {
        let Finding {
            rule: _,
            severity: _,
            title,
            evidence,
            link: _,
        } = self;
        v.text(title);
        v.texts(evidence);
    }
}

impl Redact for Reproduce {
    fn visit<V: Visitor>(&mut self, v: &mut V) {
        let Reproduce {
            started_at: _,
            ended_at: _,
            duration_ms: _,
            ended_by: _,
            requested_duration_ms: _,
            command,
            namespaces,
        } = self;
        if let Some(CommandRun {
            argv,
            netns,
            exit_code: _,
            signal: _,
            duration_ms: _,
            stdout_tail,
            stderr_tail,
            truncated: _,
            stopped: _,
            error,
        }) = command
        {
            v.argv(argv);
            v.opt_text(netns);
            v.text(stdout_tail);
            v.text(stderr_tail);
            v.opt_text(error);
        }
        namespaces.visit(v);
    }
}

impl Redact for NsWindow {
    fn visit<V: Visitor>(&mut self, v: &mut V) {
        let NsWindow {
            netns,
            subscribed: _,
            subscribe_error,
            events,
            events_total: _,
            events_lost: _,
            events_malformed: _,
            before,
            after,
            samples,
        } = self;
        v.opt_text(netns);
        v.opt_text(subscribe_error);
        samples.visit(v);
        events.visit(v);
        before.visit(v);
        after.visit(v);
    }
}

/// The throughput series: addresses are free text (`addr:port`); interface names, tokens and counters
/// are evidence.
impl Redact for Samples {
    fn visit<V: Visitor>(&mut self, v: &mut V) {
        let Samples {
            interval_ms: _,
            rounds: _,
            kept_every: _,
            series,
            paths,
            paths_untracked: _,
            notes,
        } = self;
        for Sample {
            t_ms: _,
            connections,
            connections_more: _,
            links: _,
        } in series
        {
            connections.visit(v);
        }
        paths.visit(v);
        v.texts(notes);
    }
}

impl Redact for ConnSample {
    fn visit<V: Visitor>(&mut self, v: &mut V) {
        let ConnSample {
            token: _,
            local,
            remote,
            bytes_sent: _,
            bytes_acked: _,
            bytes_received: _,
            retransmits: _,
            subflows,
        } = self;
        v.text(local);
        v.text(remote);
        for SubflowSample {
            local,
            remote,
            dev: _,
            bytes_sent: _,
            bytes_acked: _,
            bytes_received: _,
            total_retrans: _,
            backup: _,
        } in subflows
        {
            v.text(local);
            v.text(remote);
        }
    }
}

impl Redact for PathTotal {
    fn visit<V: Visitor>(&mut self, v: &mut V) {
        let PathTotal {
            token: _,
            local,
            remote,
            dev: _,
            backup: _,
            bytes_sent: _,
            bytes_acked: _,
            bytes_received: _,
            retransmits: _,
            first_ms: _,
            last_ms: _,
        } = self;
        v.text(local);
        v.text(remote);
    }
}

impl Redact for Snapshot {
    fn visit<V: Visitor>(&mut self, v: &mut V) {
        let Snapshot {
            taken_at: _,
            counters: _,
            endpoints,
            limits: _,
            sockets,
            notes,
        } = self;
        endpoints.visit(v);
        sockets.visit(v);
        v.texts(notes);
    }
}

impl Redact for PmEvent {
    fn visit<V: Visitor>(&mut self, v: &mut V) {
        // Ports, ids, tokens, flags and error codes are evidence; only the addresses identify. An
        // attribute this version cannot name stays as the kernel sent it (hex): it cannot be told apart.
        let PmEvent {
            time: _,
            kind: _,
            token: _,
            family: _,
            loc_id: _,
            rem_id: _,
            saddr,
            daddr,
            sport: _,
            dport: _,
            backup: _,
            error: _,
            flags: _,
            timeout: _,
            ifindex: _,
            reset_reason: _,
            reset_flags: _,
            server_side: _,
            unknown_attrs: _,
        } = self;
        v.opt_ip(saddr);
        v.opt_ip(daddr);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records what each field was taken for.
    #[derive(Default)]
    struct Probe(Vec<String>);

    impl Visitor for Probe {
        fn text(&mut self, s: &mut String) {
            self.0.push(format!("text:{s}"));
        }
        fn host(&mut self, s: &mut String) {
            self.0.push(format!("host:{s}"));
        }
        fn connection(&mut self, s: &mut String) {
            self.0.push(format!("conn:{s}"));
        }
        fn ip(&mut self, a: &mut IpAddr) {
            self.0.push(format!("ip:{a}"));
        }
        fn secret(&mut self, s: &mut String) {
            self.0.push(format!("secret:{s}"));
        }
        fn uname(&mut self, s: &mut String) {
            self.0.push(format!("uname:{s}"));
        }
        fn json(&mut self, _: &mut serde_json::Value) {}
    }

    #[test]
    fn the_argument_after_a_secret_flag_is_a_secret() {
        let mut p = Probe::default();
        let mut argv: Vec<String> = [
            "--password",
            "pw",
            "-v",
            "--token",
            "tk",
            "--client-secret",
            "cs",
            "--user=bob",
            "--token",
            "--next",
            "-p",
            "8080",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        p.argv(&mut argv);
        let secrets: Vec<&str> =
            p.0.iter()
                .filter_map(|x| x.strip_prefix("secret:"))
                .collect();
        assert_eq!(secrets, ["pw", "tk", "cs"]);
        assert!(p.0.contains(&"text:8080".to_string()), "-p is a port here");
    }

    #[test]
    fn vocabulary_fields_are_never_visited() {
        let mut e = Endpoint {
            id: 1,
            addr: "10.1.2.3".parse().unwrap(),
            port: 0,
            flags: 2,
            ifindex: Some(2),
            dev: Some("signal".into()),
            unknown_attrs: Vec::new(),
        };
        let mut p = Probe::default();
        e.visit(&mut p);
        assert_eq!(p.0, ["ip:10.1.2.3"]);
        let s = Sysctl {
            name: "net.mptcp.enabled".into(),
            value: "1".into(),
        };
        let mut d = Data::Sysctls(vec![s]);
        d.visit(&mut p);
        assert_eq!(p.0.last().unwrap(), "text:1");
    }
}
