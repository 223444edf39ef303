def handle(args):
    return None
