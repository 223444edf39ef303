def handle(args):
    name = (args or {}).get("name", "world") if isinstance(args, dict) else "world"
    return {"greeting": "hello, " + name}
