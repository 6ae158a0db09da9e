//! The gzip stream's tests: the tar it holds is the one the `tar` crate writes, whichever way each
//! member came (known bytes, produced, compressed beforehand).
use super::*;
use std::io::Read;

/// What the `tar` crate and flate2 make of the same members.
fn reference(members: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    for (path, data) in members {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o600);
        h.set_mtime(7);
        h.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut h, path, &data[..]).unwrap();
    }
    tar.into_inner().unwrap()
}

fn gunzip(gz: &[u8]) -> Vec<u8> {
    // A single-member decoder: the stream must be one gzip member.
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(gz)
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[test]
fn produced_members_give_the_tar_the_builder_writes() {
    let long = format!("top/raw/{}/ss_-ManiH.txt", "netns-x".repeat(30));
    let big: Vec<u8> = (0..300_000u32)
        .flat_map(|i| format!("{i} sockets\n").into_bytes())
        .collect();
    let members: Vec<(&str, Vec<u8>)> = vec![
        ("top/summary.md", b"# Summary\n".to_vec()),
        ("top/report.json", big.clone()),
        ("top/empty", Vec::new()),
        (&long, b"x".repeat(512)),
        ("top/after", big[..1000].to_vec()),
    ];
    let mut gz = GzTar::new(Vec::new());
    for (i, (path, data)) in members.iter().enumerate() {
        if i % 2 == 1 {
            gz.member_produced(path, 7, |gz| {
                // In pieces, as a producer hands them on (summing them itself, or not).
                let mut crc = Crc::new();
                for (k, piece) in data.chunks(70_000).enumerate() {
                    if k % 2 == 0 {
                        gz.data(piece)?;
                    } else {
                        crc.update(piece);
                        gz.data_summed_elsewhere(piece)?;
                        gz.add_crc(&std::mem::take(&mut crc));
                    }
                }
                Ok(data.len() as u64)
            })
            .unwrap();
        } else {
            gz.member(
                path,
                &[&data[..1.min(data.len())], &data[1.min(data.len())..]],
                7,
            )
            .unwrap();
        }
    }
    let bytes = gz.finish().unwrap();
    assert_eq!(gunzip(&bytes), reference(&members));
    // The whole stream is compressed (the patched headers are small).
    assert!(bytes.len() < big.len() / 3, "{}", bytes.len());
}

#[test]
fn members_compressed_beforehand_fit_anywhere_in_the_stream() {
    let text: Vec<u8> = (0..20_000u32)
        .flat_map(|i| format!("\"field{}\": {i},\n", i % 7).into_bytes())
        .collect();
    let members: Vec<(&str, Vec<u8>)> = vec![
        ("top/summary.md", text[..5000].to_vec()),
        ("top/schema.json", text.clone()),
        ("top/after", text[100..9000].to_vec()),
        ("top/empty", Vec::new()),
        ("top/schema2.json", text[..777].to_vec()),
    ];
    let mut gz = GzTar::new(Vec::new());
    for (path, data) in &members {
        if path.contains("schema") {
            gz.member_deflated(path, &Deflated::of(data).unwrap(), 7)
                .unwrap();
        } else {
            gz.member(path, &[data], 7).unwrap();
        }
    }
    let bytes = gz.finish().unwrap();
    assert_eq!(gunzip(&bytes), reference(&members));
    assert!(bytes.len() < text.len() / 3, "{}", bytes.len());
}

#[test]
fn a_producer_that_miscounts_or_fails_is_an_error() {
    let mut gz = GzTar::new(Vec::new());
    let err = gz
        .member_produced("r", 0, |gz| gz.data(b"12345").map(|()| 4))
        .unwrap_err();
    assert!(
        err.to_string().contains("5 bytes written, 4 announced"),
        "{err}"
    );
    let mut gz = GzTar::new(Vec::new());
    let err = gz
        .member_produced("r", 0, |_| Err(io::Error::other("boom")))
        .unwrap_err();
    assert_eq!(err.to_string(), "boom");
}
