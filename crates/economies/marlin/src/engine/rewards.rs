//! Rewards (spec marlin.md, "Rewards"): how an epoch's pools are paid to relayers.
