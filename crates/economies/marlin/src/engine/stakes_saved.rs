//! The saved and the JSON forms of a stash and a cluster (`crate::engine::stakes`): a saved
//! state keeps every field, the JSON view the ones a user reads.

use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::engine::stakes::{Cluster, Stash};

/// `{pond, mpond, cluster, withdrawable_day, redelegation, closed}`; in a binary format (a
/// saved state) every field, the staker first.
impl Serialize for Stash {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        if !s.is_human_readable() {
            let Stash {
                staker,
                pond,
                mpond,
                cluster,
                withdrawable_day,
                redelegation,
                closed,
                undelegated_from,
            } = *self;
            let rest = (withdrawable_day, redelegation, closed, undelegated_from);
            return (staker, pond, mpond, cluster, rest).serialize(s);
        }
        let mut st = s.serialize_struct("Stash", 6)?;
        st.serialize_field("pond", &self.pond)?;
        st.serialize_field("mpond", &self.mpond)?;
        st.serialize_field("cluster", &self.cluster)?;
        st.serialize_field("withdrawable_day", &self.withdrawable_day)?;
        st.serialize_field("redelegation", &self.redelegation)?;
        st.serialize_field("closed", &self.closed)?;
        st.end()
    }
}

/// Reads back a saved state only (the JSON form is a view).
impl<'de> Deserialize<'de> for Stash {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        if d.is_human_readable() {
            return Err(serde::de::Error::custom("a stash reads back from a saved state only"));
        }
        let (staker, pond, mpond, cluster, rest) = Deserialize::deserialize(d)?;
        let (withdrawable_day, redelegation, closed, undelegated_from) = rest;
        Ok(Stash {
            staker,
            pond,
            mpond,
            cluster,
            withdrawable_day,
            redelegation,
            closed,
            undelegated_from,
        })
    }
}

/// `{commission_percent, pond, mpond}`; in a binary format (a saved state) every field, the
/// operator first.
impl Serialize for Cluster {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        if !s.is_human_readable() {
            return (self.operator, self.commission_percent, self.pond, self.mpond).serialize(s);
        }
        let mut st = s.serialize_struct("Cluster", 3)?;
        st.serialize_field("commission_percent", &self.commission_percent)?;
        st.serialize_field("pond", &self.pond)?;
        st.serialize_field("mpond", &self.mpond)?;
        st.end()
    }
}

/// Reads back a saved state only (the JSON form is a view).
impl<'de> Deserialize<'de> for Cluster {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        if d.is_human_readable() {
            return Err(serde::de::Error::custom("a cluster reads back from a saved state only"));
        }
        let (operator, commission_percent, pond, mpond) = Deserialize::deserialize(d)?;
        Ok(Cluster { operator, commission_percent, pond, mpond })
    }
}
