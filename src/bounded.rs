//! Bounded reads of the small files that steer a run (configs, rule packs, baselines, ignore
//! files): a regular file only, at most a size cap, never blocking on a FIFO or a device, and
//! their text decoded (a UTF-8 byte-order mark dropped, UTF-16 with a byte-order mark decoded).

use std::fs::File;
use std::io::Read as _;
use std::path::Path;

/// One mebibyte.
pub const MIB: u64 = 1 << 20;

/// Why a file was not read.
#[derive(Debug)]
pub enum Refusal {
    /// Nothing is at the path.
    Missing,
    /// A symbolic link, where links are not followed.
    Link,
    /// A folder, FIFO, socket or device: reading one can block or never end.
    NotRegular,
    /// Larger than the cap.
    TooLarge(u64),
    Io(std::io::Error),
}

impl std::fmt::Display for Refusal {
    /// What follows the file's name in a message: "`x` is not a regular file".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Missing => write!(f, "does not exist"),
            Refusal::Link => write!(f, "is a symbolic link"),
            Refusal::NotRegular => write!(f, "is not a regular file"),
            Refusal::TooLarge(cap) => write!(f, "is larger than {}", size(*cap)),
            Refusal::Io(e) => write!(f, "cannot be read: {e}"),
        }
    }
}

/// A size as people write it: `1 MiB`, `512 KiB`, or bytes.
pub fn size(bytes: u64) -> String {
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

/// The bytes of the regular file at `path`, if it holds at most `cap` bytes. With
/// `follow_links` false a symbolic link is refused, not followed.
pub fn read(path: &Path, cap: u64, follow_links: bool) -> Result<Vec<u8>, Refusal> {
    let file = open(path, follow_links)?;
    let meta = file.metadata().map_err(Refusal::Io)?;
    if !meta.is_file() {
        return Err(Refusal::NotRegular);
    }
    if meta.len() > cap {
        return Err(Refusal::TooLarge(cap));
    }
    let mut buf = Vec::new();
    // A file can grow while it is read, and some (`/proc`) say they are empty: read one byte
    // more than the cap, never more.
    file.take(cap.saturating_add(1)).read_to_end(&mut buf).map_err(Refusal::Io)?;
    if buf.len() as u64 > cap {
        return Err(Refusal::TooLarge(cap));
    }
    Ok(buf)
}

/// Open for reading without blocking: a FIFO opens at once (and is then refused as not a
/// regular file) instead of waiting for a writer.
#[cfg(unix)]
fn open(path: &Path, follow_links: bool) -> Result<File, Refusal> {
    use rustix::fs::OFlags;
    let mut flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOCTTY | OFlags::NONBLOCK;
    if !follow_links {
        flags |= OFlags::NOFOLLOW;
    }
    match crate::longpath::imp::open(path, flags) {
        Ok(fd) => Ok(File::from(fd)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Refusal::Missing),
        // O_NOFOLLOW on a link fails with ELOOP (EMLINK on FreeBSD).
        Err(e)
            if !follow_links
                && (e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error())
                    || e.raw_os_error() == Some(rustix::io::Errno::MLINK.raw_os_error())) =>
        {
            Err(Refusal::Link)
        }
        Err(e) => Err(Refusal::Io(e)),
    }
}

#[cfg(not(unix))]
fn open(path: &Path, follow_links: bool) -> Result<File, Refusal> {
    let meta = if follow_links { std::fs::metadata(path) } else { std::fs::symlink_metadata(path) };
    match meta {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Refusal::Missing),
        Err(e) => return Err(Refusal::Io(e)),
        Ok(m) if m.file_type().is_symlink() => return Err(Refusal::Link),
        Ok(m) if !m.is_file() => return Err(Refusal::NotRegular),
        Ok(_) => {}
    }
    File::open(path).map_err(Refusal::Io)
}

/// Text as UTF-8 bytes: a UTF-8 byte-order mark dropped, UTF-16 with a byte-order mark
/// (what PowerShell writes) decoded. Anything else holding a NUL is refused with a message
/// saying what to do, since it is UTF-16 without a mark or not text at all.
pub fn utf8(bytes: Vec<u8>) -> Result<Vec<u8>, String> {
    let utf16 = |le: bool| {
        let body = bytes.get(2..).unwrap_or_default();
        if body.len() % 2 == 1 {
            return Err("is UTF-16 with an odd number of bytes; save it as UTF-8".to_owned());
        }
        let units = body.chunks_exact(2).map(|p| {
            let pair = [p[0], p[1]];
            if le { u16::from_le_bytes(pair) } else { u16::from_be_bytes(pair) }
        });
        char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .map(String::into_bytes)
            .map_err(|_| "is not valid UTF-16; save it as UTF-8".to_owned())
    };
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return Ok(rest.to_vec());
    }
    if bytes.starts_with(b"\xFF\xFE") {
        return utf16(true);
    }
    if bytes.starts_with(b"\xFE\xFF") {
        return utf16(false);
    }
    if memchr::memchr(0, &bytes).is_some() {
        return Err(
            "is not UTF-8 text (it holds NUL bytes: UTF-16 without a byte-order mark?); save it as UTF-8".into()
        );
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_within_the_cap_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.yml");
        std::fs::write(&f, "abcd").unwrap();
        assert_eq!(read(&f, 4, false).unwrap(), b"abcd");
        assert!(matches!(read(&f, 3, false), Err(Refusal::TooLarge(3))));
        assert!(matches!(read(&dir.path().join("nope"), 4, true), Err(Refusal::Missing)));
        assert!(matches!(read(dir.path(), 4, true), Err(Refusal::NotRegular)));
        #[cfg(unix)]
        {
            let link = dir.path().join("link");
            std::os::unix::fs::symlink(&f, &link).unwrap();
            assert!(matches!(read(&link, 4, false), Err(Refusal::Link)));
            assert_eq!(read(&link, 4, true).unwrap(), b"abcd");
            // A device that never ends, and a file that says it is empty but is not.
            assert!(matches!(read(Path::new("/dev/zero"), 4, true), Err(Refusal::NotRegular)));
            if Path::new("/proc/self/pagemap").exists() {
                // Endless (and picky about read sizes): refused one way or another, never read whole.
                assert!(read(Path::new("/proc/self/pagemap"), MIB, true).is_err());
            }
        }
    }

    #[test]
    fn text_drops_a_bom_decodes_utf16_and_refuses_nul() {
        assert_eq!(utf8(b"\xEF\xBB\xBFa: 1".to_vec()).unwrap(), b"a: 1");
        assert_eq!(utf8(b"\xFF\xFEa\0:\0 \x001\0".to_vec()).unwrap(), b"a: 1");
        assert_eq!(utf8(b"\xFE\xFF\0a\0:\0 \x001".to_vec()).unwrap(), b"a: 1");
        assert_eq!(utf8(b"\xFF\xFE\xe9\0".to_vec()).unwrap(), "é".as_bytes());
        assert!(utf8(b"a\0:\0".to_vec()).unwrap_err().contains("save it as UTF-8"));
        assert!(utf8(b"\xFF\xFE\x00\xD8".to_vec()).unwrap_err().contains("not valid UTF-16"));
        assert_eq!(utf8(b"caf\xe9".to_vec()).unwrap(), b"caf\xe9", "Latin-1 is left to the reader");
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size(MIB), "1 MiB");
        assert_eq!(size(64 * MIB), "64 MiB");
        assert_eq!(size(2048), "2 KiB");
        assert_eq!(size(1000), "1000 bytes");
    }
}
