//! Paths longer than the system takes in one call (PATH_MAX): opened relative to folder
//! descriptors, a few components at a time. Every function first makes the ordinary call and
//! takes the descriptor route only when that call failed with ENAMETOOLONG, so the common case
//! costs nothing more.

use std::ffi::OsString;
use std::fs::File;
use std::io;
use std::path::Path;

/// What a folder entry is, from the folder listing (never a link followed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    /// A link, FIFO, socket or device: never read by a walk.
    Other,
}

/// Whether an error is ENAMETOOLONG: the path was too long for one system call.
pub fn is_too_long(e: &io::Error) -> bool {
    imp::is_too_long(e)
}

/// `File::open`, also for a path longer than PATH_MAX.
pub fn open_file(path: &Path) -> io::Result<File> {
    match File::open(path) {
        Err(e) if is_too_long(&e) => imp::open_long(path),
        other => other,
    }
}

/// Whether anything (a link too, not followed) is at `path`.
pub fn exists(path: &Path) -> bool {
    match std::fs::symlink_metadata(path) {
        Ok(_) => true,
        Err(e) if is_too_long(&e) => imp::exists_long(path),
        Err(_) => false,
    }
}

/// Whether `path` is a folder (following links, as for a path named on the command line).
pub fn is_dir(path: &Path) -> bool {
    match std::fs::metadata(path) {
        Ok(m) => m.is_dir(),
        Err(e) if is_too_long(&e) => imp::is_dir_long(path),
        Err(_) => false,
    }
}

/// The entries of a folder however long its path, with their kinds, in listing order.
pub fn read_dir(path: &Path) -> io::Result<Vec<(OsString, Kind)>> {
    imp::read_dir(path)
}

#[cfg(unix)]
pub(crate) mod imp {
    use super::Kind;
    use rustix::fs::{AtFlags, CWD, Dir, FileType, Mode, OFlags};
    use rustix::io::Errno;
    use std::ffi::{OsStr, OsString};
    use std::fs::File;
    use std::io;
    use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
    use std::os::unix::ffi::OsStrExt;
    use std::path::{Component, Path, PathBuf};

    /// Bytes of path handed to one `openat`: well under any PATH_MAX (1024 on macOS).
    const CHUNK: usize = 512;

    pub fn is_too_long(e: &io::Error) -> bool {
        e.raw_os_error() == Some(Errno::NAMETOOLONG.raw_os_error())
    }

    /// `open(path, flags)`, relative to folder descriptors when the path is too long.
    pub fn open(path: &Path, flags: OFlags) -> io::Result<OwnedFd> {
        match rustix::fs::open(path, flags, Mode::empty()) {
            Err(Errno::NAMETOOLONG) => {}
            other => return other.map_err(io::Error::from),
        }
        let (dir, name) = parent(path)?;
        Ok(rustix::fs::openat(&dir, name, flags, Mode::empty())?)
    }

    pub fn open_long(path: &Path) -> io::Result<File> {
        let (dir, name) = parent(path)?;
        Ok(File::from(rustix::fs::openat(&dir, name, OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty())?))
    }

    pub fn exists_long(path: &Path) -> bool {
        parent(path).is_ok_and(|(dir, name)| rustix::fs::statat(&dir, name, AtFlags::SYMLINK_NOFOLLOW).is_ok())
    }

    pub fn is_dir_long(path: &Path) -> bool {
        parent(path).is_ok_and(|(dir, name)| {
            rustix::fs::statat(&dir, name, AtFlags::empty())
                .is_ok_and(|st| FileType::from_raw_mode(st.st_mode) == FileType::Directory)
        })
    }

    pub fn read_dir(path: &Path) -> io::Result<Vec<(OsString, Kind)>> {
        let fd = open_dir(path)?;
        let mut out = Vec::new();
        for entry in Dir::read_from(&fd)? {
            let entry = entry?;
            let name = OsStr::from_bytes(entry.file_name().to_bytes());
            if name == "." || name == ".." {
                continue;
            }
            let kind = match entry.file_type() {
                // Some file systems do not say in the listing: ask, without following a link.
                FileType::Unknown => match rustix::fs::statat(&fd, name, AtFlags::SYMLINK_NOFOLLOW) {
                    Ok(st) => kind(FileType::from_raw_mode(st.st_mode)),
                    Err(_) => Kind::Other,
                },
                t => kind(t),
            };
            out.push((name.to_owned(), kind));
        }
        Ok(out)
    }

    fn kind(t: FileType) -> Kind {
        match t {
            FileType::RegularFile => Kind::File,
            FileType::Directory => Kind::Dir,
            _ => Kind::Other,
        }
    }

    /// A descriptor of the folder holding the last component of `path`, and that component.
    fn parent(path: &Path) -> io::Result<(OwnedFd, &OsStr)> {
        let name = match path.components().next_back() {
            Some(Component::Normal(name)) => name,
            _ => return Err(Errno::NAMETOOLONG.into()),
        };
        let dir = path.parent().unwrap_or(Path::new(""));
        Ok((open_dir(dir)?, name))
    }

    /// Open the folder `path` by chunks of its components, each relative to the one before.
    fn open_dir(path: &Path) -> io::Result<OwnedFd> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let mut fd: Option<OwnedFd> = None;
        let mut chunk = PathBuf::new();
        let step = |fd: &Option<OwnedFd>, chunk: &Path| -> io::Result<OwnedFd> {
            let base: BorrowedFd<'_> = fd.as_ref().map_or(CWD, |f| f.as_fd());
            Ok(rustix::fs::openat(base, chunk, flags, Mode::empty())?)
        };
        for c in path.components() {
            let part = c.as_os_str();
            if c == Component::CurDir {
                continue;
            }
            if !chunk.as_os_str().is_empty() && chunk.as_os_str().len() + part.len() + 1 > CHUNK {
                fd = Some(step(&fd, &chunk)?);
                chunk.clear();
            }
            chunk.push(part);
        }
        if chunk.as_os_str().is_empty() {
            chunk.push(".");
        }
        step(&fd, &chunk)
    }
}

#[cfg(not(unix))]
pub(crate) mod imp {
    //! Elsewhere the ordinary calls are all there is.
    use super::Kind;
    use std::ffi::OsString;
    use std::fs::File;
    use std::io;
    use std::path::Path;

    pub fn is_too_long(_: &io::Error) -> bool {
        false
    }

    pub fn open_long(path: &Path) -> io::Result<File> {
        File::open(path)
    }

    pub fn exists_long(path: &Path) -> bool {
        std::fs::symlink_metadata(path).is_ok()
    }

    pub fn is_dir_long(path: &Path) -> bool {
        path.is_dir()
    }

    pub fn read_dir(path: &Path) -> io::Result<Vec<(OsString, Kind)>> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(path)? {
            let entry = entry?;
            let t = entry.file_type()?;
            let kind = if t.is_file() {
                Kind::File
            } else if t.is_dir() {
                Kind::Dir
            } else {
                Kind::Other
            };
            out.push((entry.file_name(), kind));
        }
        Ok(out)
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// A folder chain deeper than PATH_MAX, made one level at a time relative to the last, and
    /// the path of its deepest folder (relative to `base`).
    fn deep(base: &Path, levels: usize) -> PathBuf {
        let seg = "d".repeat(200);
        let mut rel = PathBuf::new();
        for _ in 0..levels {
            rel.push(&seg);
            let (dir, name) = imp_parent(&base.join(&rel));
            rustix::fs::mkdirat(&dir, name.as_str(), rustix::fs::Mode::from_raw_mode(0o755))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        rel
    }

    fn imp_parent(path: &Path) -> (std::os::fd::OwnedFd, String) {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let parent = path.parent().unwrap_or(Path::new("."));
        let fd = imp::open(parent, rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::DIRECTORY)
            .unwrap_or_else(|e| panic!("{e}"));
        (fd, name)
    }

    #[test]
    fn a_path_longer_than_path_max_is_opened_listed_and_tested() {
        let dir = tempfile::tempdir().unwrap();
        let rel = deep(dir.path(), 25);
        let long = dir.path().join(&rel);
        assert!(long.as_os_str().len() > 5000);
        let (d, name) = imp_parent(&long.join("f.yml"));
        let fd = rustix::fs::openat(
            &d,
            name.as_str(),
            rustix::fs::OFlags::WRONLY | rustix::fs::OFlags::CREATE,
            rustix::fs::Mode::from_raw_mode(0o644),
        )
        .unwrap();
        std::io::Write::write_all(&mut File::from(fd), b"token\n").unwrap();
        let file = long.join("f.yml");
        assert!(std::fs::File::open(&file).is_err_and(|e| is_too_long(&e)), "the ordinary call fails");
        let mut text = String::new();
        std::io::Read::read_to_string(&mut open_file(&file).unwrap(), &mut text).unwrap();
        assert_eq!(text, "token\n");
        assert!(exists(&file) && !exists(&long.join("nope")));
        assert!(is_dir(&long) && !is_dir(&file));
        assert_eq!(read_dir(&long).unwrap(), [(OsString::from("f.yml"), Kind::File)]);
    }
}
