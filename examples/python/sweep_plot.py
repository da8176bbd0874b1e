# %% [markdown]
# # A sweep and its figure
#
# The settlement threshold of Stratos against the volume pool P (the PREPAYs' STOS not yet paid
# out as traffic rewards): a small network (stratos-small),
# three thresholds, two Monte Carlo runs each. Run it as a script or cell by cell in a notebook
# (`# %%` marks the cells). Needs `pip install ./crates/py pandas matplotlib`.

# %%
import os
import sys

import matplotlib

if "ipykernel" not in sys.modules:
    matplotlib.use("Agg")  # no display needed when run as a script
import matplotlib.pyplot as plt

import ergon

EPOCHS = os.environ.get("ERGON_EXAMPLE_EPOCHS", "30d")
OUT = os.environ.get("ERGON_EXAMPLE_OUT", "sweep.png")

# %% The sweep: one pyarrow table, a row a run and day, the exact amounts as decimals.
table = ergon.sweep(
    "stratos-small",
    grid={"economy.params.settle_threshold_bps": [6000, 8000, 10000]},
    epochs=EPOCHS,
)
print(table.num_rows, "rows;", table.schema.metadata[b"ergon.parameter_hash"].decode()[:16])

# %% To pandas: the mean across runs of the volume pool P, a line per threshold.
df = table.to_pandas()
df["p_stos"] = df["p_stos"].astype(float)
mean = df.groupby(["sweep_economy_params_settle_threshold_bps", "day"])["p_stos"].mean()

fig, ax = plt.subplots(figsize=(7, 4))
for threshold, series in mean.groupby(level=0):
    ax.plot(series.index.get_level_values("day"), series.values, label=f"{threshold / 100:.0f} %")
ax.set_xlabel("day")
ax.set_ylabel("volume pool P, STOS (mean of the runs)")
ax.set_title("stratos-small: settlement threshold")
ax.legend(title="threshold")
fig.tight_layout()
fig.savefig(OUT, dpi=100)
print("figure:", OUT)
