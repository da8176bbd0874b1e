//! The Marlin economy's engine: its state, operations and epoch close. Each submodule's doc
//! says which seed or spec section it implements.

pub mod rewards;
