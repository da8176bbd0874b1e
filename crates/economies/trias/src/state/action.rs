//! [`Action`], the replay form of an operation, read by its `op`: the routing and trust ops
//! here, the others ([`ExtraAction`]) by their own reader, so that an error names the field or
//! the value at fault rather than "no variant matched".

use ergon_core::amount::Qty;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

use super::extra::ExtraAction;
use crate::attest::{Outcome, Tee};

/// One action; `op` names it in replay. The derive reads the routing and trust ops (as the
/// inherent `Action::deserialize`, serde's `remote = "Self"`); the trait impl below sends the
/// others to [`ExtraAction`]'s reader.
#[derive(Clone, Debug, Deserialize)]
#[serde(remote = "Self", tag = "op", rename_all = "snake_case", deny_unknown_fields)]
#[allow(missing_docs)] // every field is described in docs/replay.md ("The Trias economy")
pub enum Action {
    /// Registers a node (and its account) with its TEE family; `seed` makes it pre-trusted.
    RegisterNode {
        node: String,
        tee: Tee,
        #[serde(default)]
        seed: bool,
    },
    /// One attestation record; `assigned` when the target came from the epoch beacon.
    Attest {
        attester: String,
        attestee: String,
        step: u64,
        outcome: Outcome,
        tee: Tee,
        #[serde(default)]
        assigned: bool,
    },
    /// `receiver` signs a receipt for `router`'s copy, received at `step`, of the record of
    /// `attester` on `attestee` at `record_step`.
    Receipt {
        router: String,
        receiver: String,
        attester: String,
        attestee: String,
        record_step: u64,
        step: u64,
    },
    /// `router` answered a property query of `receiver` (5 receipts).
    QueryAnswer { router: String, receiver: String },
    /// `node` bonds `amount` of its balance (slashed on quarantine or a fraud proof).
    Bond { node: String, amount: Qty },
    /// `challenger` proves `attester`'s standing PASS on the quarantined `attestee` false.
    FraudProof { challenger: String, attester: String, attestee: String },
    /// Calls, gas, insurance, Prometh and beacon ops (`state/extra.rs`).
    #[serde(skip_deserializing)]
    Extra(ExtraAction),
}

/// The `op` names the derive reads.
const CORE_OPS: [&str; 6] =
    ["register_node", "attest", "receipt", "query_answer", "bond", "fraud_proof"];

impl<'de> Deserialize<'de> for Action {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Action, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        let op = v.get("op").and_then(serde_json::Value::as_str).unwrap_or_default().to_owned();
        if CORE_OPS.contains(&op.as_str()) {
            Action::deserialize(v).map_err(D::Error::custom)
        } else {
            serde_json::from_value(v).map(Action::Extra).map_err(|e| {
                let e = e.to_string();
                // The op unknown (not a value of one of its fields): the core ops are valid too.
                if e.starts_with(&format!("unknown variant `{op}`")) {
                    D::Error::custom(format!("{e}, or `{}`", CORE_OPS.join("`, `")))
                } else {
                    D::Error::custom(e)
                }
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Action, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    /// An error names the field at fault, in a routing op and in an extra op alike (an
    /// untagged fallback said only that no variant matched).
    #[test]
    fn errors_name_the_field() {
        let e = read(r#"{"op":"insure","node":"a","amont":"1"}"#).unwrap_err();
        assert!(e.contains("unknown field `amont`"), "{e}");
        let e = read(r#"{"op":"attest","attester":"a"}"#).unwrap_err();
        assert!(e.contains("missing field `attestee`"), "{e}");
        let e = read(r#"{"op":"register_node","node":"a","tee":"SGX","x":1}"#).unwrap_err();
        assert!(e.contains("unknown field `x`"), "{e}");
        assert!(matches!(
            read(r#"{"op":"register_node","node":"a","tee":"SGX"}"#),
            Ok(Action::RegisterNode { seed: false, .. })
        ));
        assert!(matches!(read(r#"{"op":"targets","verifier":"a"}"#), Ok(Action::Extra(_))));
        // A bad value of a field's enum lists that enum's values, not the ops.
        let call = r#"{"op":"call","call":"c","caller":"a","k":1,"price":"1","deadline":1,"rule":"majorty"}"#;
        let e = read(call).unwrap_err();
        assert!(e.contains("unknown variant `majorty`") && !e.contains("register_node"), "{e}");
        let e = read(r#"{"op":"atest"}"#).unwrap_err();
        assert!(e.contains("unknown variant `atest`") && e.contains("`attest`"), "{e}");
    }
}
