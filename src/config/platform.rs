//! `platforms = ["linux", "macos/aarch64", "arm64"]`: which systems a task runs on. The main
//! type here is [`Platform`].
//!
//! Names are Rust's (`std::env::consts::{OS, ARCH}`), with the two common arch spellings from
//! elsewhere accepted as aliases: `amd64` for `x86_64` and `arm64` for `aarch64`.

use std::fmt;

/// Operating systems, as `std::env::consts::OS` names them.
pub(crate) const OPERATING_SYSTEMS: &[&str] = &[
    "linux",
    "macos",
    "windows",
    "freebsd",
    "openbsd",
    "netbsd",
    "dragonfly",
    "android",
    "ios",
    "solaris",
    "illumos",
];

/// Architectures, as `std::env::consts::ARCH` names them, then the aliases.
const ARCHITECTURES: &[&str] = &[
    "x86_64",
    "aarch64",
    "x86",
    "arm",
    "riscv64",
    "powerpc64",
    "s390x",
    "loongarch64",
    "mips64",
    "amd64",
    "arm64",
];

/// One entry of `platforms`: an OS, an architecture, or both. Stored (in the model's memo) as
/// the text it was read from, so its names stay the static ones of the tables above.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    pub os: Option<&'static str>,
    pub arch: Option<&'static str>,
}

/// Why an entry of `platforms` is not a platform: the part that is unknown and a close name.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct UnknownPlatform {
    pub(crate) part: String,
    pub(crate) suggestion: Option<&'static str>,
}

impl Platform {
    /// Reads `linux`, `arm64` or `linux/arm64`.
    pub(crate) fn parse(text: &str) -> Result<Platform, UnknownPlatform> {
        match text.split_once('/') {
            Some((os, arch)) => Ok(Platform {
                os: Some(known(os, OPERATING_SYSTEMS)?),
                arch: Some(canonical_arch(known(arch, ARCHITECTURES)?)),
            }),
            None => {
                if let Some(os) = OPERATING_SYSTEMS.iter().find(|os| **os == text) {
                    return Ok(Platform {
                        os: Some(os),
                        arch: None,
                    });
                }
                let all = OPERATING_SYSTEMS.iter().chain(ARCHITECTURES);
                let arch = known(text, &all.copied().collect::<Vec<_>>())?;
                Ok(Platform {
                    os: None,
                    arch: Some(canonical_arch(arch)),
                })
            }
        }
    }

    /// Whether rask is running on this platform.
    pub fn is_current(&self) -> bool {
        self.os.is_none_or(|os| os == std::env::consts::OS)
            && self.arch.is_none_or(|arch| arch == std::env::consts::ARCH)
    }
}

impl serde::Serialize for Platform {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

// By hand: derived, the `&'static str` fields would demand `'de: 'static`.
impl<'de> serde::Deserialize<'de> for Platform {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Platform, D::Error> {
        let text = String::deserialize(deserializer)?;
        Platform::parse(&text).map_err(|unknown| {
            serde::de::Error::custom(format_args!("unknown platform part `{}`", unknown.part))
        })
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.os, self.arch) {
            (Some(os), Some(arch)) => write!(formatter, "{os}/{arch}"),
            (Some(name), None) | (None, Some(name)) => formatter.write_str(name),
            (None, None) => formatter.write_str("any"),
        }
    }
}

/// Where rask runs now, as `os/arch`.
pub fn current() -> String {
    format!("{}/{}", std::env::consts::OS, std::env::consts::ARCH)
}

fn known(part: &str, names: &[&'static str]) -> Result<&'static str, UnknownPlatform> {
    names
        .iter()
        .find(|name| **name == part)
        .copied()
        .ok_or_else(|| UnknownPlatform {
            part: part.to_owned(),
            suggestion: super::suggest(part, names.iter().copied()),
        })
}

fn canonical_arch(arch: &'static str) -> &'static str {
    match arch {
        "amd64" => "x86_64",
        "arm64" => "aarch64",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_os_arch_and_both() {
        assert_eq!(
            Platform::parse("linux/arm64"),
            Ok(Platform {
                os: Some("linux"),
                arch: Some("aarch64")
            })
        );
        assert_eq!(Platform::parse("amd64").unwrap().arch, Some("x86_64"));
        assert_eq!(Platform::parse("macos").unwrap().os, Some("macos"));
        assert!(Platform::parse(std::env::consts::OS).unwrap().is_current());
    }

    #[test]
    fn suggests_for_unknown_names() {
        let error = Platform::parse("linx").unwrap_err();
        assert_eq!(error.suggestion, Some("linux"));
        let error = Platform::parse("linux/amd46").unwrap_err();
        assert_eq!(
            (error.part.as_str(), error.suggestion),
            ("amd46", Some("amd64"))
        );
    }
}
