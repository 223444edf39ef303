"""FunctionBench-style image processing with Pillow (python3-pil), in memory: a seeded RGB image is flipped,
rotated, blurred, turned to grayscale and resized.

Arguments (JSON payload, all optional):
  width   image width in pixels; integer 1-8192, default 1024
  height  image height in pixels; integer 1-8192, default 768
  seed    seed of the pixels; integer 0-4294967295, default 42

The image is random blocks of colour over noise (so the blur has edges to work on). Steps: flip left-right, rotate
90 degrees (expanding: width and height swap), Gaussian blur of radius 2, grayscale, resize to half (at least 1x1).
Returns {"width", "height", "mode", "sha256"}: the final image's size and mode and the sha256 of its pixels.
"""
import hashlib
import random

from PIL import Image, ImageDraw, ImageFilter

ARGS = ("width", "height", "seed")


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


def _image(width, height, seed):
    rng = random.Random(seed)
    image = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    draw = ImageDraw.Draw(image)
    for _ in range(32):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        x1, y1 = rng.randrange(x0, width), rng.randrange(y0, height)
        draw.rectangle((x0, y0, x1, y1), fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    return image


def handle(args):
    args = _args(args)
    width = _int(args, "width", 1024, 1, 8192)
    height = _int(args, "height", 768, 1, 8192)
    seed = _int(args, "seed", 42, 0, 2**32 - 1)
    image = _image(width, height, seed)
    image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    image = image.rotate(90, expand=True)
    image = image.filter(ImageFilter.GaussianBlur(radius=2))
    image = image.convert("L")
    image = image.resize((max(1, image.width // 2), max(1, image.height // 2)), Image.Resampling.LANCZOS)
    return {"width": image.width, "height": image.height, "mode": image.mode,
            "sha256": hashlib.sha256(image.tobytes()).hexdigest()}
