//! emission (in progress)
