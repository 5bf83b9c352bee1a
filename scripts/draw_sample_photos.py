"""Draw the simulator's bundled sample photos (dashboard/sample_photos/).

    .venv/bin/python scripts/draw_sample_photos.py

They are drawings made with Pillow from simple shapes and a seeded noise, not photographs:
a pothole, a manhole cover, litter on a pavement, a lamp post at dusk, a blocked drain.
Deterministic: running it again writes the same pictures (JPEG's encoder aside).
"""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

OUT = Path(__file__).resolve().parent.parent / "dashboard" / "sample_photos"
SIZE = (480, 360)


def _ground(rng: random.Random, base: tuple[int, int, int], spread: int = 26) -> Image.Image:
    """A textured surface: asphalt, paving, grass; the grain keeps JPEG honest about size."""
    img = Image.new("RGB", SIZE, base)
    pixels = img.load()
    for y in range(SIZE[1]):
        for x in range(SIZE[0]):
            d = rng.randint(-spread, spread)
            pixels[x, y] = tuple(max(0, min(255, c + d)) for c in base)
    return img.filter(ImageFilter.SMOOTH)


def pothole(rng: random.Random) -> Image.Image:
    img = _ground(rng, (92, 92, 96))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 300, 480, 312), fill=(230, 230, 230))  # lane marking
    points = [(240 + int(130 * rng.uniform(0.7, 1.0) * c), 170 + int(80 * rng.uniform(0.7, 1.0) * s))
              for c, s in ((1, 0), (0.7, 0.7), (0, 1), (-0.7, 0.7), (-1, 0), (-0.7, -0.7),
                           (0, -1), (0.7, -0.7))]
    draw.polygon(points, fill=(40, 36, 34), outline=(20, 18, 18))
    draw.ellipse((190, 150, 290, 200), fill=(70, 80, 95))  # a puddle in it
    for _ in range(30):
        x, y = rng.randint(80, 400), rng.randint(80, 260)
        draw.line((x, y, x + rng.randint(-25, 25), y + rng.randint(-25, 25)),
                  fill=(30, 30, 30), width=2)
    return img


def manhole(rng: random.Random) -> Image.Image:
    img = _ground(rng, (120, 118, 112))
    draw = ImageDraw.Draw(img)
    draw.ellipse((130, 70, 350, 290), fill=(58, 54, 50), outline=(30, 28, 26), width=6)
    for r in range(20, 110, 18):
        draw.ellipse((240 - r, 180 - r, 240 + r, 180 + r), outline=(80, 76, 70), width=3)
    draw.pieslice((130, 70, 350, 290), 200, 250, fill=(15, 15, 15))  # the broken edge
    draw.polygon([(300, 250), (420, 300), (380, 330), (290, 290)], fill=(60, 56, 50))
    return img


def litter(rng: random.Random) -> Image.Image:
    img = _ground(rng, (176, 168, 150), 18)
    draw = ImageDraw.Draw(img)
    for x in range(0, 480, 60):  # paving stones
        draw.line((x, 0, x, 360), fill=(140, 134, 120), width=2)
    for y in range(0, 360, 60):
        draw.line((0, y, 480, y), fill=(140, 134, 120), width=2)
    colours = [(220, 40, 40), (240, 240, 240), (40, 90, 200), (250, 200, 30), (30, 140, 60)]
    for _ in range(22):
        x, y = rng.randint(40, 440), rng.randint(120, 330)
        w, h = rng.randint(12, 40), rng.randint(8, 28)
        draw.rectangle((x, y, x + w, y + h), fill=rng.choice(colours), outline=(50, 50, 50))
    draw.ellipse((150, 60, 300, 160), fill=(30, 30, 34))  # a full black bag
    return img


def lamp_post(rng: random.Random) -> Image.Image:
    img = Image.new("RGB", SIZE)
    draw = ImageDraw.Draw(img)
    for y in range(SIZE[1]):  # dusk sky
        draw.line((0, y, 480, y), fill=(40 + y // 6, 50 + y // 8, 110 - y // 8))
    draw.rectangle((0, 300, 480, 360), fill=(70, 70, 72))
    draw.rectangle((226, 70, 240, 310), fill=(50, 55, 60))
    draw.line((233, 75, 320, 60), fill=(50, 55, 60), width=8)
    draw.polygon([(300, 58), (350, 58), (340, 80), (310, 80)], fill=(90, 90, 80))  # dark lamp
    for _ in range(80):  # a few stars
        x, y = rng.randint(0, 479), rng.randint(0, 200)
        draw.point((x, y), fill=(230, 230, 200))
    pixels = img.load()
    for y in range(SIZE[1]):  # a camera's grain
        for x in range(0, SIZE[0], 3):
            d = rng.randint(-4, 4)
            pixels[x, y] = tuple(max(0, min(255, c + d)) for c in pixels[x, y])
    return img.filter(ImageFilter.GaussianBlur(0.6))


def blocked_drain(rng: random.Random) -> Image.Image:
    img = _ground(rng, (100, 98, 100))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, 480, 90), fill=(160, 160, 150))  # kerb
    draw.rectangle((170, 100, 330, 190), fill=(30, 30, 30))
    for x in range(180, 330, 16):
        draw.rectangle((x, 105, x + 8, 185), fill=(110, 110, 110))
    for _ in range(40):  # leaves over the grate
        x, y = rng.randint(150, 350), rng.randint(90, 200)
        draw.ellipse((x, y, x + 18, y + 10), fill=(rng.randint(120, 170), rng.randint(80, 120), 30))
    draw.ellipse((60, 200, 430, 340), fill=(80, 92, 110))  # standing water
    return img


DRAWINGS = {"pothole.jpg": pothole, "manhole.jpg": manhole, "litter.jpg": litter,
            "lamp_post.png": lamp_post, "blocked_drain.jpg": blocked_drain}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for number, (name, draw) in enumerate(DRAWINGS.items()):
        img = draw(random.Random(number))
        path = OUT / name
        if name.endswith(".png"):
            img.quantize(256).save(path, optimize=True)
        else:
            img.save(path, quality=85)
        print(f"{path.relative_to(OUT.parent.parent)}: {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
