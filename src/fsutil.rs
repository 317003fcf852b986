//! Bounded reads from disk: what the user points the tool at (a config file, feature files)
//! must be a regular file of a sane size — never a FIFO that blocks forever, `/dev/zero`, or a
//! symlink loop walked without end.

use std::io::{self, Read as _};
use std::path::{Path, PathBuf};

/// Reads `path` as UTF-8 text: a regular file (symlinks followed) of at most `max` bytes.
pub fn read_text(path: &Path, max: u64) -> io::Result<String> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    if meta.len() > max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{} bytes, over the limit of {max}", meta.len()),
        ));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(max + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("over the limit of {max} bytes"),
        ));
    }
    String::from_utf8(bytes)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not UTF-8 text"))
}

/// Limits of a directory walk.
#[derive(Debug, Clone, Copy)]
pub struct WalkLimits {
    pub max_depth: usize,
    pub max_files: usize,
}

impl Default for WalkLimits {
    fn default() -> Self {
        Self {
            max_depth: 16,
            max_files: 10_000,
        }
    }
}

/// Every regular file under `dir` whose name ends with `.{extension}`, sorted. Symlinked
/// directories are not followed (no loops); symlinked files are. Too deep or too many is an
/// error naming the limit.
pub fn find_files(dir: &Path, extension: &str, limits: WalkLimits) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![(dir.to_owned(), 0usize)];
    while let Some((current, depth)) = stack.pop() {
        if depth > limits.max_depth {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{} is more than {} directories deep",
                    current.display(),
                    limits.max_depth
                ),
            ));
        }
        for entry in std::fs::read_dir(&current)? {
            let entry = entry?;
            let path = entry.path();
            let kind = entry.file_type()?;
            if kind.is_dir() {
                stack.push((path, depth + 1));
            } else if path.extension().is_some_and(|e| e == extension)
                && std::fs::metadata(&path).is_ok_and(|m| m.is_file())
            {
                out.push(path);
                if out.len() > limits.max_files {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!("more than {} .{extension} files", limits.max_files),
                    ));
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Writes `text` to `path` (its directory made first), redacted: every report goes through here.
pub fn write_redacted(path: &Path, text: &str) -> Result<(), crate::error::ConfigError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| crate::error::ConfigError::WriteReport {
            path: path.to_owned(),
            source,
        })?;
    }
    std::fs::write(path, crate::redact::redact(text).as_bytes()).map_err(|source| {
        crate::error::ConfigError::WriteReport {
            path: path.to_owned(),
            source,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_a_small_regular_file() {
        let dir = std::env::temp_dir().join(format!("pc-fsutil-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert!(read_text(&dir, 10).is_err());
        let big = dir.join("big.txt");
        std::fs::write(&big, "x".repeat(100)).unwrap();
        assert!(
            read_text(&big, 10)
                .unwrap_err()
                .to_string()
                .contains("limit")
        );
        assert_eq!(read_text(&big, 100).unwrap().len(), 100);
        if Path::new("/dev/zero").exists() {
            assert!(read_text(Path::new("/dev/zero"), 10).is_err());
        }
    }

    #[cfg(unix)]
    #[test]
    fn symlinked_directories_are_not_walked() {
        let dir = std::env::temp_dir().join(format!("pc-walk-{}", std::process::id()));
        let sub = dir.join("a");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join("x.feature"), "Feature: x").unwrap();
        let _ = std::os::unix::fs::symlink("..", sub.join("up"));
        let _ = std::os::unix::fs::symlink("..", dir.join("up2"));
        let found = find_files(&dir, "feature", WalkLimits::default()).unwrap();
        assert_eq!(found, vec![sub.join("x.feature")]);
    }
}
