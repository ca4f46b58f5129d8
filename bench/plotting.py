"""The benchmark plot: TOPS against M per (N, K), every baseline and apex4
kernel of a bench.py run. bench.py calls write_plot after a run;
`python3 bench/plotting.py results.json plot.png` redraws it from the saved
results (the device suite leaves the plot out to stay within its files).
"""
import json
import math
import re
import sys

# make_artifacts.py --planned names one kernel per shape and row bucket
# (plan_m<rows>_n<N>_k<K>, plan_prefill_n<N>_k<K>); bench.py times each at
# the Ms of its bucket, so together they are one line: what apex4.nn runs.
PLANNED = re.compile(r"apex4:plan_(m\d+|prefill)_n\d+_k\d+$")
PLANNED_SERIES = "apex4 (planned, as apex4.nn runs it)"


def series_name(label):
    return PLANNED_SERIES if PLANNED.match(label) else label


def write_plot(path, rows):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib not available: no plot"
    shapes = sorted({(r["n"], r["k"]) for r in rows})
    names = sorted({b for r in rows for b, res in r["baselines"].items() if "ms" in res})
    names += sorted({series_name(w) for r in rows for w, res in r["w4a4"].items() if "ms" in res})
    cmap = plt.get_cmap("tab20")
    style = {name: {"color": cmap(i % 20), "marker": "o" if name in ("fp16", "int8", "fp8")
                    else ("s" if name == "triton" else "^"),
                    "linestyle": "--" if name in ("fp16", "int8", "fp8") else "-"}
             for i, name in enumerate(names)}
    if "triton" in style:
        style["triton"]["color"] = "black"
    if PLANNED_SERIES in style:
        style[PLANNED_SERIES].update(color="tab:red", linewidth=2.2)
    cols = min(3, len(shapes))
    nrows = math.ceil(len(shapes) / cols)
    # The legend gets its own strip below the panels: 0.2 inch per row.
    legend_inches = 0.35 + 0.2 * math.ceil(len(names) / 4)
    fig, axes = plt.subplots(nrows, cols, figsize=(5 * cols, 3.6 * nrows + legend_inches),
                             squeeze=False)
    for ax, (n, k) in zip(axes.flat, shapes):
        pts = [r for r in rows if (r["n"], r["k"]) == (n, k)]
        series = {}
        for r in pts:
            for b, res in r["baselines"].items():
                if "ms" in res:
                    series.setdefault(b, []).append((r["m"], 2 * r["m"] * n * k / res["ms"] / 1e9))
            for name, res in r["w4a4"].items():
                if "ms" in res:
                    series.setdefault(series_name(name), []).append((r["m"], res["tops"]))
        for name in names:
            if name in series:
                xy = sorted(series[name])
                ax.plot([x for x, _ in xy], [y for _, y in xy], label=name, **style[name])
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_title(f"N={n} K={k}")
        ax.set_xlabel("M (tokens)")
        ax.set_ylabel("TOPS (2MNK/time)")
        ax.grid(True, which="both", alpha=0.3)
    for ax in list(axes.flat)[len(shapes):]:
        ax.axis("off")
    handles = [plt.Line2D([], [], label=name, **style[name]) for name in names]
    fig.legend(handles=handles, loc="lower center", ncol=min(4, len(names)), fontsize=8)
    fig.tight_layout(rect=(0, legend_inches / fig.get_figheight(), 1, 1))
    fig.savefig(path, dpi=110)
    return None


def main():
    if len(sys.argv) != 3:
        print("usage: bench/plotting.py RESULTS_JSON PLOT_PNG", file=sys.stderr)
        return 2
    with open(sys.argv[1]) as f:
        rows = json.load(f)["results"]
    problem = write_plot(sys.argv[2], rows)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
