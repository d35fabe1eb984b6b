#!/usr/bin/env python3
"""Writes docs/configuration.md from the configuration metadata the build generates
(*/target/classes/META-INF/spring-configuration-metadata.json). Run after ./mvnw compile.
ConfigurationReferenceTests fails when a tributary.* property is missing from the page."""
import glob
import json
import re
import sys

OWNERS = {
    "tributary.outbox.": ("outbox-relay", "Outbox relay (submission-service and scheduler-service)"),
    "tributary.submission.": ("submission-service", "submission-service"),
    "tributary.scheduler.": ("scheduler-service", "scheduler-service"),
    "tributary.worker.": ("worker-service", "worker-service"),
}


def clean(text):
    text = re.sub(r"\{@(?:code|link|linkplain) ([^}]*)\}", r"`\1`", text or "")
    return " ".join(text.split()).replace("|", "\\|")


def main():
    properties = {}
    for path in sorted(glob.glob("*/target/classes/META-INF/spring-configuration-metadata.json")):
        with open(path) as f:
            for prop in json.load(f).get("properties", []):
                if prop["name"].startswith("tributary."):
                    properties[prop["name"]] = prop
    if not properties:
        sys.exit("no configuration metadata found: run ./mvnw compile first")
    out = ["# Configuration reference", "",
           "Every `tributary.*` property with its default, generated from the services' configuration",
           "metadata by `scripts/configuration-reference.py` (ConfigurationReferenceTests keeps it complete).",
           "Set them in the service's `<service>.yaml`, as `--name=value` arguments, or as environment",
           "variables (`TRIBUTARY_WORKER_CONCURRENCY=64`). Durations take `500ms`, `10s`, `5m`, `24h` or",
           "ISO-8601; sizes take `256KB`, `1MB`. Spring's own settings (`spring.datasource.*`,",
           "`spring.kafka.bootstrap-servers`, `server.port`) work as usual. The all-in-one launcher's",
           "environment variables are in the README.", ""]
    for prefix, (module, title) in OWNERS.items():
        names = sorted(n for n in properties if n.startswith(prefix))
        if not names:
            continue
        out += [f"## {title}", "", "| property | default | meaning |", "|---|---|---|"]
        for name in names:
            prop = properties[name]
            default = prop.get("defaultValue")
            if isinstance(default, bool):
                default = str(default).lower()
            default = "–" if default is None or default == [] else f"`{default}`"
            out.append(f"| `{name}` | {default} | {clean(prop.get('description'))} |")
        out.append("")
    with open("docs/configuration.md", "w") as f:
        f.write("\n".join(out))
    print(f"docs/configuration.md: {len(properties)} properties")


if __name__ == "__main__":
    main()
