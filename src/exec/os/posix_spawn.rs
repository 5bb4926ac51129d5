//! Starting a command's process with `posix_spawn(3)`, from an environment block prepared
//! once per run for each distinct job environment. The main type here is [`Launcher`].
//!
//! std's `Command` rebuilds the child's whole environment whenever the job's env is modified,
//! which every rask job's is (`RASK_JOBSERVER`, a task's `env`): it reads `environ` into a map
//! and allocates a C string per variable, about 68,000 instructions a spawn, half of rask's
//! own instructions in a 1,000-task fan-out (docs/performance.md, "Spawning"). Here the block
//! for each distinct (env, unset) pair is built the first time a job needs it and reused by
//! every later job with the same environment.
//!
//! Everything else is what std does: glibc's `posix_spawn` (a `CLONE_VM | CLONE_VFORK` clone,
//! so the cost of a spawn does not grow with rask's memory), the process group set by the
//! spawn attributes, SIGPIPE back to its default, an empty signal mask, the working directory
//! and the three standard streams as file actions. rask's own working directory and
//! environment are never changed; every other descriptor of rask's is close-on-exec.

use std::cell::{OnceCell, RefCell};
use std::collections::hash_map::{DefaultHasher, Entry};
use std::collections::{BTreeMap, HashMap};
use std::ffi::{CString, OsStr, OsString, c_char};
use std::fs::File;
use std::hash::{Hash, Hasher};
use std::io::{self, ErrorKind};
use std::mem::MaybeUninit;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// How many distinct environments a run keeps prepared. A run in which every task has an
/// environment of its own starts the cache over when it is full, so memory stays bounded.
const MAX_BLOCKS: usize = 64;

/// Where `execvp` looks when the child's environment has no `PATH` (glibc's `_CS_PATH`).
const DEFAULT_PATH: &str = "/bin:/usr/bin";

/// What a child's standard stream is connected to.
#[derive(Clone, Copy, Debug)]
pub(crate) enum ChildStdio {
    /// rask's own stream.
    Inherit,
    /// `/dev/null`, opened once per run.
    Null,
    /// A descriptor of rask's (a pipe's write end, a spool file), duplicated onto the stream.
    Fd(RawFd),
}

/// One process to start.
#[derive(Debug)]
pub(crate) struct ChildSpec<'a> {
    /// The program (looked up in the child's `PATH` when it has no `/`) and its arguments.
    pub(crate) argv: &'a [&'a OsStr],
    /// Where it runs, if not in rask's own working directory.
    pub(crate) dir: Option<&'a Path>,
    /// Variables set on top of rask's environment.
    pub(crate) env: &'a [(String, String)],
    /// Variables removed from rask's environment.
    pub(crate) env_remove: &'a [String],
    /// Start a process group of its own, led by the child.
    pub(crate) own_group: bool,
    /// Standard input, output and error.
    pub(crate) stdio: [ChildStdio; 3],
}

/// Starts the processes of one run. Not shared between threads: the scheduler's thread owns it.
#[derive(Debug)]
pub(crate) struct Launcher {
    /// rask's environment, read once when the run starts (rask never changes it).
    inherited: Vec<(OsString, OsString)>,
    /// Prepared blocks by the hash of their (env, unset) pair; equal pairs are compared whole.
    blocks: RefCell<HashMap<u64, Vec<EnvBlock>>>,
    /// rask's own `PATH` (from `inherited`), which `posix_spawnp` searches.
    own_path: Option<OsString>,
    null: OnceCell<File>,
    /// File actions by what they do: glibc checks each descriptor of an action against the
    /// descriptor limit as it is added (two `getrlimit` calls a descriptor, six a spawn), and
    /// the pipes of one task usually get the same numbers as those of the task before.
    actions: RefCell<HashMap<ActionsKey, FileActions>>,
}

/// What a set of file actions does: the descriptors duplicated onto stdin, stdout and stderr
/// ([`INHERIT`]: none), then the directory changed to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ActionsKey {
    stdio: [RawFd; 3],
    dir: Option<PathBuf>,
}

/// In an [`ActionsKey`]: the stream is rask's own, nothing is duplicated onto it.
const INHERIT: RawFd = -1;

/// How many distinct sets of file actions a run keeps; started over when full.
const MAX_ACTIONS: usize = 32;

/// A child's environment as `posix_spawn` takes it: `NAME=value` strings, sorted by name as
/// std orders them, and a null-terminated array of pointers to them.
#[derive(Debug)]
struct EnvBlock {
    env: Vec<(String, String)>,
    env_remove: Vec<String>,
    /// Owns the strings `pointers` points into; a `CString`'s bytes do not move with it.
    #[cfg_attr(
        not(test),
        expect(dead_code, reason = "held for `pointers`, read only by tests")
    )]
    strings: Vec<CString>,
    pointers: Vec<*mut c_char>,
    /// The child's `PATH`, where a program without a `/` is looked up.
    path: Option<OsString>,
}

impl Launcher {
    pub(crate) fn new() -> Launcher {
        let inherited: Vec<(OsString, OsString)> = std::env::vars_os().collect();
        let own_path = (inherited.iter().rev())
            .find(|(name, _)| name == "PATH")
            .map(|(_, value)| value.clone());
        Launcher {
            inherited,
            blocks: RefCell::new(HashMap::new()),
            own_path,
            null: OnceCell::new(),
            actions: RefCell::new(HashMap::new()),
        }
    }

    /// Starts `child`; its pid once it has been exec'd. A program that cannot be run (missing,
    /// not executable, a working directory that does not exist) is an `Err` here, as glibc's
    /// `posix_spawn` reports the child's failed `execve` or `chdir` to the caller.
    pub(crate) fn spawn(&self, child: &ChildSpec<'_>) -> io::Result<i32> {
        let (program, _) = child
            .argv
            .split_first()
            .ok_or_else(|| io::Error::new(ErrorKind::InvalidInput, "empty command"))?;
        let argv = CStrings::new(child.argv.iter().map(|arg| arg.as_bytes()))?;
        let mut stdio = [INHERIT; 3];
        for (fd, child_stdio) in stdio.iter_mut().zip(child.stdio) {
            *fd = match child_stdio {
                ChildStdio::Inherit => INHERIT,
                ChildStdio::Null => self.null()?,
                ChildStdio::Fd(fd) => fd,
            };
        }
        let mut actions = self.actions.borrow_mut();
        let actions = prepared_actions(&mut actions, stdio, child.dir)?;
        let attributes = Attributes::new(child.own_group)?;
        let mut blocks = self.blocks.borrow_mut();
        let block = self.block(&mut blocks, child.env, child.env_remove)?;
        let (search, resolved) = if program.as_bytes().contains(&b'/') {
            (false, c_string(program.as_bytes())?)
        } else if block.path == self.own_path {
            // posix_spawnp searches rask's PATH, which is the child's.
            (true, c_string(program.as_bytes())?)
        } else {
            // The task changed PATH (a `prepend`, say): look the program up in the child's,
            // as `execvp` in the child would.
            let found = search_path(program, block.path.as_deref(), child.dir)?;
            (false, c_string(found.as_os_str().as_bytes())?)
        };
        let mut pid: libc::pid_t = 0;
        // SAFETY: every pointer is valid for the call: `resolved`, `argv` and the block's
        // strings are NUL-terminated and outlive it, both pointer arrays end in a null pointer,
        // and `actions` and `attributes` were initialised by their constructors. posix_spawn
        // only reads them, and with glibc's vfork-style clone it returns once the child has
        // exec'd (or failed to), so nothing it was given is used afterwards.
        let status = unsafe {
            let spawn = if search {
                libc::posix_spawnp
            } else {
                libc::posix_spawn
            };
            spawn(
                &mut pid,
                resolved.as_ptr(),
                actions.as_ptr(),
                attributes.as_ptr(),
                argv.pointers.as_ptr(),
                block.pointers.as_ptr(),
            )
        };
        if status != 0 {
            return Err(io::Error::from_raw_os_error(status));
        }
        Ok(pid)
    }

    fn null(&self) -> io::Result<RawFd> {
        if let Some(null) = self.null.get() {
            return Ok(null.as_raw_fd());
        }
        // Read and write, so that one descriptor serves stdin and a check's stdout and stderr.
        let null = File::options().read(true).write(true).open("/dev/null")?;
        Ok(self.null.get_or_init(|| null).as_raw_fd())
    }

    /// The prepared block for this environment, built now if it is new.
    fn block<'b>(
        &self,
        blocks: &'b mut HashMap<u64, Vec<EnvBlock>>,
        env: &[(String, String)],
        env_remove: &[String],
    ) -> io::Result<&'b EnvBlock> {
        let mut hasher = DefaultHasher::new();
        env.hash(&mut hasher);
        env_remove.hash(&mut hasher);
        let hash = hasher.finish();
        let same = |block: &EnvBlock| block.env == env && block.env_remove == env_remove;
        let known = blocks
            .get(&hash)
            .and_then(|bucket| bucket.iter().position(same));
        let index = match known {
            Some(index) => index,
            None => {
                let block = EnvBlock::new(&self.inherited, env, env_remove)?;
                // Counted only when a block is built: at most 64 buckets to sum.
                if blocks.values().map(Vec::len).sum::<usize>() >= MAX_BLOCKS {
                    blocks.clear();
                }
                let bucket = blocks.entry(hash).or_default();
                bucket.push(block);
                bucket.len() - 1
            }
        };
        Ok(&blocks[&hash][index])
    }
}

impl EnvBlock {
    fn new(
        inherited: &[(OsString, OsString)],
        env: &[(String, String)],
        env_remove: &[String],
    ) -> io::Result<EnvBlock> {
        let mut vars: BTreeMap<&OsStr, &OsStr> = inherited
            .iter()
            .map(|(name, value)| (name.as_os_str(), value.as_os_str()))
            .collect();
        for name in env_remove {
            vars.remove(OsStr::new(name));
        }
        for (name, value) in env {
            vars.insert(OsStr::new(name), OsStr::new(value));
        }
        let path = vars.get(OsStr::new("PATH")).map(|path| path.to_os_string());
        let CStrings { strings, pointers } = CStrings::new(
            vars.iter()
                .map(|(name, value)| [name.as_bytes(), b"=", value.as_bytes()].concat()),
        )?;
        Ok(EnvBlock {
            env: env.to_vec(),
            env_remove: env_remove.to_vec(),
            strings,
            pointers,
            path,
        })
    }
}

/// C strings and the null-terminated array of pointers to them that `execve` takes.
struct CStrings {
    strings: Vec<CString>,
    pointers: Vec<*mut c_char>,
}

impl CStrings {
    fn new<B: AsRef<[u8]>>(items: impl Iterator<Item = B>) -> io::Result<CStrings> {
        let strings = items
            .map(|item| c_string(item.as_ref()))
            .collect::<io::Result<Vec<_>>>()?;
        let pointers = strings
            .iter()
            .map(|string| string.as_ptr().cast_mut())
            .chain(std::iter::once(std::ptr::null_mut()))
            .collect();
        Ok(CStrings { strings, pointers })
    }
}

fn c_string(bytes: &[u8]) -> io::Result<CString> {
    CString::new(bytes).map_err(|_| {
        io::Error::new(
            ErrorKind::InvalidInput,
            "a NUL byte in a command, a path or a variable",
        )
    })
}

/// Looks `program` up in `path` as `execvp` does: the first entry holding an executable file
/// of that name; an empty entry is the working directory. Relative entries are relative to the
/// child's directory, where the child will be when it execs.
fn search_path(program: &OsStr, path: Option<&OsStr>, dir: Option<&Path>) -> io::Result<PathBuf> {
    let path = path.unwrap_or(OsStr::new(DEFAULT_PATH));
    let mut denied = false;
    for entry in path.as_bytes().split(|&byte| byte == b':') {
        let entry = Path::new(if entry.is_empty() {
            OsStr::new(".")
        } else {
            OsStr::from_bytes(entry)
        });
        let candidate = match dir {
            Some(dir) if entry.is_relative() => dir.join(entry).join(program),
            _ => entry.join(program),
        };
        match std::fs::metadata(&candidate) {
            Ok(metadata) if metadata.is_file() => {
                if executable(&candidate) {
                    return Ok(candidate);
                }
                denied = true;
            }
            _ => {}
        }
    }
    Err(io::Error::from(if denied {
        ErrorKind::PermissionDenied
    } else {
        ErrorKind::NotFound
    }))
}

fn executable(candidate: &Path) -> bool {
    let Ok(candidate) = c_string(candidate.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: access(2) only reads the NUL-terminated path it is given.
    unsafe { libc::access(candidate.as_ptr(), libc::X_OK) == 0 }
}

/// The file actions that duplicate `stdio` (see [`ActionsKey`]) and change to `dir`, built
/// now if no earlier spawn of the run needed the same.
fn prepared_actions<'c>(
    cache: &'c mut HashMap<ActionsKey, FileActions>,
    stdio: [RawFd; 3],
    dir: Option<&Path>,
) -> io::Result<&'c FileActions> {
    let key = ActionsKey {
        stdio,
        dir: dir.map(Path::to_path_buf),
    };
    if cache.len() >= MAX_ACTIONS && !cache.contains_key(&key) {
        cache.clear();
    }
    match cache.entry(key) {
        Entry::Occupied(known) => Ok(known.into_mut()),
        Entry::Vacant(slot) => {
            let mut actions = FileActions::new()?;
            for (target, fd) in (0..).zip(stdio) {
                if fd != INHERIT {
                    actions.dup2(fd, target)?;
                }
            }
            if let Some(dir) = dir {
                actions.chdir(&c_string(dir.as_os_str().as_bytes())?)?;
            }
            Ok(slot.insert(actions))
        }
    }
}

/// `posix_spawn_file_actions_t`, destroyed when dropped.
struct FileActions(Box<MaybeUninit<libc::posix_spawn_file_actions_t>>);

impl FileActions {
    fn new() -> io::Result<FileActions> {
        let mut actions = FileActions(Box::new(MaybeUninit::uninit()));
        // SAFETY: init writes a valid, empty set of actions into the space it is given.
        check(unsafe { libc::posix_spawn_file_actions_init(actions.0.as_mut_ptr()) })?;
        Ok(actions)
    }

    fn dup2(&mut self, fd: RawFd, target: RawFd) -> io::Result<()> {
        // SAFETY: the actions were initialised in `new`; adddup2 copies the two integers.
        check(unsafe { libc::posix_spawn_file_actions_adddup2(self.0.as_mut_ptr(), fd, target) })
    }

    fn chdir(&mut self, dir: &CString) -> io::Result<()> {
        // SAFETY: the actions were initialised in `new`; glibc copies the path.
        check(unsafe {
            libc::posix_spawn_file_actions_addchdir_np(self.0.as_mut_ptr(), dir.as_ptr())
        })
    }

    fn as_ptr(&self) -> *const libc::posix_spawn_file_actions_t {
        self.0.as_ptr()
    }
}

impl std::fmt::Debug for FileActions {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("FileActions")
    }
}

impl Drop for FileActions {
    fn drop(&mut self) {
        // SAFETY: initialised in `new` (a failed init never builds a `FileActions`), destroyed
        // once, here.
        unsafe {
            libc::posix_spawn_file_actions_destroy(self.0.as_mut_ptr());
        }
    }
}

/// `posix_spawnattr_t` as every child gets it, destroyed when dropped.
struct Attributes(Box<MaybeUninit<libc::posix_spawnattr_t>>);

impl Attributes {
    fn new(own_group: bool) -> io::Result<Attributes> {
        let mut attributes = Attributes(Box::new(MaybeUninit::uninit()));
        let attr = attributes.0.as_mut_ptr();
        // SAFETY: init writes valid default attributes into the space it is given; the calls
        // after it only set fields of those attributes, reading the signal sets they are given.
        unsafe {
            check(libc::posix_spawnattr_init(attr))?;
            let mut set = MaybeUninit::<libc::sigset_t>::uninit();
            libc::sigemptyset(set.as_mut_ptr());
            // The child starts with no signal blocked, whatever rask's threads block.
            check(libc::posix_spawnattr_setsigmask(attr, set.as_ptr()))?;
            // std ignores SIGPIPE in rask; the child gets the default back, as std gives it.
            libc::sigaddset(set.as_mut_ptr(), libc::SIGPIPE);
            check(libc::posix_spawnattr_setsigdefault(attr, set.as_ptr()))?;
            let mut flags = libc::POSIX_SPAWN_SETSIGMASK | libc::POSIX_SPAWN_SETSIGDEF;
            if own_group {
                // Group 0: a new group whose id is the child's pid.
                check(libc::posix_spawnattr_setpgroup(attr, 0))?;
                flags |= libc::POSIX_SPAWN_SETPGROUP;
            }
            let flags = i16::try_from(flags).expect("the spawn flags fit in a short");
            check(libc::posix_spawnattr_setflags(attr, flags))?;
        }
        Ok(attributes)
    }

    fn as_ptr(&self) -> *const libc::posix_spawnattr_t {
        self.0.as_ptr()
    }
}

impl Drop for Attributes {
    fn drop(&mut self) {
        // SAFETY: initialised in `new`, destroyed once, here.
        unsafe {
            libc::posix_spawnattr_destroy(self.0.as_mut_ptr());
        }
    }
}

/// The posix_spawn family returns an error number rather than setting `errno`.
fn check(status: libc::c_int) -> io::Result<()> {
    match status {
        0 => Ok(()),
        error => Err(io::Error::from_raw_os_error(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect()
    }

    fn launcher(inherited: &[(&str, &str)]) -> Launcher {
        Launcher {
            inherited: inherited
                .iter()
                .map(|(name, value)| (OsString::from(name), OsString::from(value)))
                .collect(),
            ..Launcher::new()
        }
    }

    fn strings(block: &EnvBlock) -> Vec<String> {
        block
            .strings
            .iter()
            .map(|string| string.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn a_block_is_the_inherited_environment_with_the_jobs_changes_sorted() {
        let launcher = launcher(&[("ZED", "1"), ("GONE", "x"), ("KEEP", "2"), ("SET", "old")]);
        let mut blocks = launcher.blocks.borrow_mut();
        let block = launcher
            .block(
                &mut blocks,
                &env(&[("SET", "new"), ("ADDED", "3")]),
                &["GONE".to_owned()],
            )
            .expect("block");
        assert_eq!(
            strings(block),
            ["ADDED=3", "KEEP=2", "SET=new", "ZED=1"],
            "{block:?}"
        );
        assert_eq!(block.pointers.len(), 5);
        assert!(block.pointers[4].is_null());
    }

    #[test]
    fn equal_environments_share_one_block_and_the_cache_stays_bounded() {
        let launcher = launcher(&[("A", "1")]);
        let mut blocks = launcher.blocks.borrow_mut();
        let first: *const EnvBlock = launcher
            .block(&mut blocks, &env(&[("X", "1")]), &[])
            .expect("block");
        let again: *const EnvBlock = launcher
            .block(&mut blocks, &env(&[("X", "1")]), &[])
            .expect("block");
        assert_eq!(first, again);
        for index in 0..3 * MAX_BLOCKS {
            let value = index.to_string();
            launcher
                .block(&mut blocks, &env(&[("X", &value)]), &[])
                .expect("block");
        }
        let held: usize = blocks.values().map(Vec::len).sum();
        assert!(held <= MAX_BLOCKS, "{held} blocks held");
    }

    /// Spawns `sh -c 'pwd; echo WORD'` with stdout on a fresh pipe and returns what it wrote.
    fn spawned_output(launcher: &Launcher, word: &str, dir: Option<&Path>) -> String {
        use std::io::Read;
        let (mut reader, writer) = io::pipe().expect("pipe");
        let script = format!("pwd; echo {word}");
        let argv = [OsStr::new("sh"), OsStr::new("-c"), OsStr::new(&script)];
        let child = ChildSpec {
            argv: &argv,
            dir,
            env: &[],
            env_remove: &[],
            own_group: false,
            stdio: [
                ChildStdio::Null,
                ChildStdio::Fd(writer.as_raw_fd()),
                ChildStdio::Inherit,
            ],
        };
        let pid = launcher.spawn(&child).expect("sh spawns");
        drop(writer);
        let mut output = String::new();
        reader.read_to_string(&mut output).expect("read");
        let mut status = 0;
        // SAFETY: waits for the child this test spawned; `status` is a valid out-pointer.
        assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
        output
    }

    #[test]
    fn prepared_file_actions_are_reused_only_for_the_same_descriptors_and_dir() {
        let launcher = Launcher::new();
        let dir = tempfile::tempdir().expect("temp dir");
        let dir = dir.path().canonicalize().expect("canonical");
        let here = std::env::current_dir().expect("cwd");
        // A pipe kept open shifts the next pipe's numbers, so the three spawns below need
        // two different sets of descriptors, then the first set again.
        let first = spawned_output(&launcher, "one", None);
        let (_held_reader, _held_writer) = io::pipe().expect("pipe");
        let second = spawned_output(&launcher, "two", Some(&dir));
        let third = spawned_output(&launcher, "three", None);
        assert_eq!(first, format!("{}\none\n", here.display()));
        assert_eq!(second, format!("{}\ntwo\n", dir.display()));
        assert_eq!(third, format!("{}\nthree\n", here.display()));
        assert!(
            launcher.actions.borrow().len() >= 2,
            "one set per distinct key"
        );
    }

    #[test]
    fn a_nul_byte_in_a_value_is_an_error_not_a_truncation() {
        let launcher = launcher(&[]);
        let mut blocks = launcher.blocks.borrow_mut();
        let error = launcher
            .block(&mut blocks, &env(&[("X", "a\0b")]), &[])
            .expect_err("NUL");
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
    }

    #[test]
    fn the_path_search_skips_what_cannot_run_and_reports_why() {
        let dir = tempfile::tempdir().expect("temp dir");
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).expect("bin");
        std::fs::write(bin.join("tool"), "#!/bin/sh\n").expect("tool");
        std::fs::create_dir(bin.join("dir-tool")).expect("dir-tool");
        let path = OsString::from(format!("/nonexistent:{}", bin.display()));
        // Not executable yet: found but denied.
        let denied = search_path(OsStr::new("tool"), Some(&path), None).expect_err("denied");
        assert_eq!(denied.kind(), ErrorKind::PermissionDenied);
        std::fs::set_permissions(
            bin.join("tool"),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .expect("chmod");
        assert_eq!(
            search_path(OsStr::new("tool"), Some(&path), None).expect("found"),
            bin.join("tool")
        );
        // A relative entry is relative to the child's directory.
        let relative = OsString::from("bin");
        assert_eq!(
            search_path(OsStr::new("tool"), Some(&relative), Some(dir.path())).expect("found"),
            dir.path().join("bin").join("tool")
        );
        let missing = search_path(OsStr::new("dir-tool"), Some(&path), None).expect_err("dir");
        assert_eq!(missing.kind(), ErrorKind::NotFound);
    }
}
