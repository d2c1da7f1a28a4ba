#!/usr/bin/env python3
"""Checks docs/grafana-dashboard.json: it parses, is importable with a
Prometheus data source input (${DS_PROMETHEUS}, schemaVersion >= 36), its
panels do not overlap, and every metric docs/http.md lists under "Metrics"
is drawn by some panel (so the two do not drift apart).

Usage: check_grafana_dashboard.py SOURCE_DIR
"""
import json
import re
import sys


def main(source_dir):
    errors = []
    with open(f"{source_dir}/docs/grafana-dashboard.json", encoding="utf-8") as f:
        dashboard = json.load(f)
    if dashboard.get("schemaVersion", 0) < 36:
        errors.append(f"schemaVersion {dashboard.get('schemaVersion')} < 36")
    inputs = [i.get("name") for i in dashboard.get("__inputs", [])]
    if "DS_PROMETHEUS" not in inputs:
        errors.append("no __inputs entry DS_PROMETHEUS")
    variables = {v["name"]: v for v in dashboard.get("templating", {}).get("list", [])}
    if variables.get("DS_PROMETHEUS", {}).get("type") != "datasource":
        errors.append("no datasource variable DS_PROMETHEUS")

    expressions = []
    cells = {}
    ids = set()
    for panel in dashboard.get("panels", []):
        title = panel.get("title", "?")
        if panel.get("id") in ids:
            errors.append(f"panel id {panel.get('id')} used twice")
        ids.add(panel.get("id"))
        g = panel["gridPos"]
        if g["x"] + g["w"] > 24:
            errors.append(f"panel '{title}' is wider than the grid")
        for x in range(g["x"], g["x"] + g["w"]):
            for y in range(g["y"], g["y"] + g["h"]):
                if (x, y) in cells:
                    errors.append(f"panels '{cells[(x, y)]}' and '{title}' overlap")
                cells[(x, y)] = title
        if panel.get("type") == "row":
            continue
        if panel.get("datasource", {}).get("uid") != "${DS_PROMETHEUS}":
            errors.append(f"panel '{title}' does not use ${{DS_PROMETHEUS}}")
        if not panel.get("targets"):
            errors.append(f"panel '{title}' has no query")
        for target in panel.get("targets", []):
            expressions.append(target.get("expr", ""))

    with open(f"{source_dir}/docs/http.md", encoding="utf-8") as f:
        http_md = f.read()
    metrics_section = http_md.split("## Metrics", 1)[-1]
    documented = set(re.findall(r"`(hoso_[a-z_]+)", metrics_section))
    if not documented:
        errors.append("no metric found in docs/http.md ## Metrics")
    drawn = " ".join(expressions)
    for metric in sorted(documented):
        # A histogram is drawn through its _bucket series.
        if not re.search(rf"\b{metric}(_bucket)?\b", drawn):
            errors.append(f"metric {metric} (docs/http.md) is in no panel")

    for error in errors:
        print(f"grafana-dashboard.json: {error}")
    print(f"{len(dashboard.get('panels', []))} panels, {len(documented)} documented metrics checked")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
