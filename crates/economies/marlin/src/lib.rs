//! # ergon-marlin — the Marlin relay-network economy
//!
//! Implements seed 002 (spec: shared/spec/marlin.md) under two rule profiles, `paper` (the
//! seed's design in full, default) and `deployed` (the rules of Marlin's deployed contracts,
//! integer arithmetic with Solidity's flooring in the contracts' operation order).
//!
//! The economy lives in the private `engine` module; what it exposes is re-exported here.

mod engine;

pub use engine::rewards;
