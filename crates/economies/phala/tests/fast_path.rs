//! The block pass's fast path against the plain one, bit for bit: a worker's idle block and
//! share on raw bits with its share cache ([`Tokenomic::idle_block_share`],
//! [`Tokenomic::cached_share`]) against [`Tokenomic::update_v_idle`] then
//! [`Tokenomic::share`]; and a network's Σshare after each block against
//! [`ergon_phala::block::sum_share`], which recomputes it from scratch.

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion

use ergon_core::{Economy, Qty, U64F64};
use ergon_phala::params::{ParamSet, Params};
use ergon_phala::{Action, Genesis, Phala, Profile, Tokenomic};
use proptest::prelude::*;

fn params(rho: &str, v_max: u64) -> Params {
    let mut p = Params::of(Profile::Khala, ParamSet::Khala);
    p.rho = U64F64::from_decimal_str(rho).unwrap();
    p.v_max = U64F64::from_int(v_max);
    p
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Random workers (Ve, P, confidence, a heartbeat's P and a payout's cut of V) through
    /// random runs of idle blocks, with ρ up to 1.5 a block so V reaches v_max and stays.
    #[test]
    fn fast_idle_blocks_match_the_plain_path(
        ve in 1u64..30_000, p in 50u32..6_000, level in 1u8..6, rho in 0usize..3,
        iters in 0u64..200_000, cuts in proptest::collection::vec((1u32..50, 0u64..100), 1..6),
    ) {
        let rho = ["1.000000666600231", "1.01", "1.5"][rho];
        let params = params(rho, 30_000);
        let rho_m1 = params.rho.checked_sub(U64F64::ONE).unwrap();
        let conf = ergon_phala::tokenomic::conf_score_gk(level);
        let mut plain =
            Tokenomic::start(&params, U64F64::from_int(ve), p, conf, 0, 0).unwrap();
        plain.update_p_instant(60_000, iters).unwrap();
        let mut fast = plain;
        for (blocks, cut) in cuts {
            for _ in 0..blocks {
                plain.update_v_idle(&params, rho_m1).unwrap();
                let want = plain.share().unwrap().to_bits();
                let got = fast.idle_block_share(params.v_max.to_bits(), rho_m1.to_bits());
                prop_assert_eq!(got, Some(want));
                prop_assert_eq!(fast.v.to_bits(), plain.v.to_bits());
                prop_assert_eq!(fast.payable.to_bits(), plain.payable.to_bits());
                prop_assert_eq!(fast.cached_share(), Some(want));
            }
            // A payout's cut of V (a heartbeat), then the cache must not be used.
            let v = plain.v.to_bits().saturating_sub(u128::from(cut) << 60);
            plain.v = U64F64::from_bits(v);
            fast.v = U64F64::from_bits(v);
            prop_assert_eq!(fast.cached_share(), Some(plain.share().unwrap().to_bits()));
        }
    }
}

/// 300 khala workers of P 1000–3999 over 400 blocks, with ρ = 1.01 so most reach v_max, a
/// tenth challenged and never answering (unresponsive after 20 blocks), others stopped: after
/// each block the Σshare the pass kept equals the one recomputed from scratch.
#[test]
fn sum_share_matches_a_full_recount_every_block() {
    let mut g = Genesis { profile: Profile::Khala, ..Genesis::default() };
    g.accounts.insert("op".into(), Qty::parse("100000000").unwrap());
    g.subsidy_pool = Some(Qty::parse("1000000").unwrap());
    g.overrides.insert("rho".into(), "1.01".into());
    let mut s = Phala::from_genesis(g).unwrap();
    for i in 0..300u32 {
        let worker = format!("w{i}");
        let reg = Action::Register {
            worker: worker.clone(),
            owner: "op".into(),
            confidence_level: (i % 5) as u8 + 1,
            score: Some(1000 + (i * 37) % 3000),
        };
        s.apply(&reg).unwrap();
        let stake = Qty::parse(&format!("{}", 3200 + i * 30)).unwrap();
        s.apply(&Action::Start { worker, stake }).unwrap();
    }
    for b in 0..400u32 {
        if b == 10 {
            for i in (0..300).step_by(10) {
                s.apply(&Action::Challenge { worker: format!("w{i}") }).unwrap();
            }
        }
        if b == 50 {
            for i in (5..300).step_by(20) {
                s.apply(&Action::Stop { worker: format!("w{i}") }).unwrap();
            }
        }
        s.end_epoch().unwrap();
        assert_eq!(s.sum_share(), ergon_phala::block::sum_share(&s).unwrap(), "block {b}");
    }
    s.check_invariants().unwrap();
}

fn network(detail: bool) -> Phala {
    let mut g = Genesis { profile: Profile::Khala, ..Genesis::default() };
    g.accounts.insert("op".into(), Qty::parse("100000000").unwrap());
    g.subsidy_pool = Some(Qty::parse("1000000").unwrap());
    g.overrides.insert("rho".into(), "1.001".into());
    let mut s = Phala::from_genesis(g).unwrap();
    s.set_report_detail(detail);
    for i in 0..120u32 {
        let worker = format!("w{i}");
        let reg = Action::Register {
            worker: worker.clone(),
            owner: "op".into(),
            confidence_level: (i % 5) as u8 + 1,
            score: Some(1000 + (i * 37) % 3000),
        };
        s.apply(&reg).unwrap();
        let stake = Qty::parse(&format!("{}", 3200 + i * 100)).unwrap();
        s.apply(&Action::Start { worker, stake }).unwrap();
    }
    s
}

/// Without report detail the block close leaves Σshare to the block's first operation: the
/// same operations on two copies of a network, one with detail, give the same events (every
/// payout), the same Σshare at every block and the same final state. Workers are challenged
/// in turn, a third of them never answer (unresponsive after the window), the rest answer
/// two blocks later with their iterations; some stop half-way, and some blocks pass idle.
#[test]
fn lazy_sum_share_pays_exactly_as_the_eager_close() {
    let (mut eager, mut lazy) = (network(true), network(false));
    let mut answers: Vec<(u32, u32)> = Vec::new();
    for b in 0..600u32 {
        let mut ops = Vec::new();
        if b % 5 == 0 {
            for k in 0..3 {
                let w = (b / 5 * 3 + k) % 120;
                ops.push(Action::Challenge { worker: format!("w{w}") });
                if w % 3 != 0 {
                    answers.push((b + 2, w));
                }
            }
        }
        for &(due, w) in answers.iter().filter(|(due, _)| *due == b) {
            let iterations = u64::from(due) * u64::from(2000 + w);
            ops.push(Action::Heartbeat { worker: format!("w{w}"), iterations });
        }
        if b == 300 {
            ops.extend((1..120).step_by(7).map(|w| Action::Stop { worker: format!("w{w}") }));
        }
        for op in &ops {
            let (x, y) = (eager.apply(op), lazy.apply(op));
            assert_eq!(format!("{x:?}"), format!("{y:?}"), "block {b}: {op:?}");
        }
        assert_eq!(eager.sum_share(), lazy.sum_share(), "block {b}");
        eager.end_epoch().unwrap();
        lazy.end_epoch().unwrap();
    }
    assert_eq!(eager.snapshot(), lazy.snapshot());
    lazy.check_invariants().unwrap();
}
