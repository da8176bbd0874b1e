//! dec (in progress)
