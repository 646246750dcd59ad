"""Draws BatchBenchmarks' BenchmarkDotNet table (markdown) as one SVG: time per call of 100 ids, per contender, at 0,
90 and 100 % hits, on a log scale (no plotting library needed).
Usage: python3 bench/plot-batch.py bench/results/batch-quick.md docs/images/batch.svg [title suffix]"""
import math, sys

rows = []
for line in open(sys.argv[1]):
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if len(cells) > 3 and cells[0] and cells[0] not in ("Method",) and not cells[0].startswith("-"):
        value, unit = cells[2].replace(",", "").split()
        rows.append((cells[0], int(cells[1]), float(value) * {"us": 1, "ms": 1000, "ns": 0.001}[unit]))
suffix = sys.argv[3] if len(sys.argv) > 3 else ""
methods = list(dict.fromkeys(r[0] for r in rows))
hits = sorted({r[1] for r in rows})
colors = ["#d62728", "#ff9896", "#e377c2", "#ff7f0e", "#9467bd", "#888888"]
width, height, left, bottom, top = 760, 380, 70, 50, 40
plot_w, plot_h = width - left - 200, height - bottom - top
low, high = 100, 100000
def y(us): return top + plot_h * (1 - (math.log10(us) - math.log10(low)) / (math.log10(high) - math.log10(low)))
svg = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">' % (width, height),
       '<rect width="100%" height="100%" fill="white"/>',
       '<text x="%d" y="20">Time for 100 ids against redis-server (microseconds, log scale)%s</text>' % (left, suffix)]
for tick in (100, 1000, 10000, 100000):
    svg.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>' % (left, left + plot_w, y(tick), y(tick)))
    svg.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>' % (left - 6, y(tick) + 4, format(tick, ",")))
group = plot_w / len(hits)
bar = group * 0.8 / len(methods)
for g, h in enumerate(hits):
    svg.append('<text x="%.1f" y="%d" text-anchor="middle">%d %% hits</text>' % (left + group * (g + 0.5), height - bottom + 18, h))
    for m, method in enumerate(methods):
        us = next(r[2] for r in rows if r[0] == method and r[1] == h)
        x = left + group * g + group * 0.1 + bar * m
        svg.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>' % (x, y(us), bar - 1, top + plot_h - y(us), colors[m % len(colors)]))
for m, method in enumerate(methods):
    svg.append('<rect x="%d" y="%d" width="12" height="12" fill="%s"/>' % (left + plot_w + 20, top + 20 * m, colors[m % len(colors)]))
    svg.append('<text x="%d" y="%d">%s</text>' % (left + plot_w + 38, top + 10 + 20 * m, method))
svg.append('</svg>')
open(sys.argv[2], "w").write("\n".join(svg))
