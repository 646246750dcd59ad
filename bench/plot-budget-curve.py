"""Draws the budget curve as a small SVG (no plotting library needed): resident MB against results cached."""
import sys

def read(path):
    points, last = [], ""
    for line in open(path):
        parts = line.strip().split(",")
        if len(parts) == 5 and parts[0].isdigit():
            points.append((int(parts[0]), int(parts[3])))
        elif line.strip():
            last = line.strip()
    return points, last

on, on_end = read(sys.argv[1])
off, off_end = read(sys.argv[2])
width, height, left, bottom, top, right = 640, 360, 60, 40, 30, 20
max_x, max_y = 3000, 1100
def x(v): return left + (width - left - right) * v / max_x
def y(v): return height - bottom - (height - bottom - top) * min(v, max_y) / max_y
def line(points, color):
    return '<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>' % (color, " ".join("%.1f,%.1f" % (x(a), y(b)) for a, b in points))

svg = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">' % (width, height),
       '<rect width="100%" height="100%" fill="white"/>',
       '<text x="%d" y="18">Resident memory, 2 MB results, GC heap capped at 1 GiB</text>' % left]
for mb in range(0, max_y + 1, 256):
    svg.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>' % (left, width - right, y(mb), y(mb)))
    svg.append('<text x="%d" y="%.1f" text-anchor="end">%d MB</text>' % (left - 6, y(mb) + 4, mb))
for n in range(0, max_x + 1, 500):
    svg.append('<text x="%.1f" y="%d" text-anchor="middle">%d</text>' % (x(n), height - bottom + 16, n))
svg.append('<text x="%.1f" y="%d" text-anchor="middle">results cached</text>' % ((left + width - right) / 2, height - 6))
svg.append(line(on, "#1f77b4"))
svg.append(line(off, "#d62728"))
if off and "Out of memory" in off_end:
    svg.append('<text x="%.1f" y="%.1f" fill="#d62728">out of memory</text>' % (x(off[-1][0]) + 6, y(off[-1][1])))
svg.append('<text x="%d" y="%d" fill="#1f77b4">budget on (default): finishes</text>' % (left + 300, top + 20))
svg.append('<text x="%d" y="%d" fill="#d62728">budget off (entry count only)</text>' % (left + 300, top + 36))
svg.append("</svg>")
open(sys.argv[3], "w").write("\n".join(svg) + "\n")
