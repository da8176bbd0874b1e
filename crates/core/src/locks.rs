//! locks (in progress)
