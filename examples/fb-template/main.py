"""FunctionBench-style page rendering: an HTML table of `rows` seeded rows rendered with Jinja2 (python3-jinja2),
autoescaping on (every name holds characters that must be escaped).

Arguments (JSON payload, all optional):
  rows  table rows; integer 1-1000000, default 2000
  seed  seed of the row contents; integer 0-4294967295, default 42

Returns {"rows", "html_bytes", "sha256"}: the row count, the UTF-8 size of the page and its sha256.
"""
import hashlib
import random

import jinja2

ARGS = ("rows", "seed")
ITEMS = ("widget", "gadget", "sprocket", "gizmo", "doohickey", "thingamajig")
TEMPLATE = """<!DOCTYPE html>
<html><head><title>{{ title }}</title></head>
<body>
<h1>{{ title }}</h1>
<table>
<tr><th>#</th><th>Item</th><th>Quantity</th><th>Price</th><th>Total</th></tr>
{% for row in rows -%}
<tr class="{{ loop.cycle('odd', 'even') }}"><td>{{ row.id }}</td><td>{{ row.name }}</td><td>{{ row.qty }}</td><td>{{ '%.2f' % row.price }}</td><td>{{ '%.2f' % (row.qty * row.price) }}</td></tr>
{% endfor -%}
</table>
<p>{{ rows | length }} rows, total {{ '%.2f' % total }}</p>
</body></html>
"""
_template = jinja2.Environment(autoescape=True).from_string(TEMPLATE)  # compiled once per container


def _args(args):
    if args is None:
        args = {}
    if not isinstance(args, dict):
        raise ValueError(f"payload must be a JSON object, got {type(args).__name__}")
    unknown = sorted(set(args) - set(ARGS))
    if unknown:
        raise ValueError(f"unknown argument {unknown[0]!r}; expected {', '.join(ARGS)}")
    return args


def _int(args, name, default, lo, hi):
    value = args.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ValueError(f"{name} must be an integer {lo}-{hi}, got {value!r}")
    return value


def handle(args):
    args = _args(args)
    rows = _int(args, "rows", 2000, 1, 1_000_000)
    seed = _int(args, "seed", 42, 0, 2**32 - 1)
    rng = random.Random(seed)
    data = [{"id": i, "name": f"<{rng.choice(ITEMS)}> & \"{rng.choice(ITEMS)}\"", "qty": rng.randint(1, 50),
             "price": rng.randint(99, 99999) / 100} for i in range(rows)]
    total = sum(row["qty"] * row["price"] for row in data)
    html = _template.render(title="Order <report>", rows=data, total=total)
    encoded = html.encode("utf-8")
    return {"rows": rows, "html_bytes": len(encoded), "sha256": hashlib.sha256(encoded).hexdigest()}
