//! Exact comparison of two products of `u128` factors, for the budget solver's sign test
//! (`solver`): each product is held in 768 bits (six factors of 128 bits), so no product of the
//! solver's five factors overflows. Schoolbook multiplication on 64-bit limbs; no allocation.

use std::cmp::Ordering;

/// Limbs of a [`Product`]: 12 × 64 = 768 bits.
const LIMBS: usize = 12;

/// An unsigned integer of 768 bits, little-endian 64-bit limbs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Product([u64; LIMBS]);

impl Product {
    /// The product of `factors`, or `None` above 768 bits.
    pub(crate) fn of(factors: &[u128]) -> Option<Product> {
        let mut p = Product([0; LIMBS]);
        p.0[0] = 1;
        for &f in factors {
            p = p.mul_u64(f as u64)?.add(&p.mul_u64((f >> 64) as u64)?.shl64()?)?;
        }
        Some(p)
    }

    /// `self · m`.
    fn mul_u64(&self, m: u64) -> Option<Product> {
        let mut out = [0u64; LIMBS];
        let mut carry = 0u128;
        for (o, &a) in out.iter_mut().zip(&self.0) {
            let t = u128::from(a) * u128::from(m) + carry;
            *o = t as u64;
            carry = t >> 64;
        }
        (carry == 0).then_some(Product(out))
    }

    /// `self · 2^64`.
    fn shl64(&self) -> Option<Product> {
        if self.0[LIMBS - 1] != 0 {
            return None;
        }
        let mut out = [0u64; LIMBS];
        out[1..].copy_from_slice(&self.0[..LIMBS - 1]);
        Some(Product(out))
    }

    /// `self + other`.
    fn add(&self, other: &Product) -> Option<Product> {
        let mut out = [0u64; LIMBS];
        let mut carry = 0u128;
        for ((o, &a), &b) in out.iter_mut().zip(&self.0).zip(&other.0) {
            let t = u128::from(a) + u128::from(b) + carry;
            *o = t as u64;
            carry = t >> 64;
        }
        (carry == 0).then_some(Product(out))
    }
}

impl PartialOrd for Product {
    fn partial_cmp(&self, other: &Product) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Product {
    fn cmp(&self, other: &Product) -> Ordering {
        self.0.iter().rev().cmp(other.0.iter().rev())
    }
}

#[cfg(test)]
mod tests {
    use super::Product;

    #[test]
    fn products_compare_exactly() {
        // (2^127)·(2^127)·3 against (2^127)·(2^127)·2 + … : equal high parts, differing low.
        let big = 1u128 << 127;
        let a = Product::of(&[big, big, 3]).unwrap();
        let b = Product::of(&[big, big, 2]).unwrap();
        assert!(a > b);
        // 10^30 · 10^30 = 10^60 = (10^20)^3.
        let c = Product::of(&[10u128.pow(30), 10u128.pow(30)]).unwrap();
        let d = Product::of(&[10u128.pow(20), 10u128.pow(20), 10u128.pow(20)]).unwrap();
        assert_eq!(c, d);
        // u128::MAX² = 2^256 − 2^129 + 1, one below (2^128 − 1)² + 1.
        let m = Product::of(&[u128::MAX, u128::MAX]).unwrap();
        let n = Product::of(&[u128::MAX - 1, u128::MAX]).unwrap();
        assert!(m > n);
        // Six full factors fit; a seventh does not.
        assert!(Product::of(&[u128::MAX; 6]).is_some());
        assert!(Product::of(&[u128::MAX; 7]).is_none());
    }
}
