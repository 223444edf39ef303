def handle(args):
    return 1 / 0
