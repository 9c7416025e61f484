#!/usr/bin/env python3
"""Writes templates/maps/europe.json, the country shapes of the programme map, from a
world GeoJSON file derived from Natural Earth's 1:110m admin-0 countries (public domain).

    scripts/make-europe-map.py WORLD.geo.json [OUT]

Countries are clipped to the map's frame (longitude -25..45, latitude 34..72), their
rings rounded to 0.01 degree, and named by ISO 3166-1 alpha-2 codes (the codes bids and
programme templates use). See templates/maps/SOURCE.md for the source file and licence.
"""
import json
import sys

FRAME = (-25.0, 34.0, 45.0, 72.0)  # west, south, east, north
ISO2 = {
    "ALB": "AL", "ARM": "AM", "AUT": "AT", "AZE": "AZ", "BEL": "BE", "BGR": "BG", "BIH": "BA",
    "BLR": "BY", "CHE": "CH", "-99": "XN", "CYP": "CY", "CZE": "CZ", "DEU": "DE", "DNK": "DK",
    "DZA": "DZ", "ESP": "ES", "EST": "EE", "FIN": "FI", "FRA": "FR", "GBR": "GB", "GEO": "GE",
    "GRC": "GR", "HRV": "HR", "HUN": "HU", "IRL": "IE", "ISL": "IS", "ITA": "IT", "CS-KM": "XK",
    "LTU": "LT", "LUX": "LU", "LVA": "LV", "MAR": "MA", "MDA": "MD", "MKD": "MK", "MLT": "MT",
    "MNE": "ME", "NLD": "NL", "NOR": "NO", "POL": "PL", "PRT": "PT", "ROU": "RO", "RUS": "RU",
    "SRB": "RS", "SVK": "SK", "SVN": "SI", "SWE": "SE", "TUN": "TN", "TUR": "TR", "UKR": "UA",
    "SYR": "SY", "IRQ": "IQ", "IRN": "IR", "LBN": "LB",
}
# Northern Cyprus ("-99" in the source) is drawn as part of Cyprus.
MERGE = {"XN": "CY"}


def clip(ring, inside, cut):
    """One Sutherland-Hodgman pass of a closed ring against one edge of the frame."""
    out = []
    for i, p in enumerate(ring):
        q = ring[i - 1]
        if inside(p):
            if not inside(q):
                out.append(cut(q, p))
            out.append(p)
        elif inside(q):
            out.append(cut(q, p))
    return out


def clip_ring(ring):
    w, s, e, n = FRAME

    def at_x(x):
        return lambda a, b: [x, a[1] + (b[1] - a[1]) * (x - a[0]) / (b[0] - a[0])]

    def at_y(y):
        return lambda a, b: [a[0] + (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]), y]

    for inside, cut in [
        (lambda p: p[0] >= w, at_x(w)),
        (lambda p: p[0] <= e, at_x(e)),
        (lambda p: p[1] >= s, at_y(s)),
        (lambda p: p[1] <= n, at_y(n)),
    ]:
        ring = clip(ring, inside, cut)
        if not ring:
            return []
    return ring


def main():
    world = json.load(open(sys.argv[1], encoding="utf-8"))
    out = sys.argv[2] if len(sys.argv) > 2 else "templates/maps/europe.json"
    shapes = {}
    for f in world["features"]:
        code = ISO2.get(f.get("id"))
        if code is None:
            continue
        code = MERGE.get(code, code)
        g = f["geometry"]
        polys = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
        for poly in polys:
            ring = clip_ring([list(p) for p in poly[0][:-1]])  # outer ring; no holes at this scale
            ring = [[round(x, 2), round(y, 2)] for x, y in ring]
            ring = [p for i, p in enumerate(ring) if p != ring[i - 1]]
            if len(ring) >= 3:
                shapes.setdefault(code, []).append(ring)
    doc = {
        "frame": list(FRAME),
        "source": "Natural Earth 1:110m admin-0 countries (public domain), via johan/world.geo.json",
        "countries": [{"code": c, "rings": shapes[c]} for c in sorted(shapes)],
    }
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, separators=(",", ":"))
        fh.write("\n")


main()
