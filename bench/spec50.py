"""Writes a 50-entity spec to stdout: 4 to 11 fields of every scalar type each, an indexed
enum, a reference every fourth entity, and a resource for each (the spec of BENCHMARKS.md
sections 5 and 6; `MSGEN_BENCH_SPEC_OUT` writes the one of section 1).

    python3 bench/spec50.py [N]      (N entities instead of 50: service `bench-N`)
"""
import random
import sys

random.seed(50)
TYPES = ["string", "text", "int", "bigint", "float", "decimal", "bool", "uuid", "date",
         "datetime", "json"]
count = int(sys.argv[1]) if len(sys.argv) > 1 else 50
width = max(2, len(str(count - 1)))
names = [f"Thing{i:0{width}d}" for i in range(count)]
service = "bench-fifty" if count == 50 else f"bench-{count}"
lines = [f"service: {service}", "database: sqlite", "base_path: /api", "entities:"]
for i, name in enumerate(names):
    lines += [f"  {name}:", "    fields:"]
    for j in range(random.randint(4, 11)):
        kind = random.choice(TYPES)
        extra = ""
        if kind in ("string", "text"):
            extra = ", max_length: 200"
        if kind in ("int", "bigint"):
            extra = ", min: 0, index: true"
        if j == 1 and kind != "json":
            extra += ", optional: true"
        lines.append(f"      f{j}_{kind}: {{ type: {kind}{extra} }}")
    lines.append("      status: { type: enum, values: [new, done], default: new, index: true }")
    if i > 0 and i % 4 == 0:
        lines.append(f"      parent: {{ type: ref, entity: {names[i - 1]}, optional: true }}")
lines.append("endpoints:")
lines += [f"  - resource: {name}" for name in names]
print("\n".join(lines))
