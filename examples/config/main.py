import os


def handle(args):
    # What the function is configured with: its payload merged over the default parameters, and the environment
    # variables (a secret is one too) that the payload asks to see.
    return {"args": args, "env": {name: os.environ.get(name) for name in args.get("show", [])}}
