"""Draws the staleness harness's CSV as one SVG per store: the hot key's worst caller latency in each 100 ms, over
the run, for today's behaviour and for refresh-ahead (no plotting library needed).
Usage: python3 bench/plot-staleness.py staleness.csv docs/images [title suffix]"""
import csv, sys

LINES = {"a: today": "#888888", "b: RefreshAheadPercent = 80": "#d62728"}
rows = list(csv.DictReader(open(sys.argv[1])))
folder = sys.argv[2]
suffix = sys.argv[3] if len(sys.argv) > 3 else ""
for store in dict.fromkeys(r["store"] for r in rows):
    cells = [r for r in rows if r["store"] == store and r["variant"] in LINES]
    end = max(float(r["time_s"]) for r in cells)
    top = max(350.0, max(float(r["hot_max_ms"]) for r in cells) * 1.1)
    width, height, left, bottom, topm, right = 760, 360, 60, 40, 36, 240
    plot_w = width - left - right
    def x(t): return left + plot_w * t / end
    def y(v): return height - bottom - (height - bottom - topm) * v / top
    svg = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">' % (width, height),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="20">Hot key: slowest caller in each 100 ms (ms), %s store, TTL 2 s, ...Core 300 ms%s</text>' % (left, store, suffix)]
    for v in range(0, int(top) + 1, 50):
        svg.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>' % (left, left + plot_w, y(v), y(v)))
        svg.append('<text x="%d" y="%.1f" text-anchor="end">%d</text>' % (left - 6, y(v) + 4, v))
    for t in range(0, int(end) + 1, 2):
        svg.append('<text x="%.1f" y="%d" text-anchor="middle">%d</text>' % (x(t), height - bottom + 16, t))
    svg.append('<text x="%.1f" y="%d" text-anchor="middle">seconds</text>' % (left + plot_w / 2, height - 6))
    for i, (variant, color) in enumerate(LINES.items()):
        points = [(float(r["time_s"]), float(r["hot_max_ms"])) for r in cells if r["variant"] == variant]
        svg.append('<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"/>' % (color, " ".join("%.1f,%.1f" % (x(t), y(v)) for t, v in points)))
        svg.append('<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-width="3"/>' % (left + plot_w + 14, left + plot_w + 34, topm + 10 + 20 * i, topm + 10 + 20 * i, color))
        svg.append('<text x="%d" y="%d">%s</text>' % (left + plot_w + 40, topm + 14 + 20 * i, variant))
    svg.append('</svg>')
    open("%s/staleness-%s.svg" % (folder, store), "w").write("\n".join(svg))
