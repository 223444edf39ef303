import sys


def handle(args):
    # Writes to stdout and stderr: the worker returns both (bounded) in the enhanced invocation record.
    n = int(args.get("n", 2))
    for i in range(n):
        print("line", i, "to stdout")
    print("a warning to stderr", file=sys.stderr)
    return {"printed": n}
