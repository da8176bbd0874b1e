//! Input read with a limit, checked before anything is held whole: a scenario file, an expected
//! replay output, a replay line (for the `ergon` command and the Python module alike). A file past its limit (or an endless one such as `/dev/zero`)
//! is refused with the limit named, never read until memory runs out. The limits are documented
//! in `docs/replay.md` and `docs/scenarios.md`.

use std::io::{self, BufRead, Read};
use std::path::Path;

/// The largest scenario file read, bytes (shipped scenarios are a few kilobytes).
pub const SCENARIO_MAX: u64 = 4 << 20;
/// The largest expected-output file `ergon replay --expect` reads, bytes.
pub const EXPECTED_MAX: u64 = 256 << 20;
/// The longest replay line, bytes (without its newline).
pub const LINE_MAX: usize = 1 << 20;

/// The text of `path`, read whole only when it has at most `limit` bytes: `Ok(Err(why))` names
/// the limit when it is longer, or the line of the first bytes that are not UTF-8; `Err` is the
/// system's error opening or reading it.
pub fn read_to_string(path: &Path, limit: u64) -> io::Result<Result<String, String>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?.take(limit + 1).read_to_end(&mut bytes)?;
    Ok(within_limit(path, bytes.len(), limit).and_then(|()| {
        utf8(bytes).map_err(|line| format!("{}: line {line}: not valid UTF-8", path.display()))
    }))
}

/// `bytes` as text, or the (1-based) line of the first bytes that are not UTF-8.
fn utf8(bytes: Vec<u8>) -> Result<String, usize> {
    String::from_utf8(bytes).map_err(|e| {
        let good = e.utf8_error().valid_up_to();
        e.as_bytes()[..good].iter().filter(|&&b| b == b'\n').count() + 1
    })
}

/// An expected replay output (`ergon replay --expect`), at most [`EXPECTED_MAX`] bytes, read as
/// the replay's input is: a byte-order mark at its head is not part of its first line, bytes
/// that are not UTF-8 are named by their line, and so is a line (not blank, not a `#` comment)
/// that is not one JSON object read strictly (a key named twice refused, not its last value
/// kept). The error says why, naming the file and the line.
pub fn read_expected(path: &Path) -> Result<String, String> {
    let cannot = |e: String| format!("cannot read {}: {e}", path.display());
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(EXPECTED_MAX + 1).read_to_end(&mut bytes))
        .map_err(|e| cannot(e.to_string()))?;
    within_limit(path, bytes.len(), EXPECTED_MAX)?;
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let text =
        utf8(body.to_vec()).map_err(|line| cannot(format!("line {line}: not valid UTF-8")))?;
    for (n, line) in ergon_core::replay::expected_lines(&text) {
        let why = match ergon_core::strict_json::from_str(line.trim()) {
            Ok(serde_json::Value::Object(_)) => continue,
            Ok(_) => "expected a JSON object, as every output line is".to_owned(),
            Err(why) => why,
        };
        return Err(format!("{}: line {n}: {why}", path.display()));
    }
    Ok(text)
}

/// `Err` naming the limit when `len` bytes read of `path` pass `limit`.
fn within_limit(path: &Path, len: usize, limit: u64) -> Result<(), String> {
    if len as u64 > limit {
        return Err(format!("{} is larger than {limit} bytes, the limit", path.display()));
    }
    Ok(())
}

/// The lines of `reader`, each at most [`LINE_MAX`] bytes: a longer one is an error naming its
/// (1-based) number, found after reading at most `LINE_MAX + 1` bytes of it.
#[derive(Debug)]
pub struct Lines<R> {
    reader: R,
    number: usize,
    buf: Vec<u8>,
}

impl<R: BufRead> Lines<R> {
    /// Lines of `reader`.
    pub fn new(reader: R) -> Lines<R> {
        Lines { reader, number: 0, buf: Vec::new() }
    }
}

impl<R: BufRead> Iterator for Lines<R> {
    /// The line's number and text, or why it could not be read.
    type Item = (usize, Result<String, String>);

    fn next(&mut self) -> Option<Self::Item> {
        self.buf.clear();
        self.number += 1;
        let limit = LINE_MAX as u64 + 1;
        match (&mut self.reader).take(limit).read_until(b'\n', &mut self.buf) {
            Ok(0) => None,
            Ok(_) => {
                if self.buf.last() == Some(&b'\n') {
                    self.buf.pop();
                }
                // CRLF, the last line's too when the file ends without its LF.
                if self.buf.last() == Some(&b'\r') {
                    self.buf.pop();
                }
                if self.buf.len() > LINE_MAX {
                    let why = format!("longer than {LINE_MAX} bytes, the limit of a replay line");
                    return Some((self.number, Err(why)));
                }
                // A byte-order mark before the first line (as some editors write) is not text.
                if self.buf.starts_with(b"\xEF\xBB\xBF") {
                    if self.number > 1 {
                        // Two files joined, the second with its mark: said as such.
                        let why = "starts with a byte-order mark (U+FEFF), which only a file's \
                                   first line may have";
                        return Some((self.number, Err(why.to_owned())));
                    }
                    self.buf.drain(..3);
                }
                // A carriage return left inside a line: a file whose lines end in CR alone
                // (no JSON text holds one raw) would otherwise read as one line, a comment.
                if self.buf.contains(&b'\r') {
                    let why =
                        "holds a carriage return (\\r) inside it: end lines with \\n or \\r\\n";
                    return Some((self.number, Err(why.to_owned())));
                }
                let text = String::from_utf8(std::mem::take(&mut self.buf))
                    .map_err(|_| "not valid UTF-8".to_owned());
                Some((self.number, text))
            }
            Err(e) => Some((self.number, Err(format!("cannot read: {e}")))),
        }
    }
}

/// A scenario's name (for messages) and text: the file at `scenario`, else the shipped scenario
/// of that name (`ergon scenarios`), else — with none given — the default scenario. The error
/// says why neither could be read.
pub fn read_scenario(scenario: Option<&Path>) -> Result<(String, String), String> {
    let Some(path) = scenario else {
        let s = crate::default_scenario();
        return Ok((format!("<embedded {}>", s.name), s.text.to_owned()));
    };
    match read_to_string(path, SCENARIO_MAX) {
        Ok(Ok(text)) => Ok((path.display().to_string(), text)),
        Ok(Err(too_large)) => Err(format!("cannot read scenario: {too_large}")),
        Err(e) => match crate::scenario(&path.to_string_lossy()) {
            Some(s) => Ok((format!("<embedded {}>", s.name), s.text.to_owned())),
            None => Err(not_found(path, &e)),
        },
    }
}

/// Why `path` names no scenario: the file's error, and, for a plain name that is no file, that
/// it is no shipped scenario either, with the nearest shipped name.
fn not_found(path: &Path, e: &std::io::Error) -> String {
    let text = path.to_string_lossy();
    let name = text.strip_suffix(".toml").unwrap_or(&text);
    let plain = e.kind() == std::io::ErrorKind::NotFound && !name.contains(['/', '\\', '.']);
    if !plain {
        return format!("cannot read scenario {}: {e}", path.display());
    }
    let lower = name.to_lowercase().replace('_', "-");
    let names = crate::scenarios().map(|s| s.name);
    let hint = match ergon_sim::diag::nearest(&lower, names) {
        Some(best) => format!("; did you mean `{best}`?"),
        None => String::new(),
    };
    format!(
        "cannot read scenario {text}: no such file, and no shipped scenario of that name (`ergon \
         scenarios` lists them){hint}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mistyped_scenario_name_is_suggested() {
        let err = |p: &str| read_scenario(Some(Path::new(p))).expect_err("no such scenario");
        let e = err("stratos-smal");
        assert!(
            e.contains("no shipped scenario of that name")
                && e.ends_with("did you mean `stratos-small`?"),
            "{e}"
        );
        assert!(err("Marlin_Paper").ends_with("did you mean `marlin-paper`?"));
        assert!(err("stratos-smal.toml").ends_with("did you mean `stratos-small`?"));
        // A path is a file's error alone; a name far from any has no suggestion.
        assert!(err("no/such.toml").ends_with("(os error 2)"));
        assert!(!err("zzzzzzzzzz").contains("did you mean"));
    }

    #[test]
    fn a_byte_order_mark_before_the_first_line_is_left_out() {
        let text = "\u{feff}{\"op\":\"genesis\"}\n\u{feff}x\n";
        let lines: Vec<_> = Lines::new(text.as_bytes()).collect();
        // Only the first line's: a mark starting a later line (two files joined) is refused.
        assert_eq!(lines[0], (1, Ok("{\"op\":\"genesis\"}".to_owned())));
        assert!(lines[1].1.as_ref().unwrap_err().contains("byte-order mark"), "{lines:?}");
    }

    #[test]
    fn lines_end_at_newlines_and_refuse_an_overlong_one() {
        let text = b"a\r\nbc\n\nlast";
        let got: Vec<_> = Lines::new(&text[..]).collect();
        let want = [(1, "a"), (2, "bc"), (3, ""), (4, "last")];
        assert_eq!(got.len(), 4);
        for ((n, t), (wn, wt)) in got.into_iter().zip(want) {
            assert_eq!((n, t.unwrap()), (wn, wt.to_owned()));
        }
        let mut long = vec![b'x'; LINE_MAX];
        long.push(b'\n');
        long.extend(vec![b'y'; LINE_MAX + 1]);
        let got: Vec<_> = Lines::new(&long[..]).take(2).collect();
        assert_eq!(got[0].1.as_ref().map(String::len), Ok(LINE_MAX)); // at the limit: kept
        assert_eq!(got[1].0, 2);
        assert!(got[1].1.as_ref().unwrap_err().contains("longer than 1048576 bytes"));
        // Lines ended by CR alone read as one line: refused, naming the carriage return.
        let got: Vec<_> = Lines::new(&b"# a\r{\"op\":\"genesis\"}\r"[..]).collect();
        assert_eq!(got.len(), 1);
        assert!(got[0].1.as_ref().unwrap_err().contains("carriage return (\\r) inside it"));
        // CRLF to the end, the last line without its LF included.
        let got: Vec<_> = Lines::new(&b"a\r\nb\r"[..]).map(|(n, l)| (n, l.unwrap())).collect();
        assert_eq!(got, [(1, "a".to_owned()), (2, "b".to_owned())]);
        let got: Vec<_> = Lines::new(&b"{}\n\xEF\xBB\xBF{}\n"[..]).collect();
        assert!(got[1].1.as_ref().unwrap_err().contains("starts with a byte-order mark"));
    }

    #[test]
    fn a_file_past_its_limit_is_refused_after_limit_plus_one_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.toml");
        std::fs::write(&p, "abcd").unwrap();
        assert_eq!(read_to_string(&p, 4).unwrap(), Ok("abcd".to_owned()));
        // Bytes that are not UTF-8 are named by their line.
        let bad = dir.path().join("bad.toml");
        std::fs::write(&bad, b"[scenario]\nname = \"s\"\n# caf\xE9\n").unwrap();
        let e = read_to_string(&bad, 1000).unwrap().unwrap_err();
        assert!(e.ends_with("bad.toml: line 3: not valid UTF-8"), "{e}");
        let e = read_to_string(&p, 3).unwrap().unwrap_err();
        assert!(e.ends_with("s.toml is larger than 3 bytes, the limit"), "{e}");
        // An endless file stops at the limit.
        let e = read_to_string(Path::new("/dev/zero"), 1000).unwrap().unwrap_err();
        assert!(e.contains("larger than 1000 bytes"), "{e}");
    }
}
