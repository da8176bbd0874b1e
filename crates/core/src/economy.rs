//! economy (in progress)
