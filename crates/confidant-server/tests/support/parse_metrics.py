"""Parses a Prometheus exposition read from standard input with the
`prometheus_client` package's own parsers (the OpenMetrics parser, which is
strict, and the classic text-format parser) and prints the samples as JSON:
{"families": {name: type}, "samples": [[name, labels, value], ...]}.
Exits non-zero, with the parser's message, on anything they refuse."""

import json
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families as openmetrics_families
from prometheus_client.parser import text_string_to_metric_families as text_families

text = sys.stdin.read()
families = {}
samples = []
for family in openmetrics_families(text):
    families[family.name] = family.type
    for sample in family.samples:
        samples.append([sample.name, sample.labels, sample.value])
# The classic parser must accept the same text and find the same families.
classic = {f.name for f in text_families(text)}
missing = set(families) - classic
if missing:
    sys.exit("the text-format parser did not find: " + ", ".join(sorted(missing)))
json.dump({"families": families, "samples": samples}, sys.stdout)
