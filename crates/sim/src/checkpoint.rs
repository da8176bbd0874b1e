//! A job's checkpoint: its model's whole state at a step (agents, economy, random streams,
//! flows since the last row), so that a run killed outright continues from its last checkpoint
//! with the rows it would have written anyway (`ergon run --checkpoint-every`, `--resume`).
//!
//! A checkpoint is a 24-byte header then a body:
//!
//! | bytes | field |
//! |---|---|
//! | 0..8 | magic `ERGONCKP` |
//! | 8..12 | format version, u32 little-endian ([`FORMAT_VERSION`]) |
//! | 12..20 | body length in bytes, u64 little-endian |
//! | 20..24 | CRC-32 (IEEE) of the body, u32 little-endian |
//!
//! The body is [`Checkpoint`] in CBOR (RFC 8949, by `ciborium`): the scenario's parameter
//! hash, the job, the step reached, the length and CRC-32 of the job's part file then, whether the job had
//! finished, its last recorded metric values and the model's state (itself CBOR, by
//! [`save_model`]). CBOR describes itself, so the scenario sections a model keeps (tagged and
//! untagged enums, defaults) read back as they were written; a serializer that is not human
//! readable lets a type whose JSON form is a view (the replay's state) save its whole state.
//! Reading checks every field before anything is used: a file cut short, altered, of another
//! format version, scenario or job is an error, never a wrong result.

use ergon_core::MetricValue;
use serde::Deserialize;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The checkpoint file's first bytes.
pub const MAGIC: &[u8; 8] = b"ERGONCKP";
/// The layout version this build writes and reads; a change of the layout or of a model's state
/// changes it.
pub const FORMAT_VERSION: u32 = 22;
/// Bytes of the header.
const HEADER_BYTES: usize = 24;

/// What a checkpoint holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// SHA-256 of the resolved scenario, hex: the run's parameter hash.
    pub hash: String,
    /// The job's index.
    pub job: u64,
    /// Steps run.
    pub epoch: u64,
    /// Bytes of the job's part file holding its rows up to `epoch` (set by the sink).
    pub part_bytes: u64,
    /// CRC-32 (IEEE) of those bytes: a part file altered since is refused on resume.
    pub part_crc: u32,
    /// Whether the job had run to its end.
    pub done: bool,
    /// The values of the job's last recorded row, in column order.
    pub last: Vec<Value>,
    /// The model, as [`save_model`] wrote it.
    pub state: Vec<u8>,
}

/// A recorded metric value, as a checkpoint keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Value {
    /// [`MetricValue::Count`].
    Count(u64),
    /// [`MetricValue::Amount`]: base units and the token's decimals.
    Amount(u128, u8),
    /// [`MetricValue::Float`].
    Float(f64),
}

impl From<MetricValue> for Value {
    fn from(v: MetricValue) -> Value {
        match v {
            MetricValue::Count(n) => Value::Count(n),
            MetricValue::Amount { raw, decimals } => Value::Amount(raw, decimals),
            MetricValue::Float(x) => Value::Float(x),
        }
    }
}

impl From<Value> for MetricValue {
    fn from(v: Value) -> MetricValue {
        match v {
            Value::Count(n) => MetricValue::Count(n),
            Value::Amount(raw, decimals) => MetricValue::Amount { raw, decimals },
            Value::Float(x) => MetricValue::Float(x),
        }
    }
}

/// Why a checkpoint cannot be used.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// Shorter than its header.
    #[error("truncated: {found} bytes, fewer than the {HEADER_BYTES}-byte header")]
    Header {
        /// The file's length.
        found: u64,
    },
    /// The file does not start with [`MAGIC`].
    #[error("not an Ergon checkpoint (its first bytes are not ERGONCKP)")]
    NotACheckpoint,
    /// Another layout version.
    #[error("checkpoint format version {found}; this build reads version {expected} only")]
    Version {
        /// The file's version.
        found: u32,
        /// This build's.
        expected: u32,
    },
    /// Fewer (or more) bytes than the header announces.
    #[error("truncated or padded: the header announces {expected} bytes of body, {found} follow")]
    Length {
        /// Bytes announced.
        expected: u64,
        /// Bytes present.
        found: u64,
    },
    /// The body's checksum differs.
    #[error("corrupt: the body's CRC-32 is {found:08x}, the header says {expected:08x}")]
    Checksum {
        /// The header's.
        expected: u32,
        /// The body's.
        found: u32,
    },
    /// The body does not decode.
    #[error("corrupt: {0}")]
    Decode(String),
    /// Of another scenario (other parameters, seed, duration, …).
    #[error("of another scenario: parameter hash {found}, this run's is {expected}")]
    Scenario {
        /// The run's hash.
        expected: String,
        /// The checkpoint's.
        found: String,
    },
    /// Of another job.
    #[error("of job {found}, read for job {expected}")]
    Job {
        /// The job read for.
        expected: u64,
        /// The checkpoint's.
        found: u64,
    },
    /// Past the run's end.
    #[error("at step {found}, past the run's {epochs} steps")]
    Epoch {
        /// The checkpoint's step.
        found: u64,
        /// The run's steps.
        epochs: u64,
    },
}

/// `value` in CBOR: a model's state, or anything else a checkpoint holds.
pub fn save_model<T: Serialize>(value: &T) -> Result<Vec<u8>, CheckpointError> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).map_err(|e| CheckpointError::Decode(e.to_string()))?;
    Ok(out)
}

/// A CBOR decoding error in words (ciborium's own display is its debug form).
fn cbor_error<E: std::fmt::Display>(e: &ciborium::de::Error<E>) -> String {
    use ciborium::de::Error;
    match e {
        Error::Io(e) => format!("cut short or unreadable ({e})"),
        Error::Syntax(at) => format!("not valid CBOR at byte {at}"),
        Error::Semantic(Some(at), why) => format!("{why} (at byte {at})"),
        Error::Semantic(None, why) => why.clone(),
        Error::RecursionLimitExceeded => "nested too deep".into(),
    }
}

/// The value [`save_model`] wrote; every byte must be part of it.
pub fn load_model<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CheckpointError> {
    let mut rest = bytes;
    let value = ciborium::from_reader(&mut rest)
        .map_err(|e| CheckpointError::Decode(format!("the saved state: {}", cbor_error(&e))))?;
    if !rest.is_empty() {
        return Err(CheckpointError::Decode(format!(
            "the saved state: {} bytes after its end",
            rest.len()
        )));
    }
    Ok(value)
}

/// The file bytes of `c`.
pub fn encode(c: &Checkpoint) -> Result<Vec<u8>, CheckpointError> {
    let body = save_model(c)?;
    let mut out = Vec::with_capacity(HEADER_BYTES + body.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
    out.extend_from_slice(&body);
    Ok(out)
}

/// Reads a checkpoint's file bytes, checking its header, length and checksum; then that it is
/// of the run with parameter hash `hash`, of job `job`, at most at step `epochs`.
pub fn decode(
    bytes: &[u8],
    hash: &str,
    job: u64,
    epochs: u64,
) -> Result<Checkpoint, CheckpointError> {
    let n = MAGIC.len().min(bytes.len());
    if bytes[..n] != MAGIC[..n] {
        return Err(CheckpointError::NotACheckpoint);
    }
    if bytes.len() < HEADER_BYTES {
        return Err(CheckpointError::Header { found: bytes.len() as u64 });
    }
    let word = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
    let version = word(8);
    if version != FORMAT_VERSION {
        return Err(CheckpointError::Version { found: version, expected: FORMAT_VERSION });
    }
    let announced = u64::from_le_bytes(bytes[12..20].try_into().expect("8 bytes"));
    let body = &bytes[HEADER_BYTES..];
    if announced != body.len() as u64 {
        return Err(CheckpointError::Length { expected: announced, found: body.len() as u64 });
    }
    let (expected, found) = (word(20), crc32fast::hash(body));
    if expected != found {
        return Err(CheckpointError::Checksum { expected, found });
    }
    let c: Checkpoint = load_model(body)?;
    if c.hash != hash {
        return Err(CheckpointError::Scenario { expected: hash.to_owned(), found: c.hash });
    }
    if c.job != job {
        return Err(CheckpointError::Job { expected: job, found: c.job });
    }
    if c.epoch > epochs {
        return Err(CheckpointError::Epoch { found: c.epoch, epochs });
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ergon_core::{RngStreams, Seed, StreamRng};

    const HASH: &str = "5e1f";

    fn sample() -> Checkpoint {
        let mut rng = RngStreams::new(Seed::from_u64(3)).stream(&[1, 2]);
        rng.next_u64();
        Checkpoint {
            hash: HASH.to_owned(),
            job: 4,
            epoch: 144,
            part_bytes: 9_876,
            part_crc: 0x1234_5678,
            done: false,
            last: vec![Value::Count(7), Value::Amount(u128::MAX, 18), Value::Float(f64::NAN)],
            state: save_model(&rng).expect("a stream saves"),
        }
    }

    fn same(a: &Checkpoint, b: &Checkpoint) -> bool {
        // NaN != NaN: compare the floats' bits.
        let bits = |c: &Checkpoint| {
            c.last
                .iter()
                .map(|v| match v {
                    Value::Float(x) => Value::Count(x.to_bits()),
                    other => *other,
                })
                .collect::<Vec<_>>()
        };
        (&a.hash, a.job, a.epoch, a.part_bytes, a.part_crc, a.done, &a.state)
            == (&b.hash, b.job, b.epoch, b.part_bytes, b.part_crc, b.done, &b.state)
            && bits(a) == bits(b)
    }

    #[test]
    fn a_checkpoint_reads_back_as_written() {
        let c = sample();
        let bytes = encode(&c).expect("encodes");
        assert_eq!(&bytes[..8], b"ERGONCKP");
        assert_eq!(&bytes[8..12], &[22, 0, 0, 0], "format version 22");
        let body = (bytes.len() - 24) as u64;
        assert_eq!(&bytes[12..20], &body.to_le_bytes());
        assert_eq!(&bytes[20..24], &crc32fast::hash(&bytes[24..]).to_le_bytes());
        let back = decode(&bytes, HASH, 4, 144).expect("decodes");
        assert!(same(&back, &c));
        // The stream in it draws on where it stopped.
        let mut saved: StreamRng = load_model(&back.state).expect("the stream loads");
        let mut rng = RngStreams::new(Seed::from_u64(3)).stream(&[1, 2]);
        rng.next_u64();
        assert_eq!(saved.next_u64(), rng.next_u64());
    }

    #[test]
    fn every_truncation_is_refused() {
        let bytes = encode(&sample()).expect("encodes");
        for len in 0..bytes.len() {
            let err = decode(&bytes[..len], HASH, 4, 144).expect_err("cut short");
            let expected = if len < 24 {
                CheckpointError::Header { found: len as u64 }
            } else {
                CheckpointError::Length {
                    expected: (bytes.len() - 24) as u64,
                    found: (len - 24) as u64,
                }
            };
            assert_eq!(err, expected, "cut at {len}");
        }
        let mut padded = bytes.clone();
        padded.push(0);
        assert!(matches!(decode(&padded, HASH, 4, 144), Err(CheckpointError::Length { .. })));
    }

    #[test]
    fn every_flipped_bit_is_refused() {
        let bytes = encode(&sample()).expect("encodes");
        for at in 0..bytes.len() {
            for bit in [0, 7] {
                let mut bad = bytes.clone();
                bad[at] ^= 1 << bit;
                let err = decode(&bad, HASH, 4, 144).expect_err("altered");
                let ok = match at {
                    0..8 => err == CheckpointError::NotACheckpoint,
                    8..12 => {
                        matches!(err, CheckpointError::Version { expected: FORMAT_VERSION, .. })
                    }
                    12..20 => matches!(err, CheckpointError::Length { .. }),
                    _ => matches!(err, CheckpointError::Checksum { .. }),
                };
                assert!(ok, "byte {at} bit {bit}: {err}");
            }
        }
    }

    #[test]
    fn another_scenario_job_or_length_is_refused() {
        let bytes = encode(&sample()).expect("encodes");
        let err = decode(&bytes, "beef", 4, 144).expect_err("another scenario");
        assert_eq!(err.to_string(), "of another scenario: parameter hash 5e1f, this run's is beef");
        let err = decode(&bytes, HASH, 5, 144).expect_err("another job");
        assert_eq!(err.to_string(), "of job 4, read for job 5");
        let err = decode(&bytes, HASH, 4, 143).expect_err("a shorter run");
        assert_eq!(err.to_string(), "at step 144, past the run's 143 steps");
        let mut v2 = bytes.clone();
        v2[8] = 2;
        let err = decode(&v2, HASH, 4, 144).expect_err("version 2");
        assert_eq!(
            err.to_string(),
            "checkpoint format version 2; this build reads version 22 only"
        );
    }

    #[test]
    fn a_state_with_bytes_after_it_is_refused() {
        let mut bytes = save_model(&7u64).expect("saves");
        assert_eq!(load_model::<u64>(&bytes), Ok(7));
        bytes.push(0);
        assert_eq!(
            load_model::<u64>(&bytes),
            Err(CheckpointError::Decode("the saved state: 1 bytes after its end".into()))
        );
        assert!(load_model::<u64>(&[]).is_err());
    }
}
