//! staking (in progress)
