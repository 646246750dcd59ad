"""Draws the throughput harness's CSV as one small SVG per workload (no plotting library needed): Mops/s against
threads, one line per contender. Usage: python3 bench/plot-throughput.py throughput.csv docs/images [title suffix]"""
import csv, os, sys

COLORS = {"floor": "#888888", "ResultCache": "#d62728", "BitFaster ConcurrentLru": "#1f77b4", "BitFaster ConcurrentLfu": "#17becf",
          "IMemoryCache": "#2ca02c", "HybridCache": "#9467bd", "FusionCache": "#ff7f0e"}
DESCRIPTIONS = {"hits": "hits: 100 000 keys, Zipf 0.9, all held", "churn": "churn: 2 000 000 keys, Zipf 0.9, 10 000 held",
                "hot": "hot: one key"}

rows = list(csv.DictReader(open(sys.argv[1])))
folder = sys.argv[2]
suffix = sys.argv[3] if len(sys.argv) > 3 else ""
for workload in dict.fromkeys(r["workload"] for r in rows):
    cells = [r for r in rows if r["workload"] == workload]
    threads = sorted({int(r["threads"]) for r in cells})
    top = max(float(r["mops"]) for r in cells) * 1.1
    width, height, left, bottom, topm, right, legend = 720, 380, 60, 40, 36, 210, 14
    plot_w = width - left - right
    def x(t): return left + (plot_w * (threads.index(t) / max(1, len(threads) - 1)))
    def y(v): return height - bottom - (height - bottom - topm) * v / top
    svg = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">' % (width, height),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="20">Million calls a second, all threads: %s%s</text>' % (left, DESCRIPTIONS.get(workload, workload), suffix)]
    step = 10 ** max(0, len(str(int(top))) - 1)
    for v in range(0, int(top) + 1, step):
        svg.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>' % (left, left + plot_w, y(v), y(v)))
        svg.append('<text x="%d" y="%.1f" text-anchor="end">%d</text>' % (left - 6, y(v) + 4, v))
    for t in threads:
        svg.append('<text x="%.1f" y="%d" text-anchor="middle">%d</text>' % (x(t), height - bottom + 16, t))
    svg.append('<text x="%.1f" y="%d" text-anchor="middle">threads</text>' % (left + plot_w / 2, height - 6))
    for i, contender in enumerate(dict.fromkeys(r["contender"] for r in cells)):
        points = sorted((int(r["threads"]), float(r["mops"])) for r in cells if r["contender"] == contender)
        color = COLORS.get(contender, "#000000")
        width_px = 3 if contender == "ResultCache" else 1.5
        svg.append('<polyline fill="none" stroke="%s" stroke-width="%s" points="%s"/>' % (color, width_px, " ".join("%.1f,%.1f" % (x(t), y(v)) for t, v in points)))
        for t, v in points:
            svg.append('<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>' % (x(t), y(v), color))
        ly = topm + 10 + i * 20
        svg.append('<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-width="%s"/>' % (width - right + legend, width - right + legend + 20, ly, ly, color, width_px))
        svg.append('<text x="%d" y="%d">%s</text>' % (width - right + legend + 26, ly + 4, contender))
    svg.append('</svg>')
    path = os.path.join(folder, "throughput-%s.svg" % workload)
    open(path, "w").write("\n".join(svg))
    print(path)
