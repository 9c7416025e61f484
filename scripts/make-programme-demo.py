#!/usr/bin/env python3
"""Writes templates/programmes/eurohpc-ai-factories.toml: the EuroHPC AI Factories
programme with the 19 AI Factories selected in 2024-2025 and the 13 Antennas announced on
13 October 2025, recorded from public facts. Figures that were not published are
illustrative and listed in each award's `illustrative` field (and in sample-data/README.md).
Run it again after editing the facts below; the output is committed data."""
from datetime import date

RULES = open(__file__.replace("make-programme-demo.py", "programme-rules.toml")).read()

W1, W2, W3 = date(2024, 12, 10), date(2025, 3, 12), date(2025, 10, 10)
M = 1_000_000
# acronym, title, host, country, wave date, total €, EU share of total or explicit split, facts published
FACTORIES = [
    ("BSC-AIF", "BSC AI Factory", "Barcelona Supercomputing Center", "ES", W1, None, None),
    ("IT4LIA", "IT4LIA AI Factory", "CINECA, Bologna", "IT", W1, 290 * M, {"eu": 145 * M, "member_state": 145 * M}),
    ("LUMI-AIF", "LUMI AI Factory", "CSC, Kajaani", "FI", W1, 500 * M, {"eu": 250 * M, "member_state": 250 * M}),
    ("MELUXINA-AI", "MeluXina-AI", "LuxProvide, Bissen", "LU", W1, None, None),
    ("MIMER", "MIMER AI Factory", "Linköping University", "SE", W1, None, None),
    ("HAMMERHAI", "HammerHAI", "HLRS, Stuttgart", "DE", W1, None, None),
    ("PHAROS", "Pharos AI Factory", "GRNET, Athens", "GR", W1, None, None),
    ("AI-AT", "AI:AT", "TU Wien", "AT", W2, None, None),
    ("BRAINPP", "BRAIN++", "Sofia Tech Park", "BG", W2, 90 * M, None),
    ("AI2F", "AI2F", "GENCI, Paris region", "FR", W2, None, None),
    ("JAIF", "JUPITER AI Factory", "Jülich Supercomputing Centre", "DE", W2, None, None),
    ("PIAST-AI", "PIAST-AI", "PCSS, Poznań", "PL", W2, 130 * M, {"eu": 50 * M, "member_state": 80 * M}),
    ("SLAIF", "SLAIF", "IZUM, Maribor", "SI", W2, None, None),
    ("CZAI", "CZAI", "IT4Innovations, Ostrava", "CZ", W3, None, None),
    ("LITAI", "LitAI", "Vilnius", "LT", W3, None, None),
    ("NLAIF", "NLAIF", "Groningen", "NL", W3, 201 * M, {"eu": 71 * M, "member_state": 70 * M, "regional": 60 * M}),
    ("GAIA-AIF", "Gaia AI Factory", "Cyfronet, Kraków", "PL", W3, 70 * M, {"eu": 35 * M, "member_state": 35 * M}),
    ("RO-AIF", "RO AI Factory", "Bucharest", "RO", W3, None, None),
    ("1HEALTHAI", "1HealthAI", "CESGA, Galicia", "ES", W3, 82 * M, {"eu": 41 * M, "member_state": 24 * M, "regional": 17 * M}),
]
# Wave totals reported: €1.5 bn (wave 1), ≈ €485 m (wave 2), > €500 m (wave 3).
WAVE_TOTAL = {W1: 1500 * M, W2: 485 * M, W3: 500 * M}
ANTENNAS = [("BE", "Belgium"), ("CY", "Cyprus"), ("HU", "Hungary"), ("IE", "Ireland"), ("LV", "Latvia"),
            ("MT", "Malta"), ("SK", "Slovakia"), ("IS", "Iceland"), ("MD", "Moldova"), ("CH", "Switzerland"),
            ("GB", "United Kingdom"), ("MK", "North Macedonia"), ("RS", "Serbia")]
ANTENNA_REQUEST = 55_043_220.29  # the 13 retained proposals requested €55,043,220.29 in total

# The milestone chain actually reached, in months after selection (illustrative dates except JUPITER's).
CHAIN = [("HOSTING", 3), ("TENDER", 6), ("CONTRACT", 11), ("DELIVERY", 17), ("INSTALL", 19), ("ACCEPT", 21), ("OPERATIONAL", 23)]
TODAY = date(2026, 11, 30)


def months(d, n):
    y, m = divmod(d.month - 1 + n, 12)
    return date(d.year + y, m + 1, min(d.day, 28))


def award_toml(a):
    out = ["[[award]]"]
    for k in ["acronym", "title", "host", "country", "call_code", "call_kind"]:
        out.append(f'{k} = "{a[k]}"')
    out.append(f"selected_on = {a['selected_on']}")
    for k in ["eu", "member_state", "regional", "private", "acquisition", "operation"]:
        if a.get(k):
            out.append(f"{k}_eur = {a[k]:_.2f}".replace(".00", "").replace("_", "_"))
    out.append("illustrative = [" + ", ".join(f'"{x}"' for x in a["illustrative"]) + "]")
    if a.get("hosting_signed"):
        out.append(f"hosting_signed = {a['hosting_signed']}")
    if a.get("grant_signed"):
        out.append(f"grant_signed = {a['grant_signed']}")
    out.append("paid = [" + ", ".join(f'"{x}"' for x in a["paid"]) + "]")
    for code, when, verified in a["reached"]:
        out.append("[[award.reached]]")
        out.append(f'code = "{code}"')
        out.append(f"actual = {when}")
        out.append(f"verified = {'true' if verified else 'false'}")
    return "\n".join(out)


def reached_chain(selected, delay, chain=CHAIN):
    reached = []
    for code, m in chain:
        when = months(selected, m + delay)
        if when <= TODAY:
            reached.append((code, when, months(when, 1) <= TODAY))
    return reached


def paid_for(reached, gates):
    done = {c for c, _, v in reached if v}
    return [t for t, g in gates if g is None or g in done]


AIF_GATES = [("PRE", None), ("INT1", "CONTRACT"), ("INT2", "ACCEPT"), ("FINAL", "OPERATIONAL")]
ANT_GATES = [("A-PRE", None), ("A-INT", "ACCEPT"), ("A-FINAL", "OPERATIONAL")]

awards = []
unknown = {w: [f for f in FACTORIES if f[4] == w and f[5] is None] for w in WAVE_TOTAL}
for i, (acr, title, host, cc, wave, total, split) in enumerate(FACTORIES):
    illustrative = ["acquisition", "operation"]
    if total is None:
        known = sum(f[5] for f in FACTORIES if f[4] == wave and f[5])
        total = round((WAVE_TOTAL[wave] - known) / len(unknown[wave]) / M) * M
        illustrative += ["eu", "member_state"]
    if split is None:
        split = {"eu": total // 2, "member_state": total - total // 2}
        if "eu" not in illustrative:
            illustrative += ["eu", "member_state"]
    acq = round(total * 0.65 / M) * M
    a = dict(acronym=acr, title=title, host=host, country=cc, call_code=f"EUROHPC-AIF-W{[W1, W2, W3].index(wave) + 1}",
             call_kind="ai_factory", selected_on=wave, acquisition=acq, operation=total - acq, illustrative=illustrative, **split)
    delay = i % 4  # the factories do not all keep pace
    a["reached"] = reached_chain(wave, delay)
    a["hosting_signed"] = next((d for c, d, _ in a["reached"] if c == "HOSTING"), None)
    a["grant_signed"] = months(wave, 4 + delay) if months(wave, 4 + delay) <= TODAY else None
    a["paid"] = paid_for(a["reached"], AIF_GATES) if a["grant_signed"] else []
    awards.append(a)

# JUPITER: its real milestone chain, as the history of an award (EuroHPC's first exascale
# system at JSC: €500 m for the system and about six years of operation, 50 % EuroHPC,
# 25 % the federal ministry, 25 % North Rhine-Westphalia).
jupiter = dict(acronym="JUPITER", title="JUPITER exascale system", host="Jülich Supercomputing Centre", country="DE",
               call_code="EUROHPC-EXA-2022", call_kind="ai_factory", selected_on=date(2022, 6, 15),
               eu=250 * M, member_state=125 * M, regional=125 * M, acquisition=273 * M, operation=227 * M,
               illustrative=["acquisition", "operation"], hosting_signed=date(2022, 11, 15), grant_signed=date(2022, 12, 1),
               reached=[("HOSTING", date(2022, 11, 15), True), ("TENDER", date(2023, 1, 16), True),
                        ("CONTRACT", date(2023, 10, 3), True), ("DELIVERY", date(2024, 9, 30), True),
                        ("INSTALL", date(2025, 3, 31), True), ("ACCEPT", date(2025, 6, 10), True),
                        ("OPERATIONAL", date(2025, 9, 5), True)])
jupiter["paid"] = paid_for(jupiter["reached"], AIF_GATES)
awards.append(jupiter)

per_antenna = ANTENNA_REQUEST / len(ANTENNAS)
for i, (cc, name) in enumerate(ANTENNAS):
    eu = round(per_antenna, 2) if i < len(ANTENNAS) - 1 else round(ANTENNA_REQUEST - round(per_antenna, 2) * (len(ANTENNAS) - 1), 2)
    total = eu * 2
    acq = round(total * 0.55, 2)
    a = dict(acronym=f"AIFA-{cc}", title=f"AI Factory Antenna {name}", host=f"National HPC centre, {name}", country=cc,
             call_code="HORIZON-JU-EUROHPC-2025-AIFA-01", call_kind="ai_factory_antenna", selected_on=date(2025, 10, 13),
             eu=eu, member_state=total - eu, acquisition=acq, operation=round(total - acq, 2),
             illustrative=["eu", "member_state", "acquisition", "operation"])
    a["reached"] = reached_chain(date(2025, 10, 13), i % 3, [("HOSTING", 2), ("CONTRACT", 6), ("ACCEPT", 12), ("OPERATIONAL", 13)])
    a["hosting_signed"] = next((d for c, d, _ in a["reached"] if c == "HOSTING"), None)
    a["grant_signed"] = months(date(2025, 10, 13), 3) if months(date(2025, 10, 13), 3) <= TODAY else None
    a["paid"] = paid_for(a["reached"], ANT_GATES) if a["grant_signed"] else []
    awards.append(a)

head = '''# The EuroHPC AI Factories programme: its rules (caps, payments, milestones, tranches),
# its envelope, and the awards made before it came into Gigafund, recorded from public
# facts (scripts/make-programme-demo.py writes this file). Amounts not published are
# illustrative: each award lists them in `illustrative`, and sample-data/README.md says so.

code = "EUROHPC-AIF"
name = "EuroHPC AI Factories and Antennas"
calls = ["EUROHPC-AIF-2026-01", "EUROHPC-AIFA-2026-01"]
leverage_target = 2.0
'''
envelope = '''
# The envelope as announced (illustrative split by year: the public totals are over
# €2.6 bn committed to AI Factories and Antennas, half of the factories' cost from the EU).
[[envelope]]
source = "digital_europe"
year = 2024
amount_eur = 400_000_000
[[envelope]]
source = "horizon_europe"
year = 2024
amount_eur = 400_000_000
[[envelope]]
source = "digital_europe"
year = 2025
amount_eur = 330_000_000
[[envelope]]
source = "horizon_europe"
year = 2025
amount_eur = 300_000_000
[[envelope]]
source = "digital_europe"
year = 2026
amount_eur = 150_000_000
[[envelope]]
source = "horizon_europe"
year = 2026
amount_eur = 100_000_000
[[envelope]]
source = "member_state"
year = 2024
amount_eur = 750_000_000
[[envelope]]
source = "member_state"
year = 2025
amount_eur = 600_000_000
[[envelope]]
source = "member_state"
year = 2026
amount_eur = 250_000_000
[[envelope]]
source = "region"
year = 2025
amount_eur = 210_000_000
'''
import sys
out = sys.argv[1] if len(sys.argv) > 1 else __file__.replace("scripts/make-programme-demo.py", "templates/programmes/eurohpc-ai-factories.toml")
with open(out, "w") as f:
    f.write(head + RULES + envelope + "\n" + "\n\n".join(award_toml(a) for a in awards) + "\n")
print(len(awards), "awards")
