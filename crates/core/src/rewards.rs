//! rewards (in progress)
