# An OpenWhisk Python action, unchanged: code in __main__.py, handler __main__.main, args always a dict.
def main(args):
    return {"greeting": "hello, " + args.get("name", "stranger")}


if __name__ == "__main__":
    raise SystemExit("run as a script, not by the agent")
