//! Which charts the report draws for each economy: the key metrics of docs/metrics.md, grouped
//! into charts with a title and a unit, and the metric whose final values the distribution
//! chart shows. A chart is left out when a run lacks its columns or has numbers in them at fewer
//! than two recorded steps (a line needs two points).

/// One time-series chart: its title, its y-axis unit and its series (column, legend label).
#[derive(Debug)]
pub(crate) struct ChartSpec {
    /// Title.
    pub title: &'static str,
    /// y-axis label, with the unit. "{row}" is replaced by the record interval; a chart whose
    /// unit has it shows flows, which the genesis row (all zero) is left out of.
    pub unit: &'static str,
    /// (metrics column, legend label).
    pub series: &'static [(&'static str, &'static str)],
}

const fn c(
    title: &'static str,
    unit: &'static str,
    series: &'static [(&'static str, &'static str)],
) -> ChartSpec {
    ChartSpec { title, unit, series }
}

const STRATOS: &[ChartSpec] = &[
    c("Ozone price", "STOS per Oz", &[("ozone_price_stos_per_oz", "Ozone price")]),
    c("Deposit term S", "STOS", &[("s_stos", "S")]),
    c("Volume pool P (prepaid, not yet paid as traffic rewards)", "STOS", &[("p_stos", "P")]),
    c("Remaining Ozone limit L", "Oz", &[("l_oz", "L")]),
    c(
        "Mining vs traffic rewards",
        "STOS per {row}",
        &[("mining_reward_stos", "mining M"), ("traffic_reward_stos", "traffic R")],
    ),
    c("Traffic rewards R", "STOS per {row}", &[("traffic_reward_stos", "traffic R")]),
    c("Mining tier in force", "tier (1-based; 0 after issuance)", &[("mining_tier", "tier")]),
    c(
        "Settled vs carried traffic",
        "Oz (settled per {row}; carried at the row)",
        &[("traffic_settled_oz", "settled Y"), ("traffic_carried_oz", "carried")],
    ),
    c(
        "Suspensions and reinstatements",
        "resource nodes per {row}",
        &[("suspensions", "suspended"), ("reinstatements", "reinstated")],
    ),
    c(
        "Resource nodes",
        "nodes",
        &[("active_resource_nodes", "active"), ("suspended_resource_nodes", "suspended")],
    ),
    c(
        "Gini of resource-node rewards",
        "Gini of the rewards of each {row} (0 equal, 1 concentrated)",
        &[("resource_reward_gini", "Gini")],
    ),
];

const MARLIN: &[ChartSpec] = &[
    c("POND supply", "POND", &[("pond_supply", "POND supply")]),
    c(
        "Staked POND and the rewards pool",
        "POND",
        &[("staked_pond", "staked"), ("rewards_pool", "rewards pool")],
    ),
    c("Eligible clusters", "clusters", &[("eligible_clusters", "eligible")]),
    c(
        "Rewards paid",
        "POND per {row}",
        &[("rewards_paid_pond", "paid"), ("commission_pond", "commission")],
    ),
    c("Concentration of stake", "Gini (0 equal, 1 concentrated)", &[("stake_gini", "stake")]),
    c(
        "Concentration of tickets",
        "Gini of the last day's tickets, each {row} (0 equal, 1 concentrated)",
        &[("tickets_gini", "tickets")],
    ),
    c(
        "Relayers' node share vs the optimum",
        "share of resources in nodes",
        &[("node_share_mean", "node share"), ("optimum_node_share_mean", "optimum")],
    ),
    c(
        "Stake vs tickets: correlation",
        "Pearson correlation over the clusters (−1 to 1)",
        &[("stake_tickets_corr", "stake–tickets correlation")],
    ),
    c(
        "Stake vs tickets: share gap",
        "mean |ticket share − stake share| (0–1)",
        &[("share_gap_mean", "share gap")],
    ),
    c(
        "Bridge: POND in and out",
        "POND (since genesis)",
        &[("bridge_pond_in", "in (POND→MPOND)"), ("bridge_pond_out", "out (MPOND→POND)")],
    ),
    c(
        "Bridge: MPOND in and out",
        "MPOND (since genesis)",
        &[("bridge_mpond_in", "in (MPOND→POND)"), ("bridge_mpond_out", "out (POND→MPOND)")],
    ),
    c(
        "Bridge: MPOND→POND requests and conversions",
        "MPOND per {row}",
        &[("bridge_requested_mpond", "requested"), ("bridge_converted_mpond", "converted")],
    ),
    c("Bridge: MPOND awaiting conversion", "MPOND", &[("bridge_pending_mpond", "pending")]),
    c(
        "Spam deposits locked and slashed",
        "POND (slashed: since genesis)",
        &[("spam_deposits_locked", "locked"), ("spam_slashed", "slashed")],
    ),
    c(
        "Spam-checked messages",
        "messages (since genesis)",
        &[("spam_messages", "attested"), ("spam_dropped_messages", "dropped (over quota)")],
    ),
];

const PHALA: &[ChartSpec] = &[
    c(
        "Workers by state",
        "workers",
        &[
            ("workers_idle", "idle"),
            ("workers_unresponsive", "unresponsive"),
            ("workers_cooling_down", "cooling down"),
            ("workers_ready", "ready"),
        ],
    ),
    c("Budget per block", "PHA per block", &[("budget_per_block_pha", "budget")]),
    c("Subsidy pool", "PHA", &[("subsidy_pool_pha", "subsidy pool")]),
    c(
        "Payouts",
        "PHA per {row}",
        &[
            ("workers_paid_pha", "workers"),
            ("treasury_paid_pha", "treasury"),
            ("commission_pha", "commission"),
        ],
    ),
    c(
        "Pool APR",
        "APR (fraction a year)",
        &[("pool_apr_min", "min"), ("pool_apr_median", "median"), ("pool_apr_max", "max")],
    ),
    c("Contracts running", "contracts", &[("contracts_running", "running")]),
    c(
        "V and share of a computing worker",
        "mean over the computing workers",
        &[("v_mean", "V"), ("share_mean", "share")],
    ),
    c(
        "Σshare",
        "share (sum over the workers)",
        &[("sum_share", "Σshare (block start)"), ("share_total", "computing workers")],
    ),
    c(
        "Vaults' assets",
        "PHA",
        &[
            ("vault_assets_pha", "assets"),
            ("vault_invested_pha", "invested"),
            ("vault_free_pha", "free"),
        ],
    ),
    c(
        "Vaults' investments and withdrawals",
        "PHA per {row}",
        &[("vault_invested_flow_pha", "invested"), ("vault_withdrawn_pha", "withdrawn")],
    ),
    c(
        "Vault owners' commission shares",
        "shares (since genesis)",
        &[("vault_owner_shares", "owners' shares")],
    ),
    c(
        "Vaults' divestments and shutdowns",
        "vaults per {row}",
        &[("vault_divests", "divestments"), ("vault_shutdowns", "shutdowns")],
    ),
];

const TRIAS: &[ChartSpec] = &[
    c("Nodes", "nodes", &[("active_nodes", "active"), ("quarantined", "quarantined")]),
    c(
        "Concentration of trust",
        "share (0–1)",
        &[("trust_gini", "Gini of EigenTrust"), ("trust_top10_share", "top-10 share")],
    ),
    c(
        "Sybil ring's trust",
        "share of trust (0–1)",
        &[
            ("sybil_trust_share", "EigenTrust"),
            ("sybil_trust_share_compat", "compatibility PageRank"),
        ],
    ),
    c(
        "Rewards by role",
        "TRY per {row}",
        &[("rewards_verifiers", "verifiers"), ("rewards_routers", "routers")],
    ),
    c(
        "Rewards by kind of node",
        "TRY per {row}",
        &[("rewards_honest", "honest"), ("rewards_faulty", "faulty"), ("rewards_sybil", "Sybil")],
    ),
    c("Emitted so far", "TRY", &[("emitted_total", "emitted")]),
    c(
        "Sybil ring's share of rewards",
        "share of rewards (0–1)",
        &[
            ("sybil_reward_share", "EigenTrust"),
            ("sybil_reward_share_compat", "compatibility PageRank"),
        ],
    ),
    c(
        "Insurance reserves, cover and queued claims",
        "TRY",
        &[
            ("insurance_bounty", "bounty reserve"),
            ("insurance_compensation", "compensation reserve"),
            ("insurance_cover", "cover"),
            ("claims_queued", "claims queued"),
        ],
    ),
    c(
        "Paid into insurance",
        "TRY per {row}",
        &[
            ("gas_premiums", "premiums"),
            ("call_slashes", "slashes"),
            ("call_fees", "failed calls' fees"),
            ("call_dust", "calls' floors' dust"),
            ("bonds_forfeited", "bonds forfeited (half to the challenger)"),
            ("quarantine_slashes", "quarantined bonds"),
        ],
    ),
    c(
        "Insurance claims",
        "TRY per {row}",
        &[("claims_owed", "filed (owed)"), ("claims_paid", "paid"), ("claims_expired", "expired")],
    ),
];

/// The charts of an economy (none for an economy this build has no catalogue for).
pub(crate) fn charts(economy: &str) -> &'static [ChartSpec] {
    match economy {
        "stratos" => STRATOS,
        "marlin" => MARLIN,
        "phala" => PHALA,
        "trias" => TRIAS,
        _ => &[],
    }
}

/// The metric whose final values across runs the distribution chart shows, and its unit.
pub(crate) fn distribution(economy: &str) -> Option<(&'static str, &'static str)> {
    match economy {
        "stratos" => Some(("resource_reward_mean_stos", "STOS per node per row")),
        "marlin" => Some(("stake_mean_pond", "POND")),
        "phala" => Some(("paid_pha", "PHA")),
        "trias" => Some(("rewards_honest", "TRY per row")),
        _ => None,
    }
}

/// The kinds of node (nodes.csv's `kind`) whose rewards the distribution charts: Stratos'
/// resource nodes (its meta nodes are paid apart, from another share); every node elsewhere.
pub(crate) fn node_kinds(economy: &str) -> &'static [&'static str] {
    match economy {
        "stratos" => &["resource"],
        _ => &[],
    }
}

/// The unit of a metric, from its name's suffix (docs/metrics.md names units so).
pub(crate) fn unit(column: &str) -> &'static str {
    const SUFFIXES: &[(&str, &str)] = &[
        ("_stos_per_oz", "STOS/Oz"),
        ("_stos", "STOS"),
        ("_oz", "Oz"),
        ("_mpond", "MPOND"),
        ("_pond", "POND"),
        ("_pha", "PHA"),
        ("apr", "a year"),
        ("gini", "0–1"),
        ("share", "0–1"),
    ];
    SUFFIXES.iter().find(|(s, _)| column.ends_with(s)).map_or("", |(_, u)| u)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_economy_has_at_least_four_charts() {
        for e in ["stratos", "marlin", "phala", "trias"] {
            assert!(charts(e).len() >= 4, "{e}");
            assert!(distribution(e).is_some(), "{e}");
        }
        assert!(charts("other").is_empty());
    }

    #[test]
    fn every_charted_column_is_in_the_metric_catalogue() {
        let doc = include_str!("../../../../docs/metrics.md");
        for e in ["stratos", "marlin", "phala", "trias"] {
            let dist = distribution(e).map(|d| d.0);
            let cols = charts(e).iter().flat_map(|c| c.series.iter().map(|s| s.0)).chain(dist);
            for col in cols {
                assert!(doc.contains(&format!("`{col}`")), "{e}: {col} not in docs/metrics.md");
            }
        }
    }

    /// A chart naming a column its economy's model never records would never be drawn: every
    /// charted column is named in the model's column list (`COLUMNS` of its record.rs).
    #[test]
    fn every_charted_column_is_recorded_by_its_model() {
        let records = [
            ("stratos", include_str!("../../../economies/stratos/src/model/record.rs")),
            ("marlin", include_str!("../../../economies/marlin/src/model/record.rs")),
            ("phala", include_str!("../../../economies/phala/src/model/record.rs")),
            ("trias", include_str!("../../../economies/trias/src/model/record.rs")),
        ];
        for (e, code) in records {
            let dist = distribution(e).map(|d| d.0);
            let cols = charts(e).iter().flat_map(|c| c.series.iter().map(|s| s.0)).chain(dist);
            for col in cols {
                assert!(code.contains(&format!("\"{col}\"")), "{e}: {col} not in its record.rs");
            }
        }
    }

    #[test]
    fn units_follow_the_suffix() {
        assert_eq!(unit("ozone_price_stos_per_oz"), "STOS/Oz");
        assert_eq!(unit("bridge_pending_mpond"), "MPOND");
        assert_eq!(unit("staked_pond"), "POND");
        assert_eq!(unit("deposit_apr"), "a year");
        assert_eq!(unit("users"), "");
    }
}
