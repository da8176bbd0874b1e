//! [`Transient`]: working memory kept inside a state between calls (so that a hot path allocates
//! nothing once warm) that is not part of the state.

/// Working memory that is not part of the state it sits in: a clone starts empty, every two are
/// equal, and a state that saves itself skips it (`#[serde(skip)]`: it reads back empty). The
/// value is reached as `.0`.
#[derive(Debug, Default)]
pub struct Transient<T>(pub T);

impl<T: Default> Clone for Transient<T> {
    fn clone(&self) -> Transient<T> {
        Transient::default()
    }
}

impl<T> PartialEq for Transient<T> {
    fn eq(&self, _: &Transient<T>) -> bool {
        true
    }
}

impl<T> Eq for Transient<T> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_start_empty_and_every_two_are_equal() {
        let full = Transient(vec![1, 2, 3]);
        assert!(full.clone().0.is_empty());
        assert_eq!(full, Transient(vec![9]));
    }
}
