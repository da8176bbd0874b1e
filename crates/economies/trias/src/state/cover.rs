//! Insurance, bounties, claims and Prometh points in the state, and the executers' part of the
//! epoch's close (spec trias.md, "Insurance", "Prometh early-stage mining"); the beacon
//! targets are in `beacon.rs`.
//!
//! The close: due calls settle first (their gas reaches this epoch's pools), then — after the
//! mining splits — the Prometh pool is split by points, the lapsed policies and expired claims
//! go, and the queue is paid from at most half of the compensation reserve.

use ergon_core::ledger::Holder;
use ergon_core::{Amount, Rounding, mul_div};
use serde_json::{Value, json};

use super::calls::Settlement;
use super::{ClaimsPaid, CloseExtra, Trias};
use crate::attest::NodeId;
use crate::error::TriasError;
use crate::insurance::{BUDGET_BP, Severity, cover_for, exposed};
use crate::prometh::{RUN_POINTS, coverage_points, prometh_split};

/// The insurance pool at a glance (metrics).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InsuranceFigures {
    /// The bounty reserve.
    pub bounty_reserve: Amount,
    /// The compensation reserve.
    pub compensation_reserve: Amount,
    /// Live cover not yet claimed.
    pub cover: Amount,
    /// Claims queued, unpaid.
    pub queued: Amount,
}

impl Trias {
    /// Moves `a` from `from` into insurance: `⌊a·3000/10^4⌋` to the bounty reserve, the rest
    /// to the compensation reserve; the two parts.
    pub(super) fn inflow(
        &mut self,
        from: Holder,
        a: Amount,
    ) -> Result<(Amount, Amount), TriasError> {
        let (parts, dust) = ergon_core::emission::split_amount(a, &super::bonds::INSURANCE_SPLIT);
        let comp = parts[1].checked_add(dust)?;
        let bounty = Holder::Pool(self.reserves[1]);
        // All at once first, so a short balance refuses before anything moved.
        self.ledger.transfer(self.token, from, bounty, a)?;
        self.ledger.transfer(self.token, bounty, Holder::Pool(self.reserves[2]), comp)?;
        Ok((parts[0], comp))
    }

    fn active(&mut self, n: NodeId) -> Result<(), TriasError> {
        if self.book.node(n)?.quarantined {
            return Err(TriasError::Quarantined { node: n });
        }
        self.extra.grow(self.names.len());
        Ok(())
    }

    /// Node `n` insures itself with `premium` of its balance; the cover bought and the
    /// inflow's parts.
    pub fn buy_insurance(
        &mut self,
        n: NodeId,
        premium: Amount,
    ) -> Result<(Amount, (Amount, Amount)), TriasError> {
        self.active(n)?;
        if premium.is_zero() {
            return Err(TriasError::ZeroAmount { node: n, what: "premium" });
        }
        let from = Holder::Account(self.accounts[n as usize]);
        let epoch = self.epoch.0;
        let reserve = self.ledger.balance(self.token, Holder::Pool(self.reserves[2]))?;
        let cover = cover_for(premium, reserve, self.extra.insurance.outstanding())?;
        let parts = self.inflow(from, premium)?;
        let after = self.extra.insurance.reports();
        self.extra.insurance.buy(n, cover, epoch, after);
        Ok((cover, parts))
    }

    /// The first valid report of vulnerability `v` in program `p` by `analyst`: its bounty
    /// (paid from the bounty reserve, capped) and its Prometh points.
    pub fn report_vulnerability(
        &mut self,
        analyst: NodeId,
        v: u32,
        p: u32,
        severity: Severity,
    ) -> Result<(Amount, u64), TriasError> {
        self.active(analyst)?;
        if self.extra.vulns.get(v as usize).copied().unwrap_or(false) {
            return Err(TriasError::DuplicateReport { vulnerability: v });
        }
        let pool = Holder::Pool(self.reserves[1]);
        let b = self.ledger.balance(self.token, pool)?;
        let bounty = Amount(mul_div(b.0, severity.bounty_bp().into(), 10_000, Rounding::Down)?)
            .min(self.extra.bounty_cap);
        self.ledger.transfer(
            self.token,
            pool,
            Holder::Account(self.accounts[analyst as usize]),
            bounty,
        )?;
        let x = &mut self.extra;
        if x.vulns.len() <= v as usize {
            x.vulns.resize(v as usize + 1, false);
        }
        x.vulns[v as usize] = true;
        if x.reported.len() <= p as usize {
            x.reported.resize(p as usize + 1, None);
        }
        let number = x.insurance.report();
        if x.reported[p as usize].is_none() {
            x.reported[p as usize] = Some(self.epoch.0);
            if x.report_numbers.len() <= p as usize {
                x.report_numbers.resize(p as usize + 1, u64::MAX);
            }
            x.report_numbers[p as usize] = number;
        }
        let points = severity.points();
        x.points[analyst as usize] += points;
        Ok((bounty, points))
    }

    /// Node `n` claims `loss` from running program `p`; the amount queued (`loss` capped by
    /// its cover).
    pub fn file_claim(&mut self, n: NodeId, p: u32, loss: Amount) -> Result<Amount, TriasError> {
        // A quarantined node claims too: a claim is the compensation its premiums bought, not
        // a reward, and a compromised platform is the risk the seed's insurance covers ("the
        // undiscovered security risks of local data or computing platforms").
        self.book.node(n)?;
        // No loss, no claim (spec: "a node harmed …, loss verified"): a claim of 0 would use up
        // the node's one claim on the program.
        if loss.is_zero() {
            return Err(TriasError::ZeroLoss { node: n, program: p });
        }
        self.extra.grow(self.names.len());
        let x = &self.extra;
        // Its runs of settled calls (an answer to a call still open may yet count as none: its
        // executer quarantined by the settlement), each dated by its answer.
        if !x.ran[n as usize].iter().any(|&(q, e)| q == p && exposed(&x.reported, p, e)) {
            return Err(TriasError::NotExposed { node: n, program: p });
        }
        let at = x.claimed.binary_search(&(n, p));
        let Err(at) = at else { return Err(TriasError::DuplicateClaim { node: n, program: p }) };
        // Only cover bought before the program's first report counts: cover bought after it
        // would insure a risk already found (seed: insurance for "the undiscovered security
        // risks"). Reports before report numbers were kept: every policy counts.
        let report = x.report_numbers.get(p as usize).copied().unwrap_or(u64::MAX);
        if x.insurance.cover_before(n, report).0 == 0 {
            return Err(TriasError::NoCover { node: n });
        }
        self.extra.claimed.insert(at, (n, p));
        Ok(self.extra.insurance.file(n, loss, self.epoch.0, report))
    }

    /// An accepted analysis run of `subject` by `analyst` (the subject's first ever: spec
    /// "first valid submission only", as a test's lines and a vulnerability score once); its
    /// points.
    pub fn analysis_run(&mut self, analyst: NodeId, subject: u64) -> Result<u64, TriasError> {
        self.active(analyst)?;
        let Err(at) = self.extra.analysed.binary_search(&subject) else {
            return Err(TriasError::DuplicateSubject { subject });
        };
        self.extra.analysed.insert(at, subject);
        self.extra.points[analyst as usize] += RUN_POINTS;
        Ok(RUN_POINTS)
    }

    /// A test by `analyst` raising program `p`'s coverage to `covered` of `total` lines; its
    /// points.
    pub fn test_coverage(
        &mut self,
        analyst: NodeId,
        p: u32,
        covered: u64,
        total: u64,
    ) -> Result<u64, TriasError> {
        self.active(analyst)?;
        if total == 0 {
            return Err(TriasError::BadParam { name: "total", value: 0, min: 1, max: u64::MAX });
        }
        if covered > total {
            return Err(TriasError::BadParam {
                name: "covered",
                value: covered,
                min: 1,
                max: total,
            });
        }
        // A program has one line count, its first test's (spec: "1000·Δcovered/total lines"):
        // a test giving another would score the same lines twice.
        let lines = self.extra.coverage_lines.get(p as usize).copied().unwrap_or(0);
        if lines != 0 && total != lines {
            return Err(TriasError::BadParam {
                name: "total",
                value: total,
                min: lines,
                max: lines,
            });
        }
        let best = self.extra.coverage.get(p as usize).copied().unwrap_or(0);
        if covered <= best {
            return Err(TriasError::NoNewCoverage { program: p, covered, total, best });
        }
        let points = coverage_points(best, covered, total)?;
        for column in [&mut self.extra.coverage, &mut self.extra.coverage_lines] {
            if column.len() <= p as usize {
                column.resize(p as usize + 1, 0);
            }
        }
        self.extra.coverage[p as usize] = covered;
        self.extra.coverage_lines[p as usize] = total;
        self.extra.points[analyst as usize] += points;
        Ok(points)
    }

    /// The insurance pool's reserves, live cover and queued claims now.
    #[must_use]
    pub fn insurance_figures(&self) -> InsuranceFigures {
        let bal = |p| self.ledger.balance(self.token, Holder::Pool(p)).unwrap_or_default();
        let book = &self.extra.insurance;
        let queued = book.queued();
        InsuranceFigures {
            bounty_reserve: bal(self.reserves[1]),
            compensation_reserve: bal(self.reserves[2]),
            cover: Amount(book.outstanding().0 - queued.0),
            queued,
        }
    }

    /// Live cover of node `n`.
    #[must_use]
    pub fn cover_of(&self, n: NodeId) -> Amount {
        self.extra.insurance.cover(n)
    }

    /// The executers' part of the close (module doc), after the mining splits, with the calls
    /// settled before the snapshot; typed (nothing formatted).
    pub(super) fn close_extra(
        &mut self,
        calls: Vec<(u32, Settlement)>,
    ) -> Result<CloseExtra, TriasError> {
        self.extra.grow(self.names.len());
        let t = self.token;
        let pp = Holder::Pool(self.pools[2]);
        let pool = self.ledger.balance(t, pp)?;
        // A quarantined analyst earns nothing (spec "Attestations and direct trust": "no
        // rewards"): its points this epoch leave the split, which the others share.
        let nodes = self.book.nodes();
        let who: Vec<NodeId> = (0..self.names.len() as NodeId)
            .filter(|&n| self.extra.points[n as usize] > 0 && !nodes[n as usize].quarantined)
            .collect();
        let pts: Vec<u64> = who.iter().map(|&n| self.extra.points[n as usize]).collect();
        let (paid, carry) = prometh_split(pool, &pts)?;
        let mut prometh = Vec::with_capacity(who.len());
        for ((&n, &p), &a) in who.iter().zip(&pts).zip(&paid) {
            self.ledger.transfer(t, pp, Holder::Account(self.accounts[n as usize]), a)?;
            prometh.push((n, p, a));
        }
        self.extra.last[0] = (pool.0, pool.0 - carry.0, carry.0);
        let epoch = self.epoch.0;
        let expired = self.extra.insurance.expire(epoch, self.extra.claim_expiry);
        let rc = Holder::Pool(self.reserves[2]);
        let reserve = self.ledger.balance(t, rc)?;
        let budget = mul_div(reserve.0, BUDGET_BP.into(), 10_000, Rounding::Down)?;
        let had_claims = !self.extra.insurance.queue.is_empty();
        let claims = self.extra.insurance.pay(Amount(budget))?;
        let mut sum = 0u128;
        for &(n, a) in &claims {
            self.ledger.transfer(t, rc, Holder::Account(self.accounts[n as usize]), a)?;
            sum += a.0;
        }
        self.extra.last[1] = (budget, sum, budget - sum);
        let claims = (had_claims || !expired.is_empty()).then(|| ClaimsPaid {
            budget: Amount(budget),
            paid: claims,
            queued: self.extra.insurance.queued(),
            expired: Amount(expired.iter().map(|c| c.owed.0).sum()),
        });
        self.extra.points.iter_mut().for_each(|p| *p = 0);
        Ok(CloseExtra { calls, prometh, prometh_pool: pool, prometh_carry: carry, claims })
    }

    /// The replay report's rows of the executers' part of a close: the calls settled, the
    /// Prometh payouts, the claims (each only when there is something to show).
    pub(super) fn render_extra(&self, x: &CloseExtra, o: &mut serde_json::Map<String, Value>) {
        let name = |n: NodeId| self.names[n as usize].clone();
        if !x.calls.is_empty() {
            let rows: Vec<_> = x
                .calls
                .iter()
                .map(|(id, s)| self.settled_report(&self.call_name(*id), s))
                .collect();
            o.insert("calls".into(), serde_json::to_value(rows).unwrap_or_default());
        }
        if !x.prometh.is_empty() {
            let rows: Vec<Value> = x
                .prometh
                .iter()
                .map(|&(n, p, a)| json!({"node": name(n), "points": p, "amount": self.fmt(a)}))
                .collect();
            o.insert("prometh_payouts".into(), rows.into());
            o.insert("prometh_carry".into(), self.fmt(x.prometh_carry).into());
        }
        if let Some(c) = &x.claims {
            let rows: Vec<Value> = c
                .paid
                .iter()
                .map(|&(n, a)| json!({"node": name(n), "amount": self.fmt(a)}))
                .collect();
            o.insert("claims_budget".into(), self.fmt(c.budget).into());
            o.insert("claims_paid".into(), rows.into());
            o.insert("claims_queued".into(), self.fmt(c.queued).into());
            o.insert("claims_expired".into(), self.fmt(c.expired).into());
        }
    }

    /// The executers' invariants: the escrow holds the open calls' prices, the bonds pool the
    /// bonds, and the last Prometh split and claims payment add up.
    pub(super) fn check_extra(&self) -> Result<(), ergon_core::invariants::Violation> {
        let v = |what, e: String| ergon_core::invariants::Violation::new(what, e);
        let bal = |h| self.ledger.balance(self.token, h).unwrap_or_default().0;
        // The open calls' list: each listed call open (a call open but not listed would leave
        // the escrow above the sum).
        let mut open = 0u128;
        for &id in &self.extra.open {
            let c = &self.extra.calls[id as usize];
            if !c.open {
                return Err(v("trias open calls", format!("call {id} is listed open, and is not")));
            }
            open += c.spec.price.0;
        }
        if bal(Holder::Pool(self.extra.escrow)) != open {
            return Err(v(
                "trias escrow",
                format!("escrow {} vs open prices {open}", bal(Holder::Pool(self.extra.escrow))),
            ));
        }
        let bonds: u128 = self.bonds.iter().map(|b| b.0).sum();
        if bal(Holder::Pool(self.reserves[0])) != bonds {
            return Err(v("trias bonds", format!("bonds pool vs Σ bonds {bonds}")));
        }
        if !self.extra.insurance.consistent() {
            return Err(v("trias insurance", "running totals differ from the book".into()));
        }
        for (pool, paid, carry) in self.extra.last {
            if paid + carry != pool {
                return Err(v("trias split", format!("{paid} + {carry} != {pool}")));
            }
        }
        Ok(())
    }
}
