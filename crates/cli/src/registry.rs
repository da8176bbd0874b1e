//! The economies this build knows, by the name a genesis line or scenario uses.

use ergon_core::economy::{Registry, constructor};

/// Every economy of this build.
pub(crate) static REGISTRY: &Registry = &[
    ("stratos", constructor::<ergon_stratos::Stratos>),
    ("toy", constructor::<ergon_core::toy::Toy>),
];
