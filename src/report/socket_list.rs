//! The MPTCP sockets of a namespace, held in memory or, past a bound, spooled to an unlinked file.
//!
//! A busy server has tens of thousands of connections; holding every one typed (with its subflows)
//! made the run's memory grow with them. Up to `SocketList::HELD` sockets are kept in memory (the
//! common case, and every fixture); past it the list lives in a file that has no name (O_TMPFILE,
//! see `unlinked_file`: gone when the run ends, even killed) and holds only ciphertext (a key only
//! this process holds, see sealed_file): one length-prefixed binary record per socket (see
//! spool_codec). Every reader (triage, the views, report.json, raw/) walks it one socket at a
//! time, in the order `ss -ManiH` lists them.

use super::sealed_file::{SealedFile, SealedReader, SealedWriter};
use super::spool_codec::{decode, Codec};
use super::{CompactString, MptcpSocket};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufRead, BufWriter, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::sync::Arc;

/// A namespace's MPTCP sockets (see the module comment). Serializes as a JSON array of sockets,
/// exactly as a `Vec<MptcpSocket>` does; an archive read back holds its sockets in memory.
#[derive(Clone, Default)]
pub struct SocketList(Inner);

#[derive(Clone)]
enum Inner {
    Held(Vec<MptcpSocket>),
    /// The spool, and how many subflows its sockets have.
    Spooled(Arc<Spool>, usize),
}

impl Default for Inner {
    fn default() -> Self {
        Inner::Held(Vec::new())
    }
}

/// An unlinked file of records (encrypted: see sealed_file) and how many there are.
pub struct Spool {
    file: SealedFile,
    len: usize,
    bytes: u64,
    /// Values derived from the records (see `SocketList::derived`).
    memo: std::sync::Mutex<Vec<(&'static str, Arc<dyn std::any::Any + Send + Sync>)>>,
}

impl SocketList {
    /// How many sockets are held in memory before the list moves to a spool file (about 4 MB of
    /// sockets with their subflows; the spooled path's peak is about the same at any size).
    pub const HELD: usize = 4096;

    pub fn new() -> SocketList {
        SocketList::default()
    }

    /// The bound collectors hold: `HELD`, or `$MPTCP_GET_DEBUG_SOCKETS_HELD` when set to a number (a
    /// smaller bound on a host short of memory; tests walk the spooled path with it).
    pub fn bound() -> usize {
        static BOUND: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
        *BOUND.get_or_init(|| {
            std::env::var("MPTCP_GET_DEBUG_SOCKETS_HELD")
                .ok()
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(SocketList::HELD)
        })
    }

    pub fn len(&self) -> usize {
        match &self.0 {
            Inner::Held(v) => v.len(),
            Inner::Spooled(s, _) => s.len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when the sockets live in a spool file rather than in memory.
    pub fn spooled(&self) -> bool {
        matches!(self.0, Inner::Spooled(..))
    }

    /// The sockets in order: borrowed when held, read back one at a time when spooled. A spool that
    /// cannot be read back (the disk failed under it) ends the walk early; `try_for_each` says so.
    pub fn iter(&self) -> Iter<'_> {
        match &self.0 {
            Inner::Held(v) => Iter::Held(v.iter()),
            Inner::Spooled(s, _) => Iter::Spooled(Reader::new(s)),
        }
    }

    /// Every socket in order, or the error that stopped the walk of a spool.
    pub fn try_for_each(&self, mut f: impl FnMut(&MptcpSocket)) -> io::Result<()> {
        match &self.0 {
            Inner::Held(v) => {
                v.iter().for_each(f);
                Ok(())
            }
            Inner::Spooled(s, _) => {
                let mut r = Reader::new(s);
                while let Some(x) = r.next_socket()? {
                    f(&x);
                }
                Ok(())
            }
        }
    }

    /// Edits every socket in place; a spooled list is rewritten into a new spool (the old one is
    /// dropped once no clone holds it).
    pub fn edit_each(&mut self, mut f: impl FnMut(&mut MptcpSocket)) -> io::Result<()> {
        match &mut self.0 {
            Inner::Held(v) => {
                v.iter_mut().for_each(f);
                Ok(())
            }
            Inner::Spooled(s, _) => {
                let (mut w, mut subflows) = (SpoolWriter::create()?, 0);
                let mut r = Reader::new(s);
                while let Some(mut x) = r.next_socket()? {
                    f(&mut x);
                    w.push(&x)?;
                    subflows += x.subflows.len();
                }
                *self = w.finish(subflows)?;
                Ok(())
            }
        }
    }

    /// The held sockets, for tests that edit small lists; None when spooled.
    #[cfg(test)]
    pub fn held_mut(&mut self) -> Option<&mut Vec<MptcpSocket>> {
        match &mut self.0 {
            Inner::Held(v) => Some(v),
            Inner::Spooled(..) => None,
        }
    }

    /// A copy of every socket, in memory (tests, small lists).
    pub fn to_vec(&self) -> Vec<MptcpSocket> {
        self.iter().map(Cow::into_owned).collect()
    }

    /// Bytes of the spool file (0 when held).
    #[cfg(test)]
    pub fn spool_bytes(&self) -> u64 {
        match &self.0 {
            Inner::Held(_) => 0,
            Inner::Spooled(s, _) => s.bytes,
        }
    }

    /// How many subflows the sockets have, all told.
    pub fn subflow_count(&self) -> usize {
        match &self.0 {
            Inner::Held(v) => v.iter().map(|s| s.subflows.len()).sum(),
            Inner::Spooled(_, n) => *n,
        }
    }

    /// A value `f` derives from the sockets alone (a rule's digest of them): computed once for a
    /// spooled list, whose every walk reads and decrypts the file, and kept with it under `key`;
    /// computed each time for a held one (a walk of memory).
    pub fn derived<T: Clone + Send + Sync + 'static>(
        &self,
        key: &'static str,
        f: impl FnOnce(&SocketList) -> T,
    ) -> T {
        let Inner::Spooled(spool, _) = &self.0 else {
            return f(self);
        };
        let found = spool.memo.lock().ok().and_then(|m| {
            m.iter()
                .find(|(k, _)| *k == key)
                .and_then(|(_, v)| v.downcast_ref::<T>().cloned())
        });
        if let Some(v) = found {
            return v;
        }
        let v = f(self);
        if let Ok(mut m) = spool.memo.lock() {
            m.push((key, Arc::new(v.clone())));
        }
        v
    }

    /// Each socket's state, ends and inode: what most readers need, without decoding the rest of a
    /// spooled record (its `mptcp_info` and subflows).
    pub fn heads(&self) -> Heads<'_> {
        match &self.0 {
            Inner::Held(v) => Heads::Held(v.iter()),
            Inner::Spooled(s, _) => Heads::Spooled(Reader::new(s)),
        }
    }
}

impl From<Vec<MptcpSocket>> for SocketList {
    fn from(v: Vec<MptcpSocket>) -> SocketList {
        SocketList(Inner::Held(v))
    }
}

impl FromIterator<MptcpSocket> for SocketList {
    fn from_iter<I: IntoIterator<Item = MptcpSocket>>(it: I) -> SocketList {
        SocketList(Inner::Held(it.into_iter().collect()))
    }
}

impl std::fmt::Debug for SocketList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Inner::Held(v) => f.debug_list().entries(v).finish(),
            Inner::Spooled(s, _) => write!(
                f,
                "SocketList(spooled: {} sockets, {} bytes)",
                s.len, s.bytes
            ),
        }
    }
}

impl PartialEq for SocketList {
    fn eq(&self, other: &SocketList) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

/// Builds a list: holds up to its bound (`SocketList::bound()` for a collector), then moves them
/// all to a spool and writes the rest there as they come. A spool that cannot be made (no writable
/// temporary directory) keeps holding them, and `finish` says so.
pub struct SocketListBuilder {
    bound: usize,
    held: Vec<MptcpSocket>,
    spool: Option<SpoolWriter>,
    failed: Option<String>,
    subflows: usize,
}

impl SocketListBuilder {
    pub fn with_bound(bound: usize) -> SocketListBuilder {
        SocketListBuilder {
            bound,
            held: Vec::new(),
            spool: None,
            failed: None,
            subflows: 0,
        }
    }

    pub fn push(&mut self, s: MptcpSocket) {
        self.subflows += s.subflows.len();
        if let Some(w) = &mut self.spool {
            if let Err(e) = w.push(&s) {
                self.unspool(e);
                self.held.push(s);
            }
            return;
        }
        self.held.push(s);
        if self.held.len() > self.bound && self.failed.is_none() {
            self.spill();
        }
    }

    /// Moves the held sockets to a new spool.
    fn spill(&mut self) {
        let res = SpoolWriter::create().and_then(|mut w| {
            self.held.iter().try_for_each(|s| w.push(s).map(drop))?;
            Ok(w)
        });
        match res {
            Ok(w) => {
                self.held = Vec::new();
                self.spool = Some(w);
            }
            Err(e) => self.failed = Some(format!("sockets kept in memory: no spool file ({e})")),
        }
    }

    /// A write to the spool failed: read back what it has and hold everything from now on.
    fn unspool(&mut self, e: io::Error) {
        let mut back = Vec::new();
        if let Some(w) = self.spool.take() {
            if let Ok(list) = w.finish(0) {
                let _ = list.try_for_each(|s| back.push(s.clone()));
            }
        }
        back.append(&mut self.held);
        self.held = back;
        self.failed = Some(format!(
            "sockets kept in memory: the spool file failed ({e})"
        ));
    }

    /// The list, and what went wrong on the way (`problem`, or a spool that could not be completed:
    /// its sockets are then missing, and this says how many).
    pub fn finish(mut self) -> (SocketList, Option<String>) {
        match self.spool.take() {
            None => {
                self.held.shrink_to_fit();
                (SocketList::from(self.held), self.failed)
            }
            Some(w) => {
                let lost = w.len;
                match w.finish(self.subflows) {
                    Ok(list) => (list, self.failed),
                    Err(e) => (
                        SocketList::from(self.held),
                        Some(format!(
                            "{lost} socket(s) lost: their spool file failed ({e})"
                        )),
                    ),
                }
            }
        }
    }
}

/// A new file that has no name (O_TMPFILE): nothing is left behind, whatever ends the run, and no
/// other process can open it by path. In `$TMPDIR` when set, else in /var/tmp (on disk where /tmp
/// is a tmpfs, which would hold the spool in memory), else in /tmp.
pub fn unlinked_file() -> io::Result<File> {
    let open = |dir: &std::path::Path| {
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .mode(0o600)
            .custom_flags(libc::O_TMPFILE)
            .open(dir)
    };
    let tmpdir = std::env::var_os("TMPDIR").filter(|d| !d.is_empty());
    let mut first = None;
    for dir in tmpdir
        .iter()
        .map(std::path::Path::new)
        .chain(["/var/tmp".as_ref(), "/tmp".as_ref()])
    {
        match open(dir) {
            Ok(f) => return Ok(f),
            Err(e) => {
                first.get_or_insert(e);
            }
        }
    }
    Err(first.unwrap_or_else(|| io::Error::other("no temporary directory")))
}

/// Writes records to a new unlinked file: a little-endian u32 length, then the record (spool_codec).
pub struct SpoolWriter {
    out: BufWriter<SealedWriter>,
    len: usize,
    bytes: u64,
    buf: Vec<u8>,
}

impl SpoolWriter {
    pub fn create() -> io::Result<SpoolWriter> {
        Ok(SpoolWriter {
            out: SealedWriter::buffered()?,
            len: 0,
            bytes: 0,
            buf: Vec::new(),
        })
    }

    /// Appends one record; returns where it starts and how long it is (for `Spool::read_record`).
    pub fn push<T: Codec>(&mut self, x: &T) -> io::Result<(u64, u32)> {
        self.buf.clear();
        x.put(&mut self.buf);
        let n = u32::try_from(self.buf.len()).map_err(|_| io::Error::other("record too large"))?;
        self.out.write_all(&n.to_le_bytes())?;
        self.out.write_all(&self.buf)?;
        let at = self.bytes;
        self.len += 1;
        self.bytes += 4 + self.buf.len() as u64;
        Ok((at, n))
    }

    /// The records written, to read back.
    pub fn into_spool(self) -> io::Result<Spool> {
        let (file, _) = SealedWriter::finish(self.out)?;
        Ok(Spool {
            file,
            len: self.len,
            bytes: self.bytes,
            memo: Default::default(),
        })
    }

    fn finish(self, subflows: usize) -> io::Result<SocketList> {
        Ok(SocketList(Inner::Spooled(
            Arc::new(self.into_spool()?),
            subflows,
        )))
    }
}

impl Spool {
    /// The record written at `at` with length `len` (as `SpoolWriter::push` said).
    pub fn read_record<T: Codec>(&self, at: u64, len: u32, buf: &mut Vec<u8>) -> io::Result<T> {
        buf.resize(len as usize, 0);
        self.file.read_exact_at(buf, at + 4)?;
        decode(buf).ok_or_else(malformed)
    }
}

fn malformed() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, "a spooled record is malformed")
}

/// Reads a spool's records from its start (clones of a list walk it at once).
pub struct Reader<'a> {
    input: io::BufReader<SealedReader<'a>>,
    record: Vec<u8>,
}

impl<'a> Reader<'a> {
    fn new(spool: &'a Spool) -> Reader<'a> {
        Reader {
            input: super::sealed_file::reader(&spool.file, spool.bytes),
            record: Vec::new(),
        }
    }

    fn next_head(&mut self) -> io::Result<Option<Head>> {
        if !self.next_record()? {
            return Ok(None);
        }
        let mut r = &self.record[..];
        Head::get(&mut r).ok_or_else(malformed).map(Some)
    }

    /// Reads the next record into `self.record`; false at the end.
    fn next_record(&mut self) -> io::Result<bool> {
        if self.input.fill_buf()?.is_empty() {
            return Ok(false);
        }
        let mut len = [0u8; 4];
        self.input.read_exact(&mut len)?;
        self.record.resize(u32::from_le_bytes(len) as usize, 0);
        self.input.read_exact(&mut self.record)?;
        Ok(true)
    }

    fn next_socket(&mut self) -> io::Result<Option<MptcpSocket>> {
        if !self.next_record()? {
            return Ok(None);
        }
        decode(&self.record).ok_or_else(malformed).map(Some)
    }
}

/// The first fields of a socket (see `SocketList::heads`).
#[derive(Debug, Clone, PartialEq)]
pub struct Head {
    pub state: CompactString,
    pub local: CompactString,
    pub peer: CompactString,
    pub inode: Option<u32>,
}

impl Head {
    fn of(s: &MptcpSocket) -> Head {
        Head {
            state: s.state.clone(),
            local: s.local.clone(),
            peer: s.peer.clone(),
            inode: s.inode,
        }
    }

    /// The head of a record: the fields `spool_codec` writes first, the rest left unread.
    fn get(r: &mut &[u8]) -> Option<Head> {
        let state = CompactString::get(r)?;
        let (_, _) = (u64::get(r)?, u64::get(r)?);
        let (local, peer) = (CompactString::get(r)?, CompactString::get(r)?);
        let _info = <std::collections::BTreeMap<String, String> as Codec>::get(r)?;
        let inode = Option::<u32>::get(r)?;
        Some(Head {
            state,
            local,
            peer,
            inode,
        })
    }
}

/// The heads of a list's sockets in order (see `SocketList::heads`).
pub enum Heads<'a> {
    Held(std::slice::Iter<'a, MptcpSocket>),
    Spooled(Reader<'a>),
}

impl Iterator for Heads<'_> {
    type Item = Head;

    fn next(&mut self) -> Option<Head> {
        match self {
            Heads::Held(it) => it.next().map(Head::of),
            Heads::Spooled(r) => r.next_head().ok().flatten(),
        }
    }
}

/// The sockets of a list in order (see `SocketList::iter`).
pub enum Iter<'a> {
    Held(std::slice::Iter<'a, MptcpSocket>),
    Spooled(Reader<'a>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = Cow<'a, MptcpSocket>;

    fn next(&mut self) -> Option<Cow<'a, MptcpSocket>> {
        match self {
            Iter::Held(it) => it.next().map(Cow::Borrowed),
            Iter::Spooled(r) => r.next_socket().ok().flatten().map(Cow::Owned),
        }
    }
}

impl<'a> IntoIterator for &'a SocketList {
    type Item = Cow<'a, MptcpSocket>;
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl Serialize for SocketList {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let mut seq = s.serialize_seq(Some(self.len()))?;
        match &self.0 {
            Inner::Held(v) => {
                for x in v {
                    seq.serialize_element(x)?;
                }
            }
            Inner::Spooled(sp, _) => {
                let mut r = Reader::new(sp);
                while let Some(x) = r.next_socket().map_err(S::Error::custom)? {
                    seq.serialize_element(&x)?;
                }
            }
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for SocketList {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<MptcpSocket>::deserialize(d).map(SocketList::from)
    }
}

impl schemars::JsonSchema for SocketList {
    fn schema_name() -> Cow<'static, str> {
        <Vec<MptcpSocket> as schemars::JsonSchema>::schema_name()
    }
    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        <Vec<MptcpSocket> as schemars::JsonSchema>::json_schema(g)
    }
    fn inline_schema() -> bool {
        <Vec<MptcpSocket> as schemars::JsonSchema>::inline_schema()
    }
}

#[cfg(test)]
#[path = "socket_list_tests.rs"]
mod tests;
