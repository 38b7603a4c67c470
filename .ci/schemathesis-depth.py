"""How deep .ci/schemathesis got, from its ndjson events and the gateway's log: which operations
answered a 2xx to a generated request (not an example), which the stateful phase reached, and
how many requests reached a decision. Fails when an operation that documents a 2xx never gave
one, or when fewer than MIN_DECISIONS_PER_SECOND decisions a second were made: cases that pass
only because they were refused prove little.

usage: schemathesis-depth.py EVENTS.ndjson SPEC.yaml SERVE.log SECONDS"""

import collections
import json
import re
import sys

import yaml

MIN_DECISIONS_PER_SECOND = 3

events, spec_path, log_path, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
spec = yaml.safe_load(open(spec_path))
documented_2xx = {
    f"{method.upper()} {path}"
    for path, item in spec["paths"].items()
    for method, operation in item.items()
    if any(str(status).startswith("2") for status in operation.get("responses", {}))
}
called = collections.defaultdict(set)
answered = collections.defaultdict(set)
for line in open(events):
    finished = json.loads(line).get("ScenarioFinished")
    if not finished:
        continue
    recorder = finished.get("recorder") or {}
    interactions = recorder.get("interactions") or {}
    for case_id, case in (recorder.get("cases") or {}).items():
        label = f"{case['value']['method']} {case['value']['path']}"
        called[finished["phase"]].add(label)
        response = (interactions.get(case_id) or {}).get("response")
        if response and 200 <= response["status_code"] < 300:
            answered[finished["phase"]].add(label)

generated = answered["coverage"] | answered["fuzzing"] | answered["stateful"]
never = sorted(documented_2xx - generated)
log = open(log_path).read()
decided = len(re.findall(r"\] decided$", log, re.MULTILINE))
outcomes = collections.Counter(re.findall(r"outcome=([a-z]+)", log))
print(
    f"schemathesis: {len(generated & documented_2xx)} of {len(documented_2xx)} operations with a "
    f"documented 2xx answered one to generated requests; the stateful phase reached "
    f"{len(called['stateful'])} operations; {decided} requests reached a decision "
    f"({', '.join(f'{n} {o}' for o, n in sorted(outcomes.items())) or 'none'})"
)
failed = False
if never:
    print(f"schemathesis: never answered 2xx to a generated request: {', '.join(never)}")
    failed = True
if decided < MIN_DECISIONS_PER_SECOND * seconds:
    print(f"schemathesis: fewer than {MIN_DECISIONS_PER_SECOND} decisions a second")
    failed = True
sys.exit(1 if failed else 0)
