def handle(args):
    # Written as for OpenWhisk: args is always a dict, {} when the invocation has no payload.
    return {"greeting": "hello, " + args.get("name", "stranger")}
