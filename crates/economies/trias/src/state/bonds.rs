//! Bonds, their slash on quarantine, fraud proofs and the insurance inflow (spec trias.md,
//! "Attestations and direct trust": FAIL_EVIDENCE slashes the attestee's bond; "a PASS later
//! proven false costs the attester its epoch credits and bond: half to the challenger, half to
//! insurance"; "Insurance": every inflow 30 % to the bounty reserve, 70 % to the compensation
//! reserve).
//!
//! Choices: a quarantined node loses its whole bond; the insurance split floors the bounty
//! part and gives the remainder to the compensation reserve; a fraud proof is valid when the
//! attestee is quarantined and the attester still holds a standing PASS on it (`D_ij > 0` at
//! the current step) — the PASS endorsed a node proven compromised — and it wipes that pair, so
//! one PASS is punished once; the challenger gets `⌊bond/2⌋`, insurance the rest.

use ergon_core::Amount;
use ergon_core::amount::Qty;
use ergon_core::emission::split_amount;
use ergon_core::ledger::Holder;

use super::{Event, FraudOutcome, Trias};
use crate::attest::NodeId;
use crate::error::TriasError;

/// Insurance inflow split, basis points: bounty reserve, compensation reserve.
pub const INSURANCE_SPLIT: [u32; 2] = [3000, 7000];

impl Trias {
    pub(super) fn bond(&mut self, node: &str, amount: &Qty) -> Result<Event, TriasError> {
        let n = self.id(node)?;
        let a = amount.to_amount(self.meta())?;
        let bond = self.bond_core(n, a)?;
        Ok(Event::Bonded { node: node.into(), amount: self.fmt(a), bond: self.fmt(bond) })
    }

    /// Adds `a` of `n`'s balance to its bond; the bond after it.
    pub(super) fn bond_core(&mut self, n: NodeId, a: Amount) -> Result<Amount, TriasError> {
        if self.book.node(n)?.quarantined {
            return Err(TriasError::Quarantined { node: n });
        }
        if a.is_zero() {
            return Err(TriasError::ZeroAmount { node: n, what: "bond" });
        }
        let from = Holder::Account(self.accounts[n as usize]);
        let bond = self.bonds[n as usize].checked_add(a)?;
        self.ledger.transfer(self.token, from, Holder::Pool(self.reserves[0]), a)?;
        self.bonds[n as usize] = bond;
        Ok(bond)
    }

    /// Moves `a` from the bonds pool into insurance; the two parts.
    fn insure(&mut self, a: Amount) -> Result<(Amount, Amount), TriasError> {
        let (parts, dust) = split_amount(a, &INSURANCE_SPLIT);
        let comp = parts[1].checked_add(dust)?;
        let bonds = Holder::Pool(self.reserves[0]);
        self.ledger.transfer(self.token, bonds, Holder::Pool(self.reserves[1]), parts[0])?;
        self.ledger.transfer(self.token, bonds, Holder::Pool(self.reserves[2]), comp)?;
        Ok((parts[0], comp))
    }

    /// Slashes a freshly quarantined node's bond into insurance (no event without a bond).
    pub(super) fn slash(&mut self, n: NodeId) -> Result<Option<Event>, TriasError> {
        let a = std::mem::take(&mut self.bonds[n as usize]);
        if a.is_zero() {
            return Ok(None);
        }
        let (bounty, comp) = self.insure(a)?;
        Ok(Some(Event::Slashed {
            node: self.names[n as usize].clone(),
            amount: self.fmt(a),
            bounty: self.fmt(bounty),
            compensation: self.fmt(comp),
        }))
    }

    pub(super) fn fraud_proof(
        &mut self,
        challenger: &str,
        attester: &str,
        attestee: &str,
    ) -> Result<Event, TriasError> {
        let (c, i, j) = (self.id(challenger)?, self.id(attester)?, self.id(attestee)?);
        let f = self.fraud_core(c, i, j)?;
        Ok(Event::FraudProven {
            attester: attester.into(),
            challenger: challenger.into(),
            credits: f.credits,
            to_challenger: self.fmt(f.to_challenger),
            bounty: self.fmt(f.bounty),
            compensation: self.fmt(f.compensation),
        })
    }

    /// A fraud proof by index (the rules of the module doc).
    pub(super) fn fraud_core(
        &mut self,
        c: NodeId,
        i: NodeId,
        j: NodeId,
    ) -> Result<FraudOutcome, TriasError> {
        if c == i {
            return Err(TriasError::SelfChallenge { node: c });
        }
        // A quarantined challenger earns nothing: the attestee itself among them.
        if self.book.node(c)?.quarantined {
            return Err(TriasError::Quarantined { node: c });
        }
        if !self.book.node(j)?.quarantined {
            return Err(TriasError::NotQuarantined { node: j });
        }
        if self.book.direct(i, j, self.book.now()) == 0 {
            return Err(TriasError::NoFraud { attester: i, attestee: j });
        }
        let mut credits: u64 = self
            .credits
            .take_row(i)
            .iter()
            .map(|&(_, (x, y))| crate::mining::pair_credit(x, y))
            .sum();
        credits += self.upheld.remove(&i).unwrap_or(0) * super::UPHELD_CREDIT;
        self.forfeited.insert(i);
        self.book.wipe(i, j);
        let bond = std::mem::take(&mut self.bonds[i as usize]);
        let half = Amount(bond.0 / 2);
        let to = Holder::Account(self.accounts[c as usize]);
        self.ledger.transfer(self.token, Holder::Pool(self.reserves[0]), to, half)?;
        let (bounty, compensation) = self.insure(Amount(bond.0 - half.0))?;
        Ok(FraudOutcome { credits, bond, to_challenger: half, bounty, compensation })
    }
}
