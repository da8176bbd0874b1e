//! [`Bytes`]: a fuzz input read as a stream of choices. Past its end every read is zero, so any
//! input, even an empty one, is a complete (short) program.

/// A fuzz input read front to back.
#[derive(Debug)]
pub struct Bytes<'a> {
    data: &'a [u8],
}

impl<'a> Bytes<'a> {
    /// Reads `data` from its first byte.
    #[must_use]
    pub fn new(data: &'a [u8]) -> Bytes<'a> {
        Bytes { data }
    }

    /// True once every byte has been read.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The next byte (zero past the end).
    pub fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    /// The next two bytes, little-endian.
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }

    /// An index below `n` (`n` > 0), from two bytes.
    pub fn below(&mut self, n: usize) -> usize {
        usize::from(self.u16()) % n
    }
}
