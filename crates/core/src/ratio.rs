//! ratio (in progress)
