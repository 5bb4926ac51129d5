//! SHA-256 digests of blobs and files, as REAPI names them (`hash` in lowercase hex, `size` in
//! bytes). The main functions here are [`of_bytes`] and [`of_file`].

use std::io::Read;
#[cfg(test)]
use std::path::Path;

use sha2::{Digest as _, Sha256};

use super::reapi::Digest;

/// Bytes read per call while hashing a file: large enough that the hash, not the syscalls,
/// is the cost.
const CHUNK: usize = 256 * 1024;

/// The digest of `bytes`.
pub(crate) fn of_bytes(bytes: &[u8]) -> Digest {
    Digest {
        hash: hex(&Sha256::digest(bytes)),
        size_bytes: bytes.len() as i64,
    }
}

/// The digest of a prost message's wire encoding, which is how REAPI names messages.
pub(crate) fn of_message(message: &impl prost::Message) -> (Digest, Vec<u8>) {
    let bytes = message.encode_to_vec();
    (of_bytes(&bytes), bytes)
}

/// The digest of the file at `path`, read once in chunks.
#[cfg(test)]
fn of_file(path: &Path) -> std::io::Result<Digest> {
    let file = std::fs::File::open(path)?;
    Ok(of_reader(file, &mut buffer())?.0)
}

/// A read buffer for [`of_reader`]; one per thread serves any number of files.
pub(crate) fn buffer() -> Vec<u8> {
    vec![0u8; CHUNK]
}

/// The digest of everything `reader` yields, with the raw SHA-256 beside it.
pub(crate) fn of_reader(
    mut reader: impl Read,
    buffer: &mut [u8],
) -> std::io::Result<(Digest, [u8; 32])> {
    let mut hasher = Sha256::new();
    let mut size = 0i64;
    loop {
        let read = match reader.read(buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        hasher.update(&buffer[..read]);
        size += read as i64;
    }
    let sha256: [u8; 32] = hasher.finalize().into();
    Ok((
        Digest {
            hash: hex(&sha256),
            size_bytes: size,
        },
        sha256,
    ))
}

/// The digest of `size` bytes fed to `hasher`.
pub(crate) fn finish(hasher: Sha256, size: i64) -> Digest {
    Digest {
        hash: hex(&hasher.finalize()),
        size_bytes: size,
    }
}

/// Whether `hash` could be a SHA-256 digest: it becomes a file name in the store, so nothing
/// else (a `/`, a `..`) may pass.
pub(crate) fn is_well_formed(digest: &Digest) -> bool {
    digest.hash.len() == 64
        && digest
            .hash
            .bytes()
            .all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'))
        && digest.size_bytes >= 0
}

/// `bytes` in lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_sha256sum() {
        // `printf abc | sha256sum`
        let digest = of_bytes(b"abc");
        assert_eq!(
            digest.hash,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(digest.size_bytes, 3);
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("abc");
        std::fs::write(&path, b"abc").expect("write");
        assert_eq!(of_file(&path).expect("hash file"), digest);
        assert!(is_well_formed(&digest));
        assert!(!is_well_formed(&Digest {
            hash: "../x".to_owned(),
            size_bytes: 0
        }));
    }
}
