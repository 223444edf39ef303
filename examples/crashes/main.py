import os


def handle(args):
    # the process dies without answering (inside a container the agent is PID 1, which the kernel protects from a
    # SIGKILL it sends itself, so exit hard instead)
    os._exit(70)
