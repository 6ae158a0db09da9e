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

/// `data` compressed on its own, as build.rs compresses schema.json.
fn deflated(data: &[u8]) -> Deflated {
    let mut piece = GzTar::piece();
    piece.data(data).unwrap();
    piece.finish_piece().unwrap()
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
            gz.member_deflated(path, &deflated(data), 7).unwrap();
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

#[test]
fn a_piece_of_whole_members_splices_into_the_stream() {
    let text: Vec<u8> = (0..30_000u32)
        .flat_map(|i| format!("{i} subflows\n").into_bytes())
        .collect();
    let members: Vec<(&str, Vec<u8>)> = vec![
        ("top/summary.md", text[..3000].to_vec()),
        ("top/report.json", text.clone()),
        ("top/schema.json", text[50..7000].to_vec()),
        ("top/raw/x", text[..513].to_vec()),
        ("top/empty", Vec::new()),
        ("top/after", text[9..99].to_vec()),
    ];
    // Everything but the first and last member compressed ahead, in one piece, as the archive's
    // writer does while the summary renders: a produced member (its header patched inside the
    // piece), one compressed beforehand, plain ones.
    let mut piece = GzTar::piece();
    for (i, (path, data)) in members.iter().enumerate().take(5).skip(1) {
        match i {
            1 => piece
                .member_produced(path, 7, |gz| gz.data(data).map(|()| data.len() as u64))
                .unwrap(),
            2 => piece.member_deflated(path, &deflated(data), 7).unwrap(),
            _ => piece.member(path, &[data], 7).unwrap(),
        }
    }
    let piece = piece.finish_piece().unwrap();
    let in_piece: u64 = members[1..5]
        .iter()
        .map(|(p, d)| (tar_header(p, 0, 7).unwrap().len() + d.len().div_ceil(512) * 512) as u64)
        .sum();
    assert_eq!(piece.len, in_piece);
    let mut gz = GzTar::new(Vec::new());
    gz.member(members[0].0, &[&members[0].1], 7).unwrap();
    gz.splice(&piece).unwrap();
    gz.member(members[5].0, &[&members[5].1], 7).unwrap();
    let bytes = gz.finish().unwrap();
    assert_eq!(gunzip(&bytes), reference(&members));
}
