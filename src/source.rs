//! Source-address allowlists: exact addresses and CIDR blocks, IPv4 and IPv6.

use alloc::vec::Vec;
use core::fmt;
use core::net::IpAddr;

use crate::error::ErrorCode;

/// Addresses Codat's current webhook service sends from (Codat, "IP allowlist").
pub const CODAT_SOURCES: [&str; 2] = ["4.159.114.108", "20.117.190.191"];
/// Addresses Codat's legacy webhook service sends from (Codat legacy docs).
pub const CODAT_LEGACY_SOURCES: [&str; 2] = ["20.77.82.168/32", "51.142.76.22/32"];
/// Most entries in one allowlist.
pub const MAX_SOURCES: usize = 256;
/// Longest entry or address looked at, in bytes (a full IPv6 CIDR has 43).
pub const MAX_SOURCE_LEN: usize = 64;

/// Why an allowlist entry or an address was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SourceError {
    /// More than [`MAX_SOURCES`] entries.
    TooManySources,
    /// The entry at this zero-based index is not an address or `address/prefix`.
    InvalidSource {
        /// Zero-based position of the offending entry.
        index: usize,
    },
    /// The address being checked is not an IPv4 or IPv6 address.
    InvalidAddress,
}

impl ErrorCode for SourceError {
    fn code(&self) -> &'static str {
        match self {
            SourceError::TooManySources => "too_many_sources",
            SourceError::InvalidSource { .. } => "invalid_source",
            SourceError::InvalidAddress => "invalid_address",
        }
    }

    fn message(&self) -> &'static str {
        match self {
            SourceError::TooManySources => "more than 256 allowlist entries",
            SourceError::InvalidSource { .. } => {
                "an allowlist entry is not an IP address or CIDR block"
            }
            SourceError::InvalidAddress => "not an IPv4 or IPv6 address",
        }
    }

    fn index(&self) -> Option<usize> {
        SourceError::index(self)
    }
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceError::InvalidSource { index } => write!(
                f,
                "allowlist entry #{} is not an IP address or CIDR block",
                index + 1
            ),
            _ => f.write_str(self.message()),
        }
    }
}

impl SourceError {
    /// The zero-based position of the offending entry, when the error names one.
    pub fn index(&self) -> Option<usize> {
        match self {
            SourceError::InvalidSource { index } => Some(*index),
            _ => None,
        }
    }
}

impl core::error::Error for SourceError {}

/// One block, stored as IPv6 (IPv4 as `::ffff:a.b.c.d/96+n`), so v4, v6 and v4-mapped v6
/// addresses compare alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Block {
    bits: u128,
    mask: u128,
}

impl Block {
    fn contains(&self, addr: u128) -> bool {
        addr & self.mask == self.bits
    }
}

/// An allowlist of source addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceAllowlist {
    blocks: Vec<Block>,
}

impl SourceAllowlist {
    /// Parses entries: `a.b.c.d`, `a.b.c.d/n` (n ≤ 32), an IPv6 address, or `v6/n` (n ≤ 128).
    /// Host bits below the prefix are ignored (`10.1.2.3/8` is `10.0.0.0/8`).
    pub fn new<I, S>(entries: I) -> Result<SourceAllowlist, SourceError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut blocks = Vec::new();
        for (index, entry) in entries.into_iter().enumerate() {
            if index == MAX_SOURCES {
                return Err(SourceError::TooManySources);
            }
            blocks.push(parse_block(entry.as_ref()).ok_or(SourceError::InvalidSource { index })?);
        }
        Ok(SourceAllowlist { blocks })
    }

    /// Codat's documented sources, current and legacy.
    pub fn codat() -> SourceAllowlist {
        let entries = CODAT_SOURCES.iter().chain(CODAT_LEGACY_SOURCES.iter());
        SourceAllowlist {
            blocks: entries.filter_map(|e| parse_block(e)).collect(),
        }
    }

    /// Whether `address` (no port, no brackets, no zone) is in the list.
    pub fn is_allowed(&self, address: &str) -> Result<bool, SourceError> {
        let addr = parse_addr(address).ok_or(SourceError::InvalidAddress)?;
        Ok(self.blocks.iter().any(|b| b.contains(addr)))
    }
}

/// An address as IPv6 bits (IPv4 as `::ffff:a.b.c.d`), or `None` when it is not one.
pub(crate) fn parse_addr(text: &str) -> Option<u128> {
    if text.len() > MAX_SOURCE_LEN {
        return None;
    }
    Some(match text.parse::<IpAddr>().ok()? {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => u128::from(v6),
    })
}

fn parse_block(entry: &str) -> Option<Block> {
    if entry.len() > MAX_SOURCE_LEN {
        return None;
    }
    let (addr_text, prefix) = match entry.split_once('/') {
        None => (entry, None),
        Some((a, p)) => {
            if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            (a, Some(p.parse::<u32>().ok()?))
        }
    };
    let (addr, prefix) = match addr_text.parse::<IpAddr>().ok()? {
        IpAddr::V4(v4) => {
            let p = prefix.unwrap_or(32);
            if p > 32 {
                return None;
            }
            (u128::from(v4.to_ipv6_mapped()), 96 + p)
        }
        IpAddr::V6(v6) => {
            let p = prefix.unwrap_or(128);
            if p > 128 {
                return None;
            }
            (u128::from(v6), p)
        }
    };
    let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
    Some(Block {
        bits: addr & mask,
        mask,
    })
}
