//! fixed (in progress)
