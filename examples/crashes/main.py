import os
import signal


def handle(args):
    os.kill(os.getpid(), signal.SIGKILL)
